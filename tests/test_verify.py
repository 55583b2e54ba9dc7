"""The harness: the mock passes `specmock verify`, and every deliberately broken variant fails it
with the right check named."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest

from specmock.cli import main
from specmock.verify import RunOptions, Target, UsageError, run
from specmock.verify.local import LocalServer, free_port
from specmock.verify.results import parse_failure_text
from tests.broken_variants import VARIANTS, broken_app
from tests.server_process import ServerProcess

pytestmark = pytest.mark.slow

# The check each variant must be caught by (others may fire too; a tuple lists equally good catches).
EXPECTED = {
    "drops-required-field": "response_schema_conformance",
    "changes-a-type": "response_schema_conformance",
    "undocumented-status": "status_code_conformance",
    "forgets-created": "ensure_resource_availability",
    "accepts-invalid-input": "negative_data_rejection",
    "completes-twice": "status_transitions_enforced",
    "reverses-sorting": "list_agrees_with_query",
    "drops-documented-header": "response_headers_conformance",
    "x-token-for-another-user": "xtoken_same_user",
    "ignores-credentials": ("ignored_auth", "missing_required_header"),
}


def test_every_variant_has_an_expected_check():
    assert set(EXPECTED) == set(VARIANTS)


def test_the_mock_passes_its_own_harness_over_a_real_socket(tmp_path):
    junit, report = tmp_path / "verify.xml", tmp_path / "verify.md"
    with ServerProcess(free_port()) as server:
        out = io.StringIO()
        code = run(Target(server.url), RunOptions(junit=junit, report=report), out)
    assert code == 0, out.getvalue()[-6000:]
    suites = ET.parse(junit).getroot().findall("testsuite")
    assert [s.get("name") for s in suites] == list(Target("http://x").apis)
    assert all(s.get("failures") == "0" for s in suites)
    assert "| content_requests | ok |" in report.read_text()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_broken_variant_is_caught_by_its_check(name, tmp_path):
    api, app = broken_app(name)
    report = tmp_path / "report.html"
    with LocalServer(app) as server:
        out = io.StringIO()
        code = run(Target(server.url, apis=[api]), RunOptions(max_examples=15, report=report), out)
    output = out.getvalue()
    assert code == 1, output[-4000:]
    summary = output[output.rindex("specmock verify http"):]
    named = {check.strip() for line in summary.splitlines() if line.strip().startswith("check:")
             for check in line.split("check:", 1)[1].split("(")[0].split(",")}
    expected = EXPECTED[name] if isinstance(EXPECTED[name], tuple) else (EXPECTED[name],)
    assert named & set(expected), summary
    assert "reproduce: curl -X" in summary
    assert any(check in report.read_text() for check in expected)


def test_unreachable_base_url_exits_2():
    out = io.StringIO()
    assert run(Target(f"http://127.0.0.1:{free_port()}"), RunOptions(), out) == 2
    assert "cannot reach" in out.getvalue()


@pytest.mark.parametrize("argv", [
    ["verify"],
    ["verify", "--base-url", "ftp://example"],
    ["verify", "--base-url", "http://127.0.0.1:1", "--header", "no colon"],
    ["verify", "--base-url", "http://127.0.0.1:1", "--phases", "fuzzing,guessing"],
])
def test_usage_errors_exit_2(argv, capsys):
    assert main(argv) == 2
    assert "specmock verify:" in capsys.readouterr().err


def test_unknown_api_is_a_usage_error():
    with pytest.raises(UsageError):
        Target("http://127.0.0.1:1", apis=["nope"])


def test_failure_text_is_parsed_into_operation_checks_and_curl():
    text = """1. Test Case ID: abc123

- ST103 Undocumented status code

    Received: 202

Reproduce with:

    curl -X POST http://127.0.0.1:1/api/v4/content_requests

    st replay abc123
2. Test Case ID: def456

- ST991 X-token is not a JWT for the caller
"""
    first, second = parse_failure_text("content_requests", "POST /content_requests", text)
    assert first.checks == ("status_code_conformance",) and first.curl == (
        "curl -X POST http://127.0.0.1:1/api/v4/content_requests",)
    assert second.checks == ("xtoken_same_user",) and second.case_id == "def456"
