"""FastAPI app exercising a broad set of OpenAPI 3.1 features.

Covers: an urlencoded form body, a required header parameter with a pattern
(``X-Client-Version``), an optional cookie (``session``), nested pydantic models
(Order -> OrderLine -> Product), a str enum and an int enum, nullable fields
(``note: str | None``), a documented response header (``X-Total-Count``), a path
with two path parameters, a 204 response, ``text/plain`` and
``application/octet-stream`` responses and an endpoint that always fails with 500.

Orders are kept per application in ``app.state.orders``; ``create_app()`` returns
a fresh app with the seed data and ``reset()`` restores the seed data of an app
(the module-level ``app`` by default).
"""

from enum import Enum, IntEnum
from typing import Annotated

from fastapi import (
    APIRouter,
    Cookie,
    FastAPI,
    Form,
    Header,
    HTTPException,
    Path,
    Request,
    Response,
)
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field


class OrderStatus(str, Enum):
    PENDING = "pending"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


class Priority(IntEnum):
    LOW = 1
    NORMAL = 2
    HIGH = 3


class Product(BaseModel):
    sku: str
    name: str
    unit_price_cents: int = Field(ge=0)


class OrderLine(BaseModel):
    product: Product
    quantity: int = Field(ge=1)


class OrderIn(BaseModel):
    lines: list[OrderLine] = Field(min_length=1)
    status: OrderStatus = OrderStatus.PENDING
    priority: Priority = Priority.NORMAL
    note: str | None = None


class Order(OrderIn):
    id: int
    total_cents: int


class LoginResult(BaseModel):
    username: str
    token: str


class Me(BaseModel):
    client_version: str
    session: str | None


def _make_order(order_id: int, data: OrderIn) -> Order:
    total = sum(line.product.unit_price_cents * line.quantity for line in data.lines)
    return Order(id=order_id, total_cents=total, **data.model_dump())


def _seed_orders() -> dict[int, Order]:
    pen = Product(sku="PEN-1", name="Pen", unit_price_cents=150)
    pad = Product(sku="PAD-2", name="Notepad", unit_price_cents=400)
    return {
        1: _make_order(1, OrderIn(lines=[OrderLine(product=pen, quantity=2)])),
        2: _make_order(
            2,
            OrderIn(
                lines=[
                    OrderLine(product=pen, quantity=1),
                    OrderLine(product=pad, quantity=3),
                ],
                status=OrderStatus.SHIPPED,
                priority=Priority.HIGH,
                note="leave at the door",
            ),
        ),
    }


def _orders(request: Request) -> dict[int, Order]:
    orders: dict[int, Order] = request.app.state.orders
    return orders


def _get_or_404(request: Request, order_id: int) -> Order:
    order = _orders(request).get(order_id)
    if order is None:
        raise HTTPException(status_code=404, detail="Order not found")
    return order


router = APIRouter()


@router.post("/login", operation_id="login")
async def login(
    username: Annotated[str, Form(min_length=1)],
    password: Annotated[str, Form(min_length=1)],
) -> LoginResult:
    return LoginResult(username=username, token=f"token-{username}")


@router.get("/me", operation_id="get_me")
async def get_me(
    x_client_version: Annotated[str, Header(alias="X-Client-Version", pattern=r"^\d+\.\d+$")],
    session: Annotated[str | None, Cookie()] = None,
) -> Me:
    return Me(client_version=x_client_version, session=session)


@router.get(
    "/orders",
    operation_id="list_orders",
    responses={
        200: {
            "headers": {
                "X-Total-Count": {
                    "description": "Number of matching orders",
                    "schema": {"type": "integer"},
                }
            }
        }
    },
)
async def list_orders(
    request: Request,
    response: Response,
    status: OrderStatus | None = None,
    priority: Priority | None = None,
) -> list[Order]:
    found = [
        order
        for order in _orders(request).values()
        if (status is None or order.status == status)
        and (priority is None or order.priority == priority)
    ]
    response.headers["X-Total-Count"] = str(len(found))
    return found


@router.post("/orders", status_code=201, operation_id="create_order")
async def create_order(request: Request, data: OrderIn) -> Order:
    orders = _orders(request)
    order = _make_order(max(orders, default=0) + 1, data)
    orders[order.id] = order
    return order


@router.get(
    "/orders/{order_id}",
    operation_id="get_order",
    responses={404: {"description": "Not found"}},
)
async def get_order(request: Request, order_id: int) -> Order:
    return _get_or_404(request, order_id)


@router.get(
    "/orders/{order_id}/lines/{line_no}",
    operation_id="get_order_line",
    responses={404: {"description": "Not found"}},
)
async def get_order_line(
    request: Request, order_id: int, line_no: Annotated[int, Path(ge=1)]
) -> OrderLine:
    lines = _get_or_404(request, order_id).lines
    if line_no > len(lines):
        raise HTTPException(status_code=404, detail="Line not found")
    return lines[line_no - 1]


@router.delete(
    "/orders/{order_id}",
    status_code=204,
    response_class=Response,
    operation_id="delete_order",
    responses={404: {"description": "Not found"}},
)
async def delete_order(request: Request, order_id: int) -> None:
    _get_or_404(request, order_id)
    del _orders(request)[order_id]


@router.get("/health", response_class=PlainTextResponse, operation_id="get_health")
async def get_health() -> str:
    return "ok"


@router.get(
    "/export",
    response_class=Response,
    operation_id="export_orders",
    responses={
        200: {
            "description": "Opaque binary export",
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        }
    },
)
async def export_orders() -> Response:
    return Response(content=b"CSNP\x00\x01\x02\xff", media_type="application/octet-stream")


@router.get(
    "/boom",
    operation_id="boom",
    responses={500: {"description": "Always fails (unhandled RuntimeError)"}},
)
async def boom() -> dict[str, str]:
    raise RuntimeError("boom")


def create_app() -> FastAPI:
    """Return a fresh app with its own copy of the seed orders."""
    new_app = FastAPI(title="contractsnap features", version="1.0.0")
    new_app.include_router(router)
    new_app.state.orders = _seed_orders()
    return new_app


def reset(target: FastAPI | None = None) -> None:
    """Restore the seed orders of ``target`` (the module-level ``app`` by default)."""
    (target or app).state.orders = _seed_orders()


app = create_app()
