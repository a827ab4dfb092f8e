"""An app whose answers hold values read from the clock, as logins and sessions do: a JWT
with `iat` and `exp`, the epoch second it was issued, a timestamp of now, and a request id
from `uuid4().hex`. Two sends within one second agree on all but the id."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import time
import uuid

from fastapi import FastAPI
from pydantic import BaseModel

SECRET = b"not-a-real-secret"
#: The clock the app reads; a test may pin it.
CLOCK = time.time

app = FastAPI(title="clock tokens", version="1")


def _part(value: object) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwt(claims: dict[str, object]) -> str:
    signing = f"{_part({'alg': 'HS256', 'typ': 'JWT'})}.{_part(claims)}"
    signature = hmac.new(SECRET, signing.encode(), hashlib.sha256).digest()
    return f"{signing}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


class Login(BaseModel):
    username: str


@app.post("/login")
async def login(body: Login) -> dict[str, object]:
    now = int(CLOCK())
    token = jwt({"sub": body.username, "iat": now, "exp": now + 3600})
    return {"access_token": token, "token_type": "bearer", "issued": now}


@app.get("/session")
async def session() -> dict[str, str]:
    started = datetime.datetime.fromtimestamp(CLOCK(), datetime.timezone.utc)
    return {"started": started.isoformat(timespec="seconds"), "user": "ada"}


@app.get("/trace")
async def trace() -> dict[str, str]:
    return {"request_id": uuid.uuid4().hex}
