"""A page on another site, in a real browser, tries to drive the stub (issue 16): it sends the admin API
a cross-origin "simple" request (which a browser sends without asking), asks for a preflight, reads the
journal; and a DNS-rebinding page reaches the stub under its own name. Chromium resolves
``evil.example`` to 127.0.0.1 here (``--host-resolver-rules``), as a rebinding DNS server would make it.
The stub's own pages keep the use of the admin API (the landing page's journal link, a same-origin reset)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator

import httpx
import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, _missing
from tests.conftest import BEARER, free_port
from tests.requirements import unavailable

try:
    from playwright.sync_api import sync_playwright
except ImportError:
    sync_playwright = None

pytestmark = pytest.mark.slow

AUTH = {"Authentication": BEARER}
ATTACK = """<!doctype html><html><body><script>
async function attack(mock) {
  const outcome = {};
  const settle = (promise) => promise.then((value) => value, (error) => "refused: " + error.name);
  outcome.simple = await settle(fetch(mock + "/__admin/reset", {method: "POST", mode: "no-cors",
    headers: {"Content-Type": "text/plain"}, body: "{}"}).then((response) => response.type));
  outcome.preflighted = await settle(fetch(mock + "/__admin/reset", {method: "POST",
    headers: {"X-Specmock-Admin": "1"}}).then((response) => response.status));
  outcome.journal = await settle(fetch(mock + "/__admin/requests").then((response) => response.text()));
  return outcome;
}
</script></body></html>"""


@pytest.fixture(scope="module")
def evil_page() -> Iterator[str]:
    """The attacker's page, served from a port of its own under the name ``evil.example``."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802  (the standard library's name)
            body = ATTACK.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://evil.example:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(10)


@pytest.fixture(scope="module")
def rebinding_browser():
    missing = _missing()
    if missing:
        unavailable(f"browser tests: {missing}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
            *CHROMIUM_ARGS, "--host-resolver-rules=MAP evil.example 127.0.0.1"])
        yield chromium
        chromium.close()


def created(server) -> str:
    body = {"content_request": {"name": "kept", "recipient": "r", "prompt": "p", "expiration_date": "2099/01/01"}}
    response = httpx.post(f"{server.url}/api/v4/content_requests", json=body, headers=AUTH)
    assert response.status_code == 201
    return f"{server.url}/api/v4/content_requests/{response.json()['token']}"


def test_a_page_of_another_site_cannot_reset_the_stub_or_read_its_journal(rebinding_browser, evil_page, server):
    record = created(server)
    context = rebinding_browser.new_context()
    page = context.new_page()
    page.goto(evil_page)
    outcome = page.evaluate("(mock) => attack(mock)", server.url)
    context.close()
    assert outcome["simple"] == "opaque", outcome  # sent, as browsers send simple requests
    assert outcome["preflighted"].startswith("refused"), outcome
    assert outcome["journal"].startswith("refused"), outcome
    assert httpx.get(record, headers=AUTH).status_code == 200, "the stub was reset by a foreign page"


def test_a_rebinding_page_is_refused_under_its_own_name(rebinding_browser, server):
    record = created(server)
    port = server.url.rsplit(":", 1)[1]
    context = rebinding_browser.new_context()
    page = context.new_page()
    answer = page.goto(f"http://evil.example:{port}/__admin/requests")
    problem = json.loads(page.locator("body").inner_text())
    same_origin = page.evaluate("""() => fetch("/__admin/reset", {method: "POST",
        headers: {"X-Specmock-Admin": "1"}}).then((response) => response.status)""")
    context.close()
    assert answer.status == 421 and problem["status"] == 421 and "evil.example" in problem["detail"]
    assert "requests" not in problem
    assert same_origin == 421
    assert httpx.get(record, headers=AUTH).status_code == 200


def test_the_stubs_own_pages_still_use_the_admin_api(rebinding_browser, server):
    context = rebinding_browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/")
    page.locator('a[href="/__admin/requests"]').click()
    page.wait_for_url(f"{server.url}/__admin/requests")
    journal = json.loads(page.locator("body").inner_text())
    reset = page.evaluate("""() => fetch("/__admin/reset", {method: "POST",
        headers: {"X-Specmock-Admin": "1"}}).then((response) => response.status)""")
    context.close()
    assert "requests" in journal and reset == 200
