"""An app with one resource that exists only because it is seeded at start-up (a tenant, a
demo account): no generated id finds it, a known value does."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException

app = FastAPI(title="seeded", version="1")
TENANTS = {"acme": {"slug": "acme", "name": "Acme Corp", "plan": "gold"}}


@app.get("/tenants/{slug}", responses={404: {"description": "No such tenant"}})
async def tenant(slug: str) -> dict[str, str]:
    if slug not in TENANTS:
        raise HTTPException(404, "No such tenant")
    return TENANTS[slug]


@app.get("/tenants/{slug}/usage", responses={404: {"description": "No such tenant"}})
async def usage(slug: str, month: str = "2026-01") -> dict[str, object]:
    if slug not in TENANTS:
        raise HTTPException(404, "No such tenant")
    return {"slug": slug, "month": month, "calls": 42}
