"""The five legacy documents of the platform, imported: every draft is valid OpenAPI 3.0.3 and holds
every operation, parameter, header and field that the curated ``openapi/*.yaml`` contract took from
them (compared after normalising path parameter names)."""

from __future__ import annotations

import pytest
import yaml
from openapi_spec_validator import validate

from specmock.importers import ImportResult, import_documents
from specmock.importers.cli import import_command
from specmock.importers.problems import Kind
from tests.importers.spec_shapes import ROOT, gaps, operations
from tests.requirements import SEEDS, seeds

CURATED = {
    path.name: spec
    for path in sorted((ROOT / "openapi").glob("*.yaml"))
    if (spec := yaml.safe_load(path.read_text(encoding="utf-8")))["info"].get("x-specmock-source")
}
# What the curated contract promises beyond the documents without an `x-specmock-added` mark; each
# is a decision recorded in its `x-specmock-notes` (the topic is named), so a draft cannot hold it.
CURATED_DECISIONS = {
    "content_requests.yaml": {
        ("get", "/content_requests", "response", "content_requests/[]/prompt"),  # Fields the examples omit
        ("get", "/content_requests/{}", "response", "prompt"),  # Fields the examples omit
    },
    "downloads.yaml": {("post", "/downloads", "request", "id")},  # Adding to a download
    "image_requests.yaml": {
        ("get", "/image_requests", "parameter", "query page"),  # Paging
        ("get", "/image_requests", "parameter", "query page_size"),  # Paging
    },
}
EXPECTED = {  # seed: (format, operations, problem kinds that must be reported)
    "000_6b0cc6ce058485e8.txt": ("rspec-doc", 1, set()),
    "001_75d832cae9980787.txt": ("apiblueprint", 3, {Kind.LENIENT_EXAMPLE, Kind.INCOMPLETE}),
    "002_abddeccdcf62fb0e.txt": ("rspec-doc", 1, set()),
    "003_bf8a3f6206382ffa.txt": ("rspec-doc", 1, set()),
    "004_5484b7f961416259.txt": ("apipie", 6, {Kind.ASSUMED, Kind.MERGED, Kind.LENIENT_EXAMPLE}),
}


@pytest.fixture(autouse=True, scope="module")
def _documents_present() -> None:
    """Outside CI these tests skip without the source documents; in CI they fail."""
    seeds()


@pytest.fixture(scope="module")
def imported() -> dict[str, ImportResult]:
    return {name: import_documents([SEEDS / name]) for name in EXPECTED}


def test_every_seed_has_a_curated_spec():
    assert sorted(spec["info"]["x-specmock-source"] for spec in CURATED.values()) == sorted(EXPECTED)


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_each_seed_imports_into_a_valid_draft(seed, imported):
    result = imported[seed]
    fmt, count, kinds = EXPECTED[seed]
    assert not result.failures
    assert [document.format for document in result.documents] == [fmt]
    assert len(result.documents[0].operations) == count
    assert kinds <= {problem.kind for problem in result.problems}
    validate(result.draft)
    assert result.draft["x-specmock-import-warnings"] == [problem.as_dict() for problem in result.problems]


@pytest.mark.parametrize("curated", sorted(CURATED))
def test_the_draft_covers_what_the_curated_spec_took_from_the_document(curated, imported):
    spec = CURATED[curated]
    draft = imported[spec["info"]["x-specmock-source"]].draft
    assert gaps(spec, draft) == CURATED_DECISIONS.get(curated, set())
    assert set(operations(draft)) == set(operations(spec))


def test_the_api_v4_typo_and_the_token_or_id_path_are_reported(imported):
    result = imported["004_5484b7f961416259.txt"]
    assert result.draft["servers"] == [{"url": "/api/v4"}]
    assert "/content_requests/{token_or_id}" in result.draft["paths"]
    messages = [problem.message for problem in result.problems]
    assert any("unpaired braces" in message for message in messages)
    assert any("differ only in variable names" in message for message in messages)


def test_form_arrays_and_credentials_of_the_rspec_seeds(imported):
    draft = imported["000_6b0cc6ce058485e8.txt"].draft
    operation = draft["paths"]["/providers/{provider_id}/provider_requests"]["post"]
    form = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert form["properties"]["image_ids[]"]["type"] == "array"
    assert form["properties"]["image_ids[]"]["items"]["format"] == "uuid"
    assert "required" not in form  # the table says image_ids is optional
    assert operation["security"] == [{"TokenAuth": []}]
    assert draft["components"]["securitySchemes"]["TokenAuth"]["name"] == "Authorization"
    assert "x-token" in {name.lower() for name in operation["responses"]["200"]["headers"]}


def test_all_five_seeds_merge_into_one_valid_draft(tmp_path, capsys):
    out, report = tmp_path / "draft.yaml", tmp_path / "report.txt"
    assert import_command([str(SEEDS / name) for name in sorted(EXPECTED)], "auto", str(out), str(report)) == 0
    draft = yaml.safe_load(out.read_text(encoding="utf-8"))
    validate(draft)
    assert len(operations(draft)) == sum(count for _, count, _ in EXPECTED.values())
    text = report.read_text(encoding="utf-8")
    assert "different base paths" in text
    assert "Result: 5 of 5 documents imported" in text
