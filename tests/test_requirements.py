"""Tests that need the source documents or a browser skip outside CI and fail in CI."""

from __future__ import annotations

import pytest
from _pytest.outcomes import Failed, Skipped

from tests import requirements


@pytest.mark.parametrize("value", ["true", "1", "TRUE"])
def test_a_missing_document_fails_in_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(Failed, match="cannot run in CI: the source document nope.txt is missing"):
        requirements.seed("nope.txt")


def test_a_missing_document_skips_outside_ci_saying_where_it_is_expected(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(Skipped, match=r"expected at .*shared/seeds/nope.txt"):
        requirements.seed("nope.txt")


def test_every_source_document_is_found():
    assert requirements.seeds().is_dir()
    assert all(requirements.seed(name).is_file() for name in requirements.SEED_NAMES)
