"""The harness's generic checks piece by piece: files behind links, list queries, the second
caller, the one-user note. (``tests/test_verify.py`` runs them whole against the mock and the
broken variants.)"""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from specmock.auth import decode_unverified
from specmock.verify import Target
from specmock.verify.links import _declared, file_problems
from specmock.verify.report import summary
from specmock.verify.runner import check_settings
from specmock.verify.target import SECOND_USER, second_claims


def _picture(fmt: str, size: tuple[int, int] = (48, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


class _Answer:
    def __init__(self, content: bytes, media_type: str, status: int = 200) -> None:
        self.content, self.status, self.media_type = content, status, media_type
        self.ok = 200 <= status < 300

    def json(self):
        return None


def test_a_real_zip_of_real_images_passes():
    content = _zip({"a.png": _picture("PNG"), "b.jpg": _picture("JPEG"), "notes.txt": b"hello"})
    assert file_problems(_Answer(content, "application/zip"), {"application/zip"}, {}) == []


@pytest.mark.parametrize("content, problem", [
    (b"PK\x03\x04 not really", "not a zip archive"),
    (_zip({"a.png": _picture("JPEG")}), "zip entry 'a.png': the image is JPEG"),
    (_zip({"a.gif": b"no image at all"}), "zip entry 'a.gif': the 15 bytes are not an image"),
])
def test_a_zip_that_lies_is_named(content, problem):
    assert problem in "; ".join(file_problems(_Answer(content, "application/zip"), {"application/zip"}, {}))


def test_a_corrupt_zip_entry_is_named():
    content = bytearray(_zip({"a.txt": b"x" * 100}))
    content[content.index(b"x" * 100)] = ord("y")  # the stored bytes no longer match their checksum
    assert "entry 'a.txt' of the zip is corrupt" in file_problems(_Answer(bytes(content), "application/zip"),
                                                                  {"application/zip"}, {})


def test_an_image_of_the_declared_format_and_size_passes():
    assert file_problems(_Answer(_picture("PNG"), "image/png"), {"image/png"},
                         {"format": "png", "width": 48, "height": 48}) == []


@pytest.mark.parametrize("content, media, declared, problem", [
    (_picture("JPEG"), "image/png", {}, "the image is JPEG, its Content-Type says PNG"),
    (_picture("PNG"), "image/png", {"format": "jpg"}, "the answer declares format 'jpg'"),
    (_picture("PNG", (10, 10)), "image/png", {"format": "png", "width": 48, "height": 48}, "10x10"),
    (b"<html>oops</html>", "image/png", {}, "not an image"),
    (_picture("PNG"), "text/html", {}, "answered Content-Type text/html"),
])
def test_an_image_that_lies_is_named(content, media, declared, problem):
    assert problem in "; ".join(file_problems(_Answer(content, media), {"image/png", "image/jpeg"}, declared))


def test_a_dead_link_is_named():
    assert file_problems(_Answer(b"", "application/problem+json", 404), {"image/png"}, {}) == ["answered 404"]


def test_the_declared_format_and_size_are_those_beside_the_format():
    item = {"url": "/x", "image": {"width": 10, "height": 10, "infos": {"format": "png", "width": 48, "height": 48}}}
    assert _declared(item, [(item, "/x", None)]) == {"format": "png", "width": 48, "height": 48}
    two = {"thumbnail": "/t", "large": "/l", "width": 10, "height": 10}
    assert _declared(two, [(two, "/t", None), (two, "/l", None)]) == {}


def test_the_second_caller_is_another_user_with_the_same_abilities():
    claims = {"user_id": "u1", "username": "ann", "email": "ann@example.com", "download": True}
    second = second_claims(claims)
    assert second["user_id"] == second["sub"] == second["username"] == SECOND_USER
    assert second["email"] != claims["email"] and second["download"] is True


def test_without_headers_verify_mints_a_second_demo_user_for_every_document():
    target = Target("http://127.0.0.1:1")
    for api in target.apis:
        first, second = check_settings(target, api)["first"], check_settings(target, api)["second"]
        assert set(first) == set(second)
        for header, value in second.items():
            assert value != first[header]
            claims = decode_unverified(value.split()[-1].removeprefix('token="').rstrip('"'))
            assert claims and claims["user_id"] == SECOND_USER


def test_with_headers_the_second_user_must_be_given():
    alone = Target("http://127.0.0.1:1", headers=["Authentication: Bearer mine"])
    assert check_settings(alone, "content_requests")["second"] is None
    assert "One user only" in summary(alone, [])
    both = Target("http://127.0.0.1:1", headers=["Authentication: Bearer mine", "X-Tenant: 7"],
                  second_headers=["Authentication: Bearer theirs"])
    assert check_settings(both, "content_requests")["second"] == {"Authentication": "Bearer theirs"}
    assert "One user only" not in summary(both, [])


def test_the_document_names_its_domain_checks():
    assert check_settings(Target("http://127.0.0.1:1"), "downloads")["checks"] == ["specmock.media.checks"]


# -- paging walks: only page sizes the contract allows; the end found by reading past it -----------

def _widgets(size_schema: dict | None, items: int, total: bool = False) -> dict:
    """A contract of widgets paged with `page` (and `per_page` where ``size_schema`` is given), its
    list example holding ``items`` widgets."""
    widget = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"},
                                                                    "name": {"type": "string"}}}
    listed = {"type": "object", "properties": {"widgets": {"type": "array", "items": widget},
                                               "total": {"type": "integer"}}} if total else \
        {"type": "array", "items": widget}
    example = [{"id": number, "name": f"w{number}"} for number in range(1, items + 1)]
    params = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}]
    if size_schema is not None:
        params.append({"name": "per_page", "in": "query", "schema": size_schema})
    refused = {"400": {"description": "refused"}}
    return {"openapi": "3.0.3", "info": {"title": "widgets", "version": "1"}, "paths": {
        "/widgets": {
            "get": {"parameters": params, "responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": listed, "example": {"widgets": example, "total": items} if total else example}}},
                **refused}},
            "post": {"requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
                "example": {"name": "new"}}}},
                "responses": {"201": {"description": "made", "content": {"application/json": {"schema": widget}}},
                              **refused}}},
        "/widgets/{id}": {"parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                          "delete": {"responses": {"204": {"description": "gone"}, "404": {"description": "none"}}}},
    }}


def _walk(tmp_path, spec: dict):
    """Walk the list of ``spec`` served by the generic mock, as paging_consistent does."""
    import schemathesis
    import yaml

    from specmock.engine.app import create_app
    from specmock.settings import Settings
    from specmock.store import Store
    from specmock.verify.context import Identity, RunContext
    from specmock.verify.local import LocalServer
    from specmock.verify.paging import Walk, _ensure_items

    path = tmp_path / "widgets.yaml"
    path.write_text(yaml.safe_dump(spec))
    with LocalServer(create_app(Settings(specs=(path,)), Store.memory())) as server:
        schema = schemathesis.openapi.from_dict(spec)
        schema.config.update(base_url=server.url)
        run = RunContext(schema)
        (resource,) = run.resources
        op, who = run.op(resource, "list"), Identity("first caller", {})
        created = _ensure_items(run, resource, who, {}, op, {})
        walk = Walk(run, resource, op, who, {}, {})
        return walk, walk.problems(), created


@pytest.mark.parametrize("size_schema, asked", [
    ({"type": "number", "enum": [10, 20]}, 10),  # only sizes of the enum: never 2
    ({"type": "integer", "minimum": 5, "maximum": 50}, 5),
    ({"type": "integer", "multipleOf": 4}, 4),
    ({"type": "string", "enum": ["6", "60"]}, 6),
])
def test_a_walk_asks_only_for_page_sizes_the_contract_allows(tmp_path, size_schema, asked):
    walk, problems, created = _walk(tmp_path, _widgets(size_schema, 2))
    from urllib.parse import parse_qs, urlsplit

    assert problems == [] and walk.asked == asked
    assert len(walk.pages) >= 2 and len(walk.walked()) == max(3, asked + 1)  # created to span two pages
    assert len(created) == len(walk.walked()) - 2
    sent = [int(size) for exchange in walk.shown for size in parse_qs(urlsplit(exchange.url).query).get("per_page", [])]
    assert sent and all(walk.sizes.allows(size) for size in sent)
    assert all(exchange.ok for exchange in walk.shown)


def test_without_an_allowed_size_a_walk_reads_the_servers_own_pages(tmp_path):
    walk, problems, _ = _walk(tmp_path, _widgets({"type": "string", "enum": ["all"]}, 4))
    assert problems == [] and walk.asked is None and all("per_page" not in e.url for e in walk.shown)


@pytest.mark.parametrize("size_schema, items", [(None, 3), ({"type": "integer", "maximum": 100}, 4)])
def test_without_a_total_an_empty_page_after_full_ones_is_the_end_not_a_page(tmp_path, size_schema, items):
    walk, problems, _ = _walk(tmp_path, _widgets(size_schema, items))
    assert problems == [] and walk.complete and walk.beyond is not None and walk.beyond.items == []
    assert all(page.items for page in walk.pages)


def test_with_a_total_an_empty_last_page_is_still_named(tmp_path):
    walk, problems, _ = _walk(tmp_path, _widgets({"type": "integer"}, 4, total=True))
    assert problems == [] and walk.beyond is None
    walk.pages[-1].items, walk.pages[-1].keys = [], []  # as a server would answer it
    assert "the last page (2) is empty" in walk.problems()


@pytest.mark.parametrize("schema, wanted, at_least, fit", [
    ({"type": "integer", "enum": [10, 20]}, 2, False, 10), ({"type": "integer", "enum": [10, 20]}, 15, False, 10),
    ({"type": "integer", "enum": [10, 20]}, 15, True, 20), ({"type": "integer", "enum": [10, 20]}, 21, True, None),
    ({"type": "integer", "maximum": 5}, 9, False, 5), ({"type": "integer", "minimum": 3}, 1, False, 3),
    ({"type": "integer", "minimum": 1, "exclusiveMinimum": True}, 1, False, 2),
    ({"type": "string", "pattern": "^[0-9]+$"}, 4, False, 4), ({"type": "string", "enum": ["all"]}, 4, False, None),
    ({"type": "boolean"}, 3, False, None), ({"type": "number"}, 7, True, 7),
])
def test_the_page_size_nearest_the_one_wanted_that_the_contract_allows(schema, wanted, at_least, fit):
    from specmock.verify.lists import PageSizes

    assert PageSizes(schema).fit(wanted, at_least=at_least) == fit
    assert PageSizes(None).fit(wanted) is None


def _item_path(put_id: dict, url: str) -> dict:
    """A contract whose GET takes a token and whose PUT takes ``put_id``, answering ``url``."""
    param = {"name": "ref", "in": "path", "required": True}
    answer = {"200": {"description": "ok", "content": {"application/json": {
        "schema": {"type": "object", "properties": {"link": {"type": "string"}}}, "example": {"link": url}}}}}
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "servers": [{"url": "/api/v4"}], "paths": {
        "/things/{ref}": {"get": {"parameters": [{**param, "schema": {"type": "string"}}], "responses": answer},
                          "put": {"parameters": [{**param, "schema": put_id}], "responses": answer}}}}


@pytest.mark.parametrize("put_id, url, refused", [
    ({"type": "integer"}, "/things/4c38da5893b1f793", True),  # outside the base path, as Schemathesis reads it
    ({"type": "integer"}, "/api/v4/things/4c38da5893b1f793", True),
    ({"type": "integer"}, "/things/12", False),
    ({"type": "string"}, "/things/4c38da5893b1f793", False),
    ({"type": "integer"}, "/elsewhere/4c38da5893b1f793", False),
])
def test_links_from_urls_in_answers_are_left_out_where_an_operation_of_their_path_refuses_them(put_id, url, refused):
    import tomllib

    from specmock.verify.settings import refused_urls, settings_text

    spec = _item_path(put_id, url)
    assert bool(refused_urls(spec)) == refused
    inference = tomllib.loads(settings_text(spec))["phases"]["stateful"].get("inference")
    assert inference == ({"algorithms": ["dependency-analysis"]} if refused else None)
