"""``specmock import``: outputs, the report, exit codes, and documents that cannot be imported."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from openapi_spec_validator import validate

from specmock.cli import main
from specmock.importers.cli import import_command
from tests.importers.spec_shapes import SAMPLES

CATALOG, ORDERS, TICKETS = (str(SAMPLES / name) for name in ("catalog.apib", "orders.md", "tickets.apipie.txt"))
UNFAMILIAR, EMPTY = str(SAMPLES / "unfamiliar.raml"), str(SAMPLES / "no_actions.apib")


def test_the_draft_goes_to_stdout_and_the_report_to_stderr(capsys):
    assert main(["import", ORDERS]) == 0
    out, err = capsys.readouterr()
    validate(yaml.safe_load(out))
    assert err.startswith("specmock import report\n")
    assert f"{ORDERS}: rspec-doc, 4 operations imported, 4 warnings" in err
    assert "Result: 1 of 1 documents imported, 4 warnings (contradiction 1, incomplete 2, skipped 1)" in err


def test_dash_is_stdout_and_the_output_is_deterministic(capsys):
    runs = []
    for output in (None, "-"):
        assert import_command([CATALOG, ORDERS, TICKETS], "auto", output) == 0
        runs.append(capsys.readouterr().out)
    assert runs[0] == runs[1]


def test_several_documents_merge_into_one_draft_with_a_report_per_file(tmp_path, capsys):
    out, report = tmp_path / "draft.yaml", tmp_path / "report.txt"
    assert main(["import", CATALOG, ORDERS, TICKETS, "-o", str(out), "--report", str(report)]) == 0
    draft = yaml.safe_load(out.read_text(encoding="utf-8"))
    validate(draft)
    assert "servers" not in draft  # three different bases: paths are kept in full
    assert {"/api/v2/widgets", "/api/v1/shops/{shop_id}/orders", "/api/v3/tickets"} <= set(draft["paths"])
    text = report.read_text(encoding="utf-8")
    for name, line in ((CATALOG, "apiblueprint, 5 operations"), (ORDERS, "rspec-doc, 4"), (TICKETS, "apipie, 3")):
        assert f"{name}: {line}" in text
    assert "different base paths" in text
    assert capsys.readouterr().err.startswith("specmock import: done: 3 of 3 documents imported")


def test_a_json_report_lists_each_file_with_its_operations_and_problems(tmp_path, capsys):
    report = tmp_path / "report.json"
    assert import_command([TICKETS, UNFAMILIAR], "auto", str(tmp_path / "d.yaml"), str(report)) == 1
    data = json.loads(report.read_text(encoding="utf-8"))
    tickets, unfamiliar = data["documents"]
    assert tickets["imported"] and tickets["format"] == "apipie"
    assert [operation["method"] for operation in tickets["operations"]] == ["GET", "POST", "DELETE"]
    assert {problem["kind"] for problem in tickets["problems"]} >= {"assumed", "lenient-example"}
    assert not unfamiliar["imported"] and unfamiliar["problems"][0]["kind"] == "unfamiliar"
    assert data["draft"] == {"written": True, "paths": 2, "operations": 3, "servers": ["/api/v3"], "valid": True}
    assert "failed: 1 of 2 documents imported" in capsys.readouterr().err


def test_an_unfamiliar_document_exits_1_with_a_clear_report_and_no_draft(capsys):
    assert main(["import", UNFAMILIAR]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert (
        f"{UNFAMILIAR}: NOT IMPORTED [unfamiliar] unfamiliar document: "
        "not apiblueprint, apipie, apipie-json, rspec-doc, rspec-json" in err
    )
    assert "Draft: not written (no document could be imported)" in err


def test_the_documents_that_can_be_imported_still_make_a_draft_when_another_cannot(tmp_path, capsys):
    out = tmp_path / "draft.yaml"
    assert import_command([EMPTY, ORDERS], "auto", str(out)) == 1
    validate(yaml.safe_load(out.read_text(encoding="utf-8")))
    err = capsys.readouterr().err
    assert f"{EMPTY}: NOT IMPORTED [empty] no operation found in this apiblueprint document" in err
    assert "Result: 1 of 2 documents imported" in err


@pytest.mark.parametrize("content", [None, b"\xff\xfe\x00garbage", b""])
def test_missing_binary_and_empty_files_are_reported(tmp_path, capsys, content):
    path = tmp_path / "legacy.md"
    if content is not None:
        path.write_bytes(content)
    assert import_command([str(path)]) == 1
    err = capsys.readouterr().err
    kind = "unfamiliar" if content == b"" else "unreadable"
    assert f"{path}: NOT IMPORTED [{kind}]" in err
    assert "Traceback" not in err


def test_a_forced_format_skips_detection(tmp_path, capsys):
    plain = tmp_path / "orders.txt"
    shutil.copy(ORDERS, plain)
    assert import_command([str(plain)], "rspec-doc") == 0
    assert import_command([str(plain)], "apipie") == 1
    assert "no operation found in this apipie document" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--report", "-"], "cannot both go to stdout"),
        (["-o", "same.txt", "--report", "same.txt"], "same file"),
        (["-o", ORDERS], "would be overwritten"),
    ],
)
def test_usage_errors_exit_2(arguments, message, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert main(["import", ORDERS, *arguments]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "same.txt").exists()


def test_unknown_format_and_no_file_are_usage_errors(capsys):
    assert import_command([ORDERS], "raml") == 2
    assert import_command([]) == 2
    assert "unknown format 'raml'" in capsys.readouterr().err


def test_an_unwritable_output_exits_1(tmp_path, capsys):
    assert import_command([ORDERS], "auto", str(tmp_path / "missing" / "draft.yaml")) == 1
    assert "cannot write" in capsys.readouterr().err


def test_the_report_can_go_to_stdout_when_the_draft_goes_to_a_file(tmp_path, capsys):
    assert import_command([ORDERS], "auto", str(tmp_path / "draft.yaml"), "-") == 0
    out, err = capsys.readouterr()
    assert out.startswith("specmock import report") and err == ""


def test_an_index_and_an_example_it_links_to_are_read_once(tmp_path, capsys):
    folder = SAMPLES / "rspec_json"
    index, example = folder / "index.json", folder / "payments" / "recording_a_payment.json"
    report = tmp_path / "report.json"
    assert import_command([str(index), str(example)], "auto", str(tmp_path / "d.yaml"), str(report)) == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    first, second = data["documents"]
    assert first["imported"] and [op["method"] for op in first["operations"]] == ["GET", "POST", "POST", "POST"]
    assert second == {"file": str(example), "imported": False, "read_through": str(index), "problems": []}
    assert any("read once, through this index" in problem["message"] for problem in first["problems"])


def test_the_text_report_gives_each_operation_its_line(capsys):
    assert main(["import", str(SAMPLES / "albums.apib")]) == 0
    err = capsys.readouterr().err
    assert "  PATCH   /albums/{album_id}  Update an album  (line 47)" in err


def test_lone_surrogates_in_a_json_document_do_not_stop_the_import(tmp_path, capsys):
    """``"\\ud800"`` is valid JSON but no text: such a character becomes U+FFFD, and every file is drafted."""
    odd = tmp_path / "odd.json"
    odd.write_text('{"docs":{"resources":{"wid\\ud800gets":{"methods":[{"apis":[{"api_url":"/widgets/\\udfff",'
                   '"http_method":"GET"}]}]}}}}')
    out = tmp_path / "draft.yaml"
    assert main(["import", str(odd), CATALOG, "-o", str(out)]) == 0, capsys.readouterr().err
    draft = out.read_text(encoding="utf-8")
    assert "/widgets/\ufffd" in draft and "/widgets" in draft


@pytest.mark.parametrize("head", ["openapi: 3.0.3\n", '{"openapi": "3.0.3",', "swagger: '2.0'\n"])
def test_an_openapi_document_is_pointed_to_serve_and_verify(tmp_path, capsys, head):
    spec = tmp_path / "api.yaml"
    spec.write_text(head + "info: {title: t, version: '1'}\npaths: {}\n")
    assert main(["import", str(spec), "-o", str(tmp_path / "d.yaml")]) == 1
    report = capsys.readouterr().err
    assert "already an OpenAPI or Swagger document" in report and "specmock serve" in report, report
