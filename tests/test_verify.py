"""The harness: the mock passes `specmock verify`, and every deliberately broken variant fails it
with the right check named."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pytest

from specmock.cli import main
from specmock.verify import RunOptions, Target, UsageError, run
from specmock.verify.checks import load_domain_checks
from specmock.verify.local import LocalServer, free_port
from specmock.verify.results import parse_failure_text
from tests.broken_variants import NOTES, VARIANTS, broken_app
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
    # ownership (BOLA)
    "others-can-change": "owner_only_item_access",
    "others-can-delete": "owner_only_item_access",
    "lists-others-requests": "owner_only_lists",
    "notes-lists-others": "owner_only_lists",
    "private-images-visible": "private_images_stay_private",
    "extends-others-downloads": "downloads_owner_only",
    # paging
    "pages-overlap": "paging_consistent",
    "total-is-page-size": "paging_consistent",
    "next-link-same-page": "paging_consistent",
    "notes-offset-off-by-one": "paging_consistent",
    # lists that lag writes
    "list-from-stale-snapshot": "lists_show_writes",
    # links that lie
    "zip-not-a-zip": "links_resolve",
    "zip-other-images": "download_zip_holds_images",
    "image-wrong-size": "links_resolve",
    "image-wrong-format": "links_resolve",
}
# The first ten break the contract's shape or a domain rule and are verified with every phase; the
# behaviour variants are caught on the first answer their check follows up, which the examples and
# coverage phases already give (a default run catches them too: its first phases are these).
SHAPE_VARIANTS = list(EXPECTED)[:10]


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
    assert "One user only" not in out.getvalue()


def test_the_generic_mock_of_another_contract_passes_too():
    with ServerProcess(free_port(), str(NOTES), "--auth", "strict") as server:
        out = io.StringIO()
        code = run(Target(server.url, specs=[NOTES]), RunOptions(max_examples=10), out)
    assert code == 0, out.getvalue()[-6000:]


def _verify_variant(name: str, report) -> tuple[int, str]:
    api, app = broken_app(name)
    phases = {} if name in SHAPE_VARIANTS else {"phases": ["examples", "coverage"]}
    with LocalServer(app) as server:
        out = io.StringIO()
        target = Target(server.url, apis=[api], specs=VARIANTS[name].specs, **phases)
        code = run(target, RunOptions(max_examples=15, report=report), out)
    return code, out.getvalue()


@pytest.fixture(scope="module")
def verdicts(request, tmp_path_factory):
    """Every selected variant verified, two at a time (the machine has two cores)."""
    selected = [item.callspec.params["name"] for item in request.session.items
                if getattr(item, "callspec", None) and "name" in item.callspec.params
                and item.originalname == "test_each_broken_variant_is_caught_by_its_check"]
    reports = {name: tmp_path_factory.mktemp("variant") / "report.html" for name in selected}
    with ThreadPoolExecutor(2) as pool:
        found = dict(zip(selected, pool.map(lambda name: _verify_variant(name, reports[name]), selected),
                         strict=True))
    return {name: (*found[name], reports[name]) for name in selected}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_broken_variant_is_caught_by_its_check(name, verdicts):
    code, output, report = verdicts[name]
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
    url = f"http://127.0.0.1:{free_port()}"
    assert run(Target(url), RunOptions(), out) == 2
    assert out.getvalue().strip() == (f"specmock verify: cannot reach {url}: connection refused "
                                      "(is the server running, and is --base-url right?)")


@pytest.mark.parametrize("option", ["--max-examples", "--workers"])
def test_a_count_below_one_is_a_usage_error(option, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["verify", "--base-url", "http://127.0.0.1:1", option, "0"])
    assert stopped.value.code == 2
    assert "must be a whole number of 1 or more, not '0'" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["verify"],
    ["verify", "--base-url", "ftp://example"],
    ["verify", "--base-url", "http://127.0.0.1:1", "--header", "no colon"],
    ["verify", "--base-url", "http://127.0.0.1:1", "--second-header", "no colon"],
    ["verify", "--base-url", "http://127.0.0.1:1", "--phases", "fuzzing,guessing"],
])
def test_usage_errors_exit_2(argv, capsys):
    assert main(argv) == 2
    assert "specmock verify:" in capsys.readouterr().err


def test_unknown_api_is_a_usage_error():
    with pytest.raises(UsageError):
        Target("http://127.0.0.1:1", apis=["nope"])


def test_failure_text_is_parsed_into_operation_checks_and_curl():
    load_domain_checks(["specmock.media.checks"])  # ST991 is the media domain's
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
