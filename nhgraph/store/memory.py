"""Bulk work with Python's cycle collector paused.

A load makes hundreds of thousands of objects that live to its end (models, rows, RDF
terms), and CPython's cycle collector walks the survivors again and again as they pile up:
a fifth of making and hashing London's postcode rows, and a fifth to a third of building
London's validation graph, were collections that found nothing. What a load makes is freed
by reference counting (rows and models are trees), so the collector is paused while a load
runs and resumed after, when it collects whatever cycles are left.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pause:
    """How many blocks hold the collector paused, and whether it ran before the first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holders = 0
        self.was_enabled = False


_PAUSE = _Pause()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cycle collector for the block. Nested and concurrent blocks (a load's writer
    thread beside its validation, two edits at once) resume it when the last one ends, and
    only if it was running when the first began."""
    with _PAUSE.lock:
        if _PAUSE.holders == 0:
            _PAUSE.was_enabled = gc.isenabled()
            gc.disable()
        _PAUSE.holders += 1
    try:
        yield
    finally:
        with _PAUSE.lock:
            _PAUSE.holders -= 1
            if _PAUSE.holders == 0 and _PAUSE.was_enabled:
                gc.enable()
