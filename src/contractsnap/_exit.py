"""The end of a process that ran a contract suite.

A FastAPI app of a thousand operations and its schema leave about half a million objects
tracked by the garbage collector. At exit, after pytest's own last collection (which
reports what the tests left unraisable), the interpreter walks them once more to free
them: about 1.8 s of a 25 s gate at 1000 operations, paid again by every pytest-xdist
worker, and 0.3 s of a 2 s ``--collect-only``. Freezing them
(``gc.freeze``) in an ``atexit`` handler skips that walk. It changes nothing a test can
see: it runs after every test, report and pytest clean-up, and Python does not promise to
call ``__del__`` for objects that still exist when the interpreter exits (the data model's
note on ``__del__``); memory is the operating system's again a moment later.
"""

from __future__ import annotations

import atexit
import functools
import gc


@functools.cache
def skip_final_collection() -> None:
    """Freeze the objects still tracked when the interpreter exits (once a process)."""
    atexit.register(gc.freeze)
