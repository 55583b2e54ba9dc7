"""What a frontend developer does in a browser: read the landing page, follow a link to an API's
Swagger UI, authorise with the demo credential the page shows, and "Try it out" against the mock."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.conftest import BUNDLED as CONTRACT

pytestmark = pytest.mark.slow
SEEDED_TOKEN = "4c38da5893b1f793"


def authorize(page, header: str) -> str:
    """Authorise with the credential the docs page shows for ``header``; returns that credential."""
    credential = page.locator(f'.specmock-bar code.credential[data-header="{header}"]').inner_text()
    page.locator(".auth-wrapper button.authorize").click()
    dialog = page.locator(".modal-ux")
    dialog.locator("input").fill(credential)
    dialog.locator("button.authorize").click()
    dialog.get_by_role("button", name="Logout").wait_for()
    dialog.locator("button.close-modal").click()
    return credential


def operation(page, operation_id: str):
    return page.locator(f'.opblock[id^="operations-"][id$="-{operation_id}"]')


def try_it_out(block) -> tuple[str, str]:
    """Press "Try it out" then "Execute" on an open operation; (status, body) of the mock's answer."""
    block.locator("button.try-out__btn").click()
    block.locator("button.execute").click()
    live = block.locator(".live-responses-table")
    status = live.locator("tr.response .response-col_status").inner_text()
    body = live.locator("tr.response .highlight-code pre").first.inner_text()
    block.locator(".curl-command").evaluate("element => element.scrollIntoView({block: 'start'})")
    return status.strip(), body


def test_landing_page_lists_every_api(page, server, screenshot):
    page.goto(f"{server.url}/")
    for name, document in CONTRACT.documents.items():
        spec = document.spec
        card = page.locator(f'section.api[data-api="{name}"]')
        assert card.locator("a.title").inner_text() == spec["info"]["title"]
        assert card.locator(".version").inner_text() == f"v{spec['info']['version']}"
        assert card.locator(".count").inner_text() == str(sum(op.document.name == name
                                                              for op in CONTRACT.operations.values()))
        assert card.locator(".source").inner_text() == spec["info"]["x-specmock-source"]
        assert card.locator(".base-url").inner_text() == server.url + document.base_path
        assert "by domain handlers" in card.locator(".answered-by").inner_text()
        for link, href in (("docs", f"/docs/{name}/"), ("yaml", f"/docs/{name}/openapi.yaml"),
                           ("json", f"/docs/{name}/openapi.json")):
            assert card.locator(f"a.{link}").get_attribute("href") == href
            assert page.request.get(server.url + href).ok
    assert page.locator("#how-to").is_visible()
    assert page.locator('pre.credential[data-header="Authorization"]').first.inner_text().startswith('Token token="')
    assert page.locator('pre.credential[data-header="Authentication"]').inner_text().startswith("Bearer ")
    assert screenshot("landing-page", full_page=True).exists()


def test_docs_link_opens_swagger_ui_with_the_contract_decisions(page, server, screenshot):
    page.goto(f"{server.url}/")
    page.locator('section.api[data-api="sharing_images"] a.docs').click()
    page.wait_for_url(f"{server.url}/docs/sharing_images/")
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("Sharing images")
    table = page.locator("table.decisions")
    assert table.locator("thead th").all_inner_texts() == ["Topic", "What the document says",
                                                          "What the contract does", "Why"]
    notes = CONTRACT.documents["sharing_images"].manifest.notes
    assert table.locator("tbody tr").count() == len(notes)
    row = table.locator("tbody tr", has_text="Form arrays")
    assert row.is_visible() and row.locator("td").count() == 3
    assert page.locator(".servers select option").first.inner_text().startswith(f"{server.url}/api/v1")
    assert screenshot("docs-contract-decisions").exists()


def test_a_decision_can_be_linked(page, server):
    note = CONTRACT.documents["content_requests"].manifest.notes[1]
    page.goto(f"{server.url}/docs/content_requests/#{note.slug}")
    row = page.locator(f"tr#{note.slug}")
    assert row.is_visible() and note.topic.split()[0] in row.inner_text()
    assert page.evaluate("window.location.hash") == f"#{note.slug}"
    assert row.locator("a.anchor").get_attribute("href") == f"#{note.slug}"


def test_try_it_out_lists_content_requests_with_the_bearer_header(page, server, screenshot):
    page.goto(f"{server.url}/")
    page.locator('section.api[data-api="content_requests"] a.docs').click()
    credential = authorize(page, "Authentication")
    block = operation(page, "list_content_requests")
    block.locator(".opblock-summary").click()
    status, body = try_it_out(block)
    assert status == "200"
    shown = json.loads(body)
    assert SEEDED_TOKEN in {request["token"] for request in shown["content_requests"]}
    request_url = block.locator(".request-url pre").inner_text()
    direct = httpx.get(request_url, headers={"Authentication": credential})
    assert shown == direct.json()
    assert screenshot("try-it-out-get-content-requests").exists()


def test_try_it_out_posts_a_form_array_to_downloads(page, server, screenshot):
    page.goto(f"{server.url}/")
    page.locator('section.api[data-api="downloads"] ul.operations a', has_text="POST").click()
    block = operation(page, "create_download")
    block.locator(".opblock-body").wait_for()
    authorize(page, "Authorization")
    status, body = try_it_out(block)
    assert status == "200", body + block.locator(".curl-command").inner_text()
    download = json.loads(body)
    assert download["zip_url"].startswith(f"{server.url}/api/v1/downloads/{download['id']}/zip")
    curl = block.locator(".curl-command").inner_text()
    assert curl.count("image_ids%5B%5D=") == 5 and "," not in curl.rpartition("-d ")[2]
    archive = httpx.get(download["zip_url"])
    assert archive.status_code == 200 and archive.headers["content-type"] == "application/zip"
    assert screenshot("try-it-out-post-downloads").exists()
