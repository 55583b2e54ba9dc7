"""The file operations durability rests on, each one complete on Linux (ext4, tmpfs): data written
in full and fsynced, a file replaced by rename with its directory fsynced, a damaged file moved
aside under a name that is new.

Every call goes through the ``os`` module at call time, so tests can fail them where the operating
system would (ENOSPC, EROFS, EIO).
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` (``os.write`` may write less than it was given)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def truncate(fd: int, length: int) -> None:
    """Cut the file behind ``fd`` to ``length`` bytes, durably."""
    os.ftruncate(fd, length)
    os.fsync(fd)


def fsync_directory(directory: Path) -> None:
    """Make the directory's entries (a created or renamed file) survive a power loss."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, payload: bytes) -> None:
    """Replace ``path`` by a file holding ``payload``: after a crash it holds the old content or the
    new, never a mix. On any error the old file stays and no temporary file is left. The temporary
    file's name is fixed (one writer per file, see ``specmock.locking``): one a crash left behind is
    overwritten by the next replacement."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        try:
            write_all(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def move_aside(path: Path, why: str) -> Path:
    """Rename ``path`` to ``<name>.<why>-<UTC timestamp>`` beside it (never over an existing file)."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    target = path.with_name(f"{path.name}.{why}-{stamp}")
    number = 1
    while target.exists():
        number += 1
        target = path.with_name(f"{path.name}.{why}-{stamp}-{number}")
    os.rename(path, target)
    fsync_directory(path.parent)
    return target
