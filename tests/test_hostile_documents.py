"""Contract documents come from anywhere: the loader refuses hostile ones with a SpecError that
names the file, within bounded time and memory, whatever they hold (mutated documents, huge enums,
deep nesting, alias bombs, binary files), and never fails any other way."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specmock.contract import SpecError, load_document
from specmock.contract.loading import MAX_BYTES, MAX_DEPTH, MAX_NODES

CONTRACTS = Path(__file__).resolve().parent / "contracts"
SOURCE = (CONTRACTS / "petstore.yaml").read_bytes()
LIMIT_SECONDS = 5.0


def loaded_or_refused(path: Path) -> str:
    start = time.process_time()
    try:
        load_document(path)
        outcome = "loaded"
    except SpecError as error:
        assert str(path) in str(error), error
        outcome = "refused"
    assert time.process_time() - start < LIMIT_SECONDS
    return outcome


_edits = st.lists(st.tuples(st.integers(min_value=0, max_value=len(SOURCE)), st.sampled_from(
    ["delete", "insert", "flip", "cut"]), st.binary(min_size=1, max_size=8)), min_size=1, max_size=6)


def mutated(edits: list[tuple[int, str, bytes]]) -> bytes:
    data = bytearray(SOURCE)
    for position, kind, payload in edits:
        position = min(position, len(data))
        if kind == "delete":
            del data[position: position + len(payload)]
        elif kind == "insert":
            data[position:position] = payload
        elif kind == "flip" and position < len(data):
            data[position] ^= payload[0] or 1
        else:
            del data[position:]
    return bytes(data)


@settings(max_examples=120, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(_edits)
def test_mutated_documents_load_or_are_refused_by_name(tmp_path_factory, edits):
    path = tmp_path_factory.mktemp("mutated") / "petstore.yaml"
    path.write_bytes(mutated(edits))
    loaded_or_refused(path)


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


HEAD = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
PATHS = "paths: {/a: {get: {responses: {'200': {description: ok}}}}}\n"


def test_a_huge_enum_is_refused_within_the_limits(tmp_path):
    values = ",".join(["1"] * (MAX_NODES + 10))
    path = _write(tmp_path, "enum.yaml", HEAD + PATHS + f"components: {{schemas: {{E: {{enum: [{values}]}}}}}}\n")
    assert path.stat().st_size < MAX_BYTES
    assert loaded_or_refused(path) == "refused"


def test_deep_nesting_is_refused(tmp_path):
    deep = "{a: " * (MAX_DEPTH + 5) + "1" + "}" * (MAX_DEPTH + 5)
    assert loaded_or_refused(_write(tmp_path, "deep.yaml", HEAD + PATHS + f"x-deep: {deep}\n")) == "refused"
    json_deep = "[" * 100_000 + "]" * 100_000
    assert loaded_or_refused(_write(tmp_path, "deep.json", json_deep)) == "refused"


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "big.yaml"
    with path.open("wb") as handle:
        handle.seek(MAX_BYTES + 1)
        handle.write(b"\n")
    with pytest.raises(SpecError, match="bytes; a contract document may have at most"):
        load_document(path)


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"\xff\xfe\x00o\x00p\x00e\x00n", b"{\"a\":",
                                  b"\xc3\x28 invalid utf-8", b"", b"null", b"42"])
def test_files_that_are_no_documents_are_refused(tmp_path, data):
    assert loaded_or_refused(_write(tmp_path, "odd.yaml", data)) == "refused"


def test_a_reference_loop_across_files_is_refused(tmp_path):
    _write(tmp_path, "a.yaml", "x: {$ref: 'b.yaml#/y'}\n")
    _write(tmp_path, "b.yaml", "y: {$ref: 'a.yaml#/x'}\n")
    path = _write(tmp_path, "main.yaml", HEAD + "paths: {/a: {get: {responses: {'200': {$ref: 'a.yaml#/x'}}}}}\n")
    with pytest.raises(SpecError, match="recursive reference across files"):
        load_document(path)
