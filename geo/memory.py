"""Building millions of small objects: Python's cycle collector paused while it happens."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause the cycle collector for a block that makes many containers and no reference cycles.

    Imports and synthetic sets make millions of dicts and lists with no cycles; the collector, triggered every
    few hundred new containers, would scan them all again and again (a fifth to two thirds of such a run).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
