"""What some tests need from outside the repository (the source documents, a browser), and what
happens when it is missing: outside CI the test skips and says where the thing is expected; with
``CI=true`` it fails, because CI installs everything and a missing piece means a broken set-up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
SEED_NAMES = (
    "000_6b0cc6ce058485e8.txt",
    "001_75d832cae9980787.txt",
    "002_abddeccdcf62fb0e.txt",
    "003_bf8a3f6206382ffa.txt",
    "004_5484b7f961416259.txt",
)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def unavailable(what: str) -> None:
    """Skip (outside CI) or fail (in CI) the calling test because ``what`` is missing."""
    if in_ci():
        pytest.fail(f"cannot run in CI: {what}", pytrace=False)
    pytest.skip(what)


def seed(name: str) -> Path:
    """The path of one source document under ``../shared/seeds``, or skip/fail saying where it was expected."""
    path = SEEDS / name
    if not path.is_file():
        unavailable(f"the source document {name} is missing: expected at {path.resolve()} "
                    "(the repository's sibling folder shared/seeds)")
    return path


def seeds() -> Path:
    """The folder of every source document, checked to hold all five."""
    for name in SEED_NAMES:
        seed(name)
    return SEEDS
