"""Every sample of the corpus imports into a draft that holds what the sample documents and that a
mock can serve: valid OpenAPI 3.0.3, every example fitting its schema, explicit statuses with a
success among them, unique operationIds that are Python names."""

from __future__ import annotations

import keyword
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_spec_validator import validate

from specmock.importers import ImportResult, import_documents
from tests.importers.corpus import CORPUS, REFUSED, SAMPLES, Sample
from tests.importers.draft_facts import draft_facts
from tests.importers.spec_shapes import METHODS

IDS = [sample.name for sample in CORPUS]


@pytest.fixture(scope="module")
def imported() -> dict[str, ImportResult]:
    return {sample.name: import_documents([sample.path]) for sample in CORPUS}


def test_the_corpus_is_large_enough_and_every_sample_is_listed_once():
    assert len(CORPUS) >= 20
    assert len(IDS) == len(set(IDS))
    listed = {Path.name for Path in (sample.path for sample in CORPUS)} | set(REFUSED)
    on_disk = {path.name for path in SAMPLES.iterdir() if path.is_file()}
    assert on_disk - listed <= {"malformed.apipie.txt"}  # read by the robustness tests


@pytest.mark.parametrize("sample", CORPUS, ids=IDS)
def test_every_documented_operation_and_its_facts_are_in_the_draft(sample: Sample, imported):
    result = imported[sample.name]
    assert not result.failures, [str(failure) for failure in result.failures]
    assert [document.format for document in result.documents] == [sample.format]
    draft = result.draft
    assert tuple(server["url"] for server in draft.get("servers", [])) == sample.servers
    facts = draft_facts(draft)
    assert set(facts) == set(sample.calls)
    for key, call in sample.calls.items():
        actual = facts[key]
        assert actual["parameters"] == call.parameters, key
        assert tuple(actual["security"]) == call.security, key
        if call.request_type:
            shown = actual["request"][call.request_type]
            assert {name: shown.get(name) for name in call.request} == call.request, key
        else:
            assert not call.request and not actual["request"], key
        assert set(actual["responses"]) == set(call.responses), key
        for status, expected in call.responses.items():
            shown = actual["responses"][status].get("application/json", {})
            assert {name: shown.get(name) for name in expected} == expected, f"{key} {status}"
    assert sample.warnings <= {problem.kind for problem in result.problems}


def _holders(draft: dict[str, Any]):
    """(where, object with a schema and maybe an example) for every parameter, body and header."""
    for path, item in draft["paths"].items():
        for method in (method for method in METHODS if method in item):
            operation = item[method]
            for parameter in operation.get("parameters", []):
                yield f"{method} {path} {parameter['name']}", parameter
            for media in operation.get("requestBody", {}).get("content", {}).values():
                yield f"{method} {path} request", media
            for status, response in operation["responses"].items():
                for media in response.get("content", {}).values():
                    yield f"{method} {path} {status}", media
                for name, header in response.get("headers", {}).items():
                    yield f"{method} {path} {status} {name}", header


def _schema_examples(schema: Any, at: str = ""):
    if isinstance(schema, dict):
        for key in ("example", "default"):
            if key in schema:
                yield at, schema[key], {name: value for name, value in schema.items() if name not in (key,)}
        for name, child in (schema.get("properties") or {}).items():
            yield from _schema_examples(child, f"{at}/{name}")
        yield from _schema_examples(schema.get("items"), f"{at}/[]")
        for branch in schema.get("anyOf", []):
            yield from _schema_examples(branch, at)


@pytest.mark.parametrize("sample", CORPUS, ids=IDS)
def test_the_draft_is_valid_and_servable(sample: Sample, imported):
    draft = imported[sample.name].draft
    validate(draft)
    ids = []
    for item in draft["paths"].values():
        for method in (method for method in METHODS if method in item):
            operation = item[method]
            ids.append(operation["operationId"])
            assert "default" not in operation["responses"]
            assert any(200 <= int(status) < 300 for status in operation["responses"])
    assert len(ids) == len(set(ids))
    assert all(name.isidentifier() and not keyword.iskeyword(name) for name in ids), ids
    for where, holder in _holders(draft):
        schema = holder["schema"]
        values = [holder["example"]] if "example" in holder else []
        values += [example["value"] for example in holder.get("examples", {}).values()]
        for value in values:
            errors = list(OAS30Validator(schema, format_checker=oas30_format_checker).iter_errors(value))
            assert not errors, (where, errors[0].message)
        for at, value, bare in _schema_examples(schema):
            errors = list(OAS30Validator(bare, format_checker=oas30_format_checker).iter_errors(value))
            assert not errors, (where, at, errors[0].message)


@pytest.mark.parametrize(("name", "kind"), sorted(REFUSED.items()))
def test_documents_that_cannot_be_imported_say_why(name, kind):
    result = import_documents([SAMPLES / name])
    assert result.draft is None
    assert [failure.kind for failure in result.failures] == [kind]
