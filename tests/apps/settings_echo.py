"""An app with a settings endpoint that echoes where it keeps its data, as "about" and
settings endpoints of real apps do: a data directory under the project, a temp dir for
uploads, a cache in the home folder, the interpreter it runs on."""

from __future__ import annotations

import os
import sys
import tempfile

from fastapi import FastAPI

app = FastAPI(title="settings echo", version="1")


@app.get("/settings")
async def settings() -> dict[str, str]:
    return {
        "data_dir": os.path.join(os.getcwd(), "data"),
        "uploads": os.path.join(tempfile.gettempdir(), "uploads"),
        "cache": os.path.join(os.path.expanduser("~"), ".cache", "app"),
        "python": sys.executable,
        "name": "settings echo",
    }
