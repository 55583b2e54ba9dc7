"""TinyDB storages: the two-method interface (``read``, ``write``) behind the store.

``AtomicJSONStorage`` keeps TinyDB's JSON file format but never leaves a torn file: each write
goes to a temporary file in the same directory, is flushed and fsynced, then atomically replaces
the old file, and the directory entry is fsynced. A crash leaves either the old or the new file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import MemoryStorage, Storage

__all__ = ["AtomicJSONStorage", "MemoryStorage", "StorageCorrupted"]


class StorageCorrupted(Exception):
    """The database file exists but is not a TinyDB JSON document."""


class AtomicJSONStorage(Storage):
    def __init__(self, path: str | os.PathLike[str], **_: Any) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        if not raw.strip():
            return None
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise StorageCorrupted(f"{self.path} is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise StorageCorrupted(f"{self.path} does not hold a TinyDB document")
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        payload = orjson.dumps(data)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_directory(self.path.parent)

    def close(self) -> None:
        pass


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
