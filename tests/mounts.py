"""A small tmpfs of the test's own, for disks that are really full or read-only: mounted where the
machine allows it (root with mount rights; CI may lack them, and the test is then skipped, the
failure-injection tests in tests/test_durability.py covering the same paths), always unmounted."""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def mounted_tmpfs(options: str) -> Iterator[Path]:
    where = Path(tempfile.mkdtemp(prefix="specmock-tmpfs-"))
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True,
                              text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        try:
            yield where
        finally:
            subprocess.run(["umount", "-l", str(where)], check=True)
    finally:
        where.rmdir()


def fill(disk: Path) -> Path:
    """Write a file on ``disk`` until no byte more fits; the file (delete it to free the space)."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as handle:
        block = b"\0" * 65536
        with contextlib.suppress(OSError):
            while True:
                handle.write(block)
        with contextlib.suppress(OSError):
            while True:
                handle.write(b"\0")
    return filler
