"""Documents from anywhere: huge, binary, not UTF-8, deeply nested, built to make a parser or a
regular expression take forever, or linking outside their folder. Each is refused (or read as far
as it can be) with a report, within a bounded time, and never with a traceback."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specmock.importers import import_documents, limits, read_document
from specmock.importers.cli import import_command
from specmock.importers.problems import ImportFailure, Kind
from specmock.importers.registry import IMPORTERS
from specmock.importers.sources import MAX_BYTES
from tests.importers.corpus import CORPUS

FAST = 3.0  # seconds of CPU any one hostile document may take (CPU time: other work on the machine does not count)


def refusal(path: Path) -> tuple[Kind, str, float]:
    started = time.process_time()
    with pytest.raises(ImportFailure) as caught:
        read_document(path)
    return caught.value.problem.kind, caught.value.problem.message, time.process_time() - started


def test_a_file_over_the_size_limit_is_refused_before_it_is_read_whole(tmp_path):
    path = tmp_path / "huge.md"
    with path.open("wb") as stream:
        stream.truncate(MAX_BYTES + 1)  # sparse: no time spent writing it
    kind, message, seconds = refusal(path)
    assert (kind, message) == (Kind.UNREADABLE, "larger than 4 MiB: not imported")
    assert seconds < FAST


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"# Notes API\n\x00\x01\x02binary", "a binary file (it holds NUL bytes), not a document"),
        ("### GET /caf\u00e9\n".encode("latin-1"), "not UTF-8 text (byte 12 is 0xe9)"),
    ],
)
def test_binary_and_non_utf8_files_are_refused(tmp_path, content, reason):
    path = tmp_path / "doc.md"
    path.write_bytes(content)
    assert refusal(path)[:2] == (Kind.UNREADABLE, reason)


def test_deeply_nested_json_is_not_parsed(tmp_path):
    path = tmp_path / "schema_apipie.json"
    path.write_text('{"docs": {"resources": ' + "[" * 200_000 + "]" * 200_000 + "}}", encoding="utf-8")
    kind, _, seconds = refusal(path)
    assert kind == Kind.UNFAMILIAR and seconds < FAST
    assert (
        IMPORTERS.get("apipie-json")
        .parse(path.read_text(), "x")
        .problems[0]
        .message.startswith("not readable as JSON (it nests deeper than 64 levels)")
    )


def test_a_deeply_nested_example_is_left_out_and_reported(tmp_path):
    path = tmp_path / "deep.apib"
    body = "[" * 50_000 + "]" * 50_000
    path.write_text(f"# A\n## B [/b]\n### Read [GET]\n+ Response 200 (application/json)\n\n        {body}\n")
    result = import_documents([path])
    assert [problem.kind for problem in result.problems][:1] == [Kind.INVALID_EXAMPLE]
    assert "nests deeper than 64 levels" in result.problems[0].message


def test_a_large_javascript_literal_is_not_read_leniently():
    literal = "{" + ",".join(f"k{number}: {number}" for number in range(20_000)) + "}"
    text = f"# A\n## B [/b]\n### Read [GET]\n+ Response 200 (application/json)\n\n        {literal}\n"
    started = time.process_time()
    document = IMPORTERS.get("apiblueprint").parse(text, "x")
    assert time.process_time() - started < FAST
    assert any("too large to read leniently" in problem.message for problem in document.problems)


def test_a_document_that_takes_too_long_is_refused_at_the_deadline(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "PARSE_SECONDS", 0.5)
    path = tmp_path / "slow.md"
    path.write_text("### GET /a\n\n" + "a[" * 1_500_000, encoding="utf-8")
    kind, message, seconds = refusal(path)
    assert (kind, message) == (Kind.UNREADABLE, "reading it took longer than 0.5 s: not imported")
    assert seconds < 2.0


FRAGMENTS = [
    "a[",
    "[",
    "(",
    "`",
    "- ",
    "...",
    " ",
    "<a ",
    "<p ",
    "<pre>",
    "<li>",
    "|",
    ": ",
    "{",
    "**",
    "+ ",
    "=",
    "1",
    "a.",
    "\\",
]


@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_no_reader_backtracks_on_repeated_fragments(fragment):
    """Each format's line shapes, filled with 5,000 repetitions of a character sequence that makes
    a careless regular expression backtrack (quadratic work on 5,000 repetitions takes seconds):
    every format's detection, then the reader of the shape."""
    filler = fragment * 5_000
    texts = [
        ("apiblueprint", f"# {filler}["),
        ("rspec-doc", f"### GET /{filler}"),
        ("apiblueprint", f"+ Parameters\n    + id{filler} (string) - x"),
        ("apiblueprint", f"## A [/a]\n### B [GET]\n+ Response 200\n    + Attributes\n        + x: {filler}"),
        (
            "apiblueprint",
            f"# A\n## B [/b]\n### C [GET]\n+ Parameters\n    + n: {filler}x (number)\n    + m: a@{filler}@",
        ),
        ("apipie", f"GET /a\nA\n\nParams\n\n{filler}\nrequired\n\nValidations:\n\n  • Must be {filler}"),
        (
            "apipie",
            f"GET /a\nA\n\nRequest headers\n\n  X-Key - string - required\n    Example of X-Key header : {filler}x",
        ),
        (
            "apipie",
            f"<h1>GET /a</h1><h2>Params</h2><table><tr><td><strong>{filler}</strong></td><td>{filler}</td></tr>",
        ),
        ("rspec-doc", f"| Name | Description |\n|---|---|\n| {filler} | {filler} |"),
        (
            "rspec-doc",
            f"### GET /a\n### Response\n#### Status\n<pre>200 {filler}x</pre>\n"
            f"#### Body\n<pre>[\n...{filler}x\n]</pre>",
        ),
        ("rspec-json", f'{{"http_method": "GET", "route": "/a", "requests": [], "description": "{filler}"}}'),
        ("apipie-json", f'{{"docs": {{"resources": [{{"methods": [{{"apis": [], "http_method": "{filler}"}}]}}]}}}}'),
    ]
    for fmt, text in texts:
        started = time.process_time()
        IMPORTERS.detect(text)
        IMPORTERS.get(fmt).parse(text, "x")
        assert time.process_time() - started < 1.0, (fmt, fragment, text[:40])


@pytest.mark.parametrize(
    ("fmt", "template"),
    [
        ("apiblueprint", "# A\n## B [/b]\n### Read [GET]\n+ Response 200\n\n        {body}\n"),
        ("rspec-doc", "### GET /b\n### Response\n#### Status\n<pre>200 OK</pre>\n#### Body\n<pre>{body}</pre>\n"),
    ],
)
def test_a_body_without_a_media_type_is_told_from_a_form_in_linear_time(fmt, template):
    body = "a" + "[]" * 5_000 + "[ x"  # an exponential case for a pattern with nested repeats
    started = time.process_time()
    IMPORTERS.get(fmt).parse(template.format(body=body), "x")
    assert time.process_time() - started < 1.0


def test_an_index_never_reads_outside_its_folder(tmp_path):
    secret = tmp_path / "secret.json"
    example = json.loads((CORPUS_FOLDER / "payments" / "recording_a_payment.json").read_text())
    secret.write_text(json.dumps(example), encoding="utf-8")
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "link.json").symlink_to(secret)
    links = ["../secret.json", str(secret), "link.json", "missing.json", "C:/secret.json", ""]
    index = {"resources": [{"name": "X", "examples": [{"link": link} for link in links]}]}
    (folder / "index.json").write_text(json.dumps(index), encoding="utf-8")
    document = IMPORTERS.get("rspec-json").parse((folder / "index.json").read_text(), str(folder / "index.json"))
    assert document.operations == []
    assert [problem.kind for problem in document.problems] == [Kind.SKIPPED] * len(links)
    assert sum("outside the index's folder" in problem.message for problem in document.problems) == 5


CORPUS_FOLDER = Path(__file__).resolve().parent / "samples" / "rspec_json"


def test_the_command_reports_hostile_files_and_exits_1_without_a_traceback(tmp_path, capsys):
    binary, huge = tmp_path / "a.bin", tmp_path / "b.md"
    binary.write_bytes(b"\x00" * 10)
    with huge.open("wb") as stream:
        stream.truncate(MAX_BYTES + 1)
    assert import_command([str(binary), str(huge), str(CORPUS[0].path)], "auto", str(tmp_path / "d.yaml")) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"{binary}: NOT IMPORTED [unreadable] a binary file" in err
    assert f"{huge}: NOT IMPORTED [unreadable] larger than 4 MiB" in err
    assert "Result: 1 of 3 documents imported" in err


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_bytes_of_any_sample_are_imported_or_refused_with_a_reason(tmp_path_factory, data):
    sample = data.draw(st.sampled_from(CORPUS))
    content = bytearray(sample.path.read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, max(len(content) - 1, 0)))
        edit = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if edit == "flip" and content:
            content[at] = data.draw(st.integers(0, 255))
        elif edit == "cut":
            del content[at : at + data.draw(st.integers(1, 200))]
        else:
            content[at:at] = data.draw(st.binary(min_size=1, max_size=40))
    path = tmp_path_factory.mktemp("mutated") / sample.path.name
    path.write_bytes(bytes(content))
    result = import_documents([path])
    for failure in result.failures:
        assert failure.kind in (Kind.UNREADABLE, Kind.UNFAMILIAR, Kind.EMPTY) and failure.message
        assert "please report" not in failure.message  # no reader raised


def _helpers():
    """The helpers every reader runs its text through, each with 50,000 repetitions of what would
    make a regular expression with nested or adjacent repeats backtrack."""
    from specmock.importers.apipie_rules import validation
    from specmock.importers.fields import coerce
    from specmock.importers.infer import infer_schema
    from specmock.importers.markup import looks_like_html, pre_text
    from specmock.importers.model import Field
    from specmock.importers.paths import drop_stray_braces, rails_to_template
    from specmock.importers.reading import parse_status, read_body, type_schema

    many = 50_000
    return [
        ("status", lambda: parse_status("200 a" + " " * many + "b")),
        ("email", lambda: infer_schema(["a@" + "a." * many + "@"])),
        ("number", lambda: coerce("1" * many + "x", "number")),
        ("html", lambda: looks_like_html("<p " * many)),
        ("pre", lambda: pre_text("<pre>" * many)),
        ("tags", lambda: pre_text("<a" * many)),
        ("elision", lambda: read_body("[\n..." + " " * many + "x\n]", None, lambda *a: None)),
        ("form", lambda: read_body("a" + "[]" * many + "[ x", None, lambda *a: None)),
        ("type", lambda: type_schema("array of " * many)),
        ("paths", lambda: drop_stray_braces("/" + "{a" * many)),
        ("rails", lambda: rails_to_template("/:" * many)),
        (
            "validation",
            lambda: validation(Field("x"), "Must match regular expression /" + "a/" * many, 1, lambda *a: None),
        ),
        ("one of", lambda: validation(Field("x"), "Must be one of: " + "a" * many + " .", 1, lambda *a: None)),
    ]


@pytest.mark.parametrize(("name", "call"), _helpers(), ids=[name for name, _ in _helpers()])
def test_text_helpers_take_linear_time(name, call):
    started = time.process_time()
    call()
    assert time.process_time() - started < 0.5, name
