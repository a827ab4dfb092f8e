"""Plain Starlette app (no FastAPI) with a generated OpenAPI 3.0 document.

The schema is built by ``starlette.schemas.SchemaGenerator`` from the YAML in
each endpoint's docstring (needs PyYAML) and served as JSON at
``/openapi.json`` (Starlette's own ``OpenAPIResponse`` would render YAML).
Exercises operationIds, an integer path parameter and a JSON request body.
``POST /users`` validates and echoes the user; nothing is stored.
"""

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.schemas import SchemaGenerator

USERS: dict[int, dict[str, Any]] = {
    1: {"id": 1, "name": "alice"},
    2: {"id": 2, "name": "bob"},
}

schemas = SchemaGenerator(
    {"openapi": "3.0.0", "info": {"title": "contractsnap starlette", "version": "1.0.0"}}
)


async def list_users(request: Request) -> JSONResponse:
    """
    ---
    operationId: list_users
    responses:
      "200":
        description: All users.
        content:
          application/json:
            schema:
              type: array
              items: {$ref: "#/components/schemas/User"}
    """
    return JSONResponse(list(USERS.values()))


async def get_user(request: Request) -> JSONResponse:
    """
    ---
    operationId: get_user
    parameters:
      - {name: user_id, in: path, required: true, schema: {type: integer}}
    responses:
      "200":
        description: One user.
        content:
          application/json:
            schema: {$ref: "#/components/schemas/User"}
      "404":
        description: No such user.
    """
    user = USERS.get(request.path_params["user_id"])
    if user is None:
        return JSONResponse({"detail": "User not found"}, status_code=404)
    return JSONResponse(user)


async def create_user(request: Request) -> JSONResponse:
    """
    ---
    operationId: create_user
    requestBody:
      required: true
      content:
        application/json:
          schema:
            type: object
            required: [name]
            properties:
              name: {type: string, minLength: 1}
    responses:
      "201":
        description: The created user (echoed, not stored).
        content:
          application/json:
            schema: {$ref: "#/components/schemas/User"}
      "422":
        description: Invalid body.
    """
    try:
        body = await request.json()
    except ValueError:
        body = None
    name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name:
        return JSONResponse({"detail": "name must be a non-empty string"}, 422)
    return JSONResponse({"id": len(USERS) + 1, "name": name}, status_code=201)


async def openapi_schema(request: Request) -> JSONResponse:
    schema = schemas.get_schema(routes=request.app.routes)
    schema["components"] = {
        "schemas": {
            "User": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
            }
        }
    }
    return JSONResponse(schema)


app = Starlette(
    routes=[
        Route("/users", list_users, methods=["GET"]),
        Route("/users", create_user, methods=["POST"]),
        Route("/users/{user_id:int}", get_user, methods=["GET"]),
        Route("/openapi.json", openapi_schema, include_in_schema=False),
    ]
)
