"""A disk that fails on demand: the operating-system calls the storage makes (``os.write``,
``os.fdatasync``, ``os.fsync``, ``os.replace``, ``os.ftruncate``, ``os.open``), failed with a chosen
errno for the files under one directory only, so that the test process itself is untouched."""

from __future__ import annotations

import errno as errnos
import os
from collections import Counter
from pathlib import Path

CALLS = ("write", "fdatasync", "fsync", "replace", "ftruncate", "open")


class Disk:
    """``fail("fdatasync", errno.EIO)`` makes every later such call under ``root`` raise, until
    ``heal()``; ``only="name"`` narrows it to the files whose name contains that; ``partial=True`` on
    ``write`` writes half of the bytes first (a short write), then fails."""

    def __init__(self, monkeypatch, root: Path) -> None:
        self.root = str(root)
        self.failing: dict[str, int] = {}
        self.only = ""
        self.partial = False
        self.calls: Counter[str] = Counter()
        self.opened: list[str] = []  # the paths opened under root, in order
        for name in CALLS:
            monkeypatch.setattr(os, name, self._wrap(name, getattr(os, name)))

    def fail(self, call: str, errno: int = errnos.ENOSPC, *, only: str = "", partial: bool = False) -> Disk:
        self.failing[call] = errno
        self.only = only
        self.partial = partial
        return self

    def heal(self) -> None:
        self.failing.clear()

    @staticmethod
    def _path(target: object) -> str:
        if isinstance(target, int):
            try:
                return os.readlink(f"/proc/self/fd/{target}")
            except OSError:
                return ""
        return str(target)

    def _wrap(self, name: str, real):
        def call(*args, **kwargs):
            path = self._path(args[0])
            if not path.startswith(self.root):
                return real(*args, **kwargs)
            self.calls[name] += 1
            if name == "open":
                self.opened.append(path)
            if name in self.failing and self.only in Path(path).name:
                if name == "write" and self.partial:
                    self.partial = False
                    return real(args[0], bytes(args[1])[: max(1, len(args[1]) // 2)])
                raise OSError(self.failing[name], os.strerror(self.failing[name]))
            return real(*args, **kwargs)

        return call
