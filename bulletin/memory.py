"""Keeping the garbage collector and the heap out of the build's way.

A build's model is millions of objects that live as long as the build. CPython's full
collections walk all of them each time, and a forked render worker that is collected
copies every page of the model it walks.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


def settle() -> None:
    """Move every object alive now to the collector's permanent generation, until the build ends.

    Without this, each full collection walks the whole model again: 13 full collections took
    5 s of a 26 s one-digest rebuild at 10,000 digests, and freed nothing. Garbage still dies
    by reference counting; only cycles made before a settle wait for the build's end
    (`collector_settled`)."""
    gc.freeze()


@contextmanager
def collector_settled() -> Iterator[None]:
    """Full collections wait for the end of the build (young objects are still collected):
    while the model is being made, each one walks a model twice as big as the last one
    and finds nothing to free (20 of them, 2 s, at 10,000 digests)."""
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], 1_000_000)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()  # the next full collection frees this build's cycles (a long `serve` makes many builds)


@contextmanager
def collector_paused() -> Iterator[None]:
    """For making a model (a million objects at 10,000 digests) that lives as long as the build:
    young collections while it is made find nothing to free, and those objects are then set aside
    (`settle`), or the first young collection after would walk all of them (0.1-0.2 s each time)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        settle()
        if collecting:
            gc.enable()


def release_free_memory() -> None:
    """Hand the heap's free pages back to the system before forking: they would otherwise count
    in every worker's memory (glibc only; elsewhere a no-op)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
