"""Bounds on what reading one document may cost, so that a hostile or broken file is refused with
a clear report instead of hanging the import: a wall-clock deadline on detecting and parsing it."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

PARSE_SECONDS = 20.0
"""How long detecting and reading one document may take (the largest real documents take well
under a second)."""


class TimeLimit(BaseException):  # noqa: N818 - not an Exception, so that no reader's handler swallows it
    """Reading a document took longer than its deadline."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeLimit` in the block once ``seconds`` have passed. An alarm already set (a
    test runner's timeout) is kept and set again afterwards. Signals reach only the main thread, so
    elsewhere (a server's worker thread) the block runs unbounded."""
    outer, interval = signal.getitimer(signal.ITIMER_REAL)
    if threading.current_thread() is not threading.main_thread() or seconds <= 0 or 0 < outer <= seconds:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TimeLimit

    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - started), 0.001), interval)
