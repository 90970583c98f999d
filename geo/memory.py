"""Building millions of small objects: the cycle collector paused while it happens, the memory given back after."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
from collections.abc import Callable, Iterator

import pyarrow as pa


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


@functools.cache
def _libc_trim() -> Callable[[int], int] | None:
    """Return glibc's malloc_trim, or None where the C library is another (musl, macOS, Windows)."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):
        return None


def give_back() -> None:
    """Return the memory freed so far to the system: glibc's free pages, and Arrow's pool's unused ones.

    A million rows' parse frees about half a gigabyte of small Python objects across glibc's heap; glibc keeps the
    pages, and Arrow's allocator (mimalloc) cannot reuse them, so each later phase took fresh pages on top. Given back
    between phases, a million-row read's peak fell by about 270 MB and what it holds after by 400 MB.
    """
    trim = _libc_trim()
    if trim is not None:
        trim(0)
    pa.default_memory_pool().release_unused()
