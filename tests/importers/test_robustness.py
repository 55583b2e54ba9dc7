"""Damaged documents never crash an importer: whatever a parser still reads becomes a valid draft,
and the rest is reported."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate

from specmock.importers.draft import build_draft
from specmock.importers.registry import IMPORTERS
from tests.importers.corpus import CORPUS
from tests.importers.spec_shapes import SAMPLES

DOCUMENTS = {sample.name: sample.format for sample in CORPUS}
EDITS = ("drop", "repeat", "swap", "garble", "cut", "indent")


@st.composite
def damaged(draw: st.DrawFn, text: str) -> str:
    """The document with some lines dropped, repeated, swapped, garbled, cut short or re-indented."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 6))):
        if not lines:
            break
        edit, at = draw(st.sampled_from(EDITS)), draw(st.integers(0, len(lines) - 1))
        if edit == "drop":
            del lines[at]
        elif edit == "repeat":
            lines.insert(at, lines[at])
        elif edit == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif edit == "garble":
            lines[at] = draw(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30))
        elif edit == "cut":
            lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))]
        else:
            lines[at] = "    " + lines[at]
    return "\n".join(lines)


@pytest.mark.parametrize(("name", "fmt"), sorted(DOCUMENTS.items()))
@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_damaged_document_gives_a_valid_draft_or_none(name, fmt, data):
    text = data.draw(damaged((SAMPLES / name).read_text(encoding="utf-8")))
    IMPORTERS.detect(text)
    document = IMPORTERS.get(fmt).parse(text, str(SAMPLES / name))
    if document.operations:
        draft, problems = build_draft([document])
        validate(draft)
        assert draft["x-specmock-import-warnings"] == [problem.as_dict() for problem in problems]


@pytest.mark.parametrize("fmt", IMPORTERS.names())
@pytest.mark.parametrize("name", [*sorted(DOCUMENTS), "unfamiliar.raml", "no_actions.apib", "malformed.apipie.txt"])
def test_any_parser_reads_any_document_without_raising(fmt, name):
    document = IMPORTERS.get(fmt).parse((SAMPLES / name).read_text(encoding="utf-8"), str(SAMPLES / name))
    if document.operations:
        validate(build_draft([document])[0])
