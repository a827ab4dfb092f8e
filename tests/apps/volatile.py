"""FastAPI app with deliberately volatile responses, for redaction tests.

``POST /things`` (operationId ``create_thing``, no request body) returns 201
with a fresh uuid4 ``id`` and the current UTC ``created_at`` in the body, and a
``Location: /things/<id>`` header with the same uuid. ``GET /stable``
(operationId ``get_stable``) always returns the same body.
"""

from datetime import datetime, timezone
from uuid import uuid4

from fastapi import FastAPI, Response

app = FastAPI(title="contractsnap volatile", version="1.0.0")


@app.post(
    "/things",
    status_code=201,
    operation_id="create_thing",
    responses={
        201: {
            "headers": {
                "Location": {
                    "description": "URL of the new thing",
                    "schema": {"type": "string"},
                }
            }
        }
    },
)
async def create_thing(response: Response) -> dict[str, str]:
    thing_id = str(uuid4())
    response.headers["Location"] = f"/things/{thing_id}"
    return {
        "id": thing_id,
        "created_at": datetime.now(timezone.utc).isoformat(),
        "name": "x",
    }


@app.get("/stable", operation_id="get_stable")
async def get_stable() -> dict[str, str]:
    return {"status": "ok", "name": "x"}
