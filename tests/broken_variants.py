"""Deliberately broken variants of the mock, each with one defect a real backend could have.

``broken_app(name)`` wraps the real mock in an ASGI layer that changes what it is asked (``before``:
the method, path, query and headers of a request) and rewrites what it answers (the status, headers
and body), or builds the mock with a setting that breaks it, so the verify tests can show the
harness catches each defect. Every answer stays valid against the contract unless the defect is
about the contract's shape: the behaviour variants break only behaviour.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import jwt
from PIL import Image
from starlette.datastructures import MutableHeaders

from specmock.auth import mint
from specmock.engine.app import create_app
from specmock.settings import Settings
from specmock.store import Store

OWNER_BEARER = "Bearer TOKEN_FETCHED_FROM_SERVER_DURING_REGISTRATION"  # the seeded content requests' owner
FIXTURE_CONTENT_REQUESTS = 5
# A contract of our own, served by the generic resource mock (strict: only signed tokens are callers).
NOTES = Path(__file__).parent / "verify_contracts" / "notes.yaml"
NOTES_SETTINGS = {"specs": (NOTES,), "auth": "strict"}


@dataclass
class Request:
    """What a request asks, as the variant layer may change it before the mock sees it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: MutableHeaders
    asked: dict[str, list[str]] = field(default_factory=dict)  # the query as the client sent it

    @property
    def url(self) -> str:
        return f"http://{self.headers.get('host', 'localhost')}{self.path}?{urlencode(self.asked, doseq=True)}"

    def number(self, name: str, default: int) -> int:
        try:
            return int(self.asked.get(name, [default])[0])
        except ValueError:
            return default


Rewrite = Callable[[Request, int, MutableHeaders, bytes], tuple[int, bytes]]
Before = Callable[[Request], None]


@dataclass
class Variant:
    api: str
    rewrite: Rewrite | None = None
    before: Before | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def specs(self) -> list[Path]:
        """The contract to verify the variant against (default: the bundled one)."""
        return list(self.settings.get("specs", ()))


VARIANTS: dict[str, Variant] = {}


def variant(name: str, api: str, before: Before | None = None, **settings: Any) -> Callable[[Rewrite], Rewrite]:
    """Register a broken variant: the API it breaks and how it rewrites answers (and requests)."""
    def register(rewrite: Rewrite) -> Rewrite:
        VARIANTS[name] = Variant(api, rewrite, before, settings)
        return rewrite
    return register


def request_variant(name: str, api: str, **settings: Any) -> Callable[[Before], Before]:
    """Register a broken variant that only changes requests before the mock sees them."""
    def register(before: Before) -> Before:
        VARIANTS[name] = Variant(api, None, before, settings)
        return before
    return register


def _json_rewrite(body: bytes, change: Callable[[Any], None]) -> bytes:
    try:
        data = json.loads(body)
    except ValueError:
        return body
    change(data)
    return json.dumps(data).encode()


def _each_request(data: Any, change: Callable[[dict], None]) -> None:
    items = data.get("content_requests", [data]) if isinstance(data, dict) else []
    for item in items:
        if isinstance(item, dict) and "token" in item:
            change(item)


def _is_list(request: Request, collection: str) -> bool:
    return request.method == "GET" and request.path.rstrip("/").endswith(collection)


# -- contract shape ----------------------------------------------------------------------------------

@variant("drops-required-field", "content_requests")
def _drop_status(request, status, headers, body):
    return status, _json_rewrite(body, lambda d: _each_request(d, lambda item: item.pop("status", None)))


@variant("changes-a-type", "content_requests")
def _id_as_text(request, status, headers, body):
    return status, _json_rewrite(body, lambda d: _each_request(d, lambda item: item.update(id=str(item["id"]))))


@variant("undocumented-status", "content_requests")
def _accepted(request, status, headers, body):
    return (202 if request.method == "POST" and request.path.endswith("/content_requests") and status == 201
            else status), body


@variant("forgets-created", "content_requests")
def _forget(request, status, headers, body):
    if request.method == "GET" and status == 200 and not request.path.rstrip("/").endswith("content_requests"):
        headers["content-type"] = "application/problem+json"
        return 404, json.dumps({"type": "about:blank", "title": "Not Found", "status": 404}).encode()
    return status, body


@variant("accepts-invalid-input", "content_requests")
def _accept(request, status, headers, body):
    if status == 400:
        headers["content-type"] = "application/json"
        return 200, b'{"success": true}'
    return status, body


@variant("drops-documented-header", "provider_requests")
def _drop_xtoken(request, status, headers, body):
    if "x-token" in headers:
        del headers["x-token"]
    return status, body


VARIANTS["ignores-credentials"] = Variant("content_requests", settings={"auth": "off"})


# -- domain rules --------------------------------------------------------------------------------------

@variant("completes-twice", "content_requests")
def _complete_twice(request, status, headers, body):
    if request.path.endswith("/complete") and status == 409:
        headers["content-type"] = "application/json"
        return 200, b'{"success": true}'
    return status, body


@variant("reverses-sorting", "content_requests")
def _reverse(request, status, headers, body):
    def reverse(data: Any) -> None:
        if isinstance(data, dict) and isinstance(data.get("content_requests"), list):
            data["content_requests"].reverse()
    return status, _json_rewrite(body, reverse) if request.method == "GET" else body


@variant("x-token-for-another-user", "provider_requests")
def _other_user(request, status, headers, body):
    if "x-token" in headers:
        headers["x-token"] = mint({"user_id": "someone-else"}, Settings().jwt_secret)
    return status, body


# -- ownership: the mock acts as the owner whoever asks ----------------------------------------------

def _content_item(request: Request) -> bool:
    parts = request.path.strip("/").split("/")
    return parts[:3] == ["api", "v4", "content_requests"] and len(parts) == 4


def _as(request: Request, header: str, value: str) -> None:
    """The request as if its caller were another, when it carries a credential the mock would accept
    from someone (a missing or forged one stays as it is: the variants break ownership only)."""
    sent = request.headers.get(header, "")
    word, _, token = sent.partition(" ")
    token = token.removeprefix('token="').rstrip('"')
    if word == value.split(" ", 1)[0] and (f"{word} {token}" == OWNER_BEARER or _signed(token)):
        request.headers[header] = value


def _signed(token: str) -> bool:
    try:
        jwt.decode(token, Settings().jwt_secret, algorithms=["HS256"])
    except jwt.PyJWTError:
        return False
    return True


@request_variant("others-can-change", "content_requests")
def _change_as_owner(request):
    if request.method == "PUT" and _content_item(request):
        _as(request, "authentication", OWNER_BEARER)


@request_variant("others-can-delete", "content_requests")
def _delete_as_owner(request):
    if request.method == "DELETE" and _content_item(request):
        _as(request, "authentication", OWNER_BEARER)


@request_variant("lists-others-requests", "content_requests")
def _list_as_owner(request):
    if _is_list(request, "/content_requests"):
        _as(request, "authentication", OWNER_BEARER)


def _image_requests_demo() -> str:
    from specmock.contract import Contract, bundled_contract_path

    document = Contract.load([bundled_contract_path()]).documents["image_requests"]
    return f'Token token="{mint(document.manifest.demo["TokenAuth"]["claims"], Settings().jwt_secret)}"'


@request_variant("private-images-visible", "image_requests")
def _images_as_demo(request):
    if request.method == "GET" and "/image_requests" in request.path:
        _as(request, "authorization", _image_requests_demo())


@request_variant("extends-others-downloads", "downloads")
def _downloads_as_demo(request):
    from specmock.contract import Contract, bundled_contract_path

    if request.method == "POST" and request.path.endswith("/downloads"):
        claims = Contract.load([bundled_contract_path()]).documents["downloads"].manifest.demo["TokenAuth"]["claims"]
        _as(request, "authorization", f'Token token="{mint(claims, Settings().jwt_secret)}"')


@request_variant("notes-lists-others", "notes", **NOTES_SETTINGS)
def _notes_as_demo(request):
    if _is_list(request, "/v1/notes"):
        _as(request, "authorization", f"Bearer {mint({'sub': 'demo', 'user_id': 'demo'}, Settings().jwt_secret)}")


# -- paging ----------------------------------------------------------------------------------------------

def _valid_paging(request: Request) -> bool:
    """Paging the contract allows (the variants break valid requests only)."""
    return 1 <= request.number("page", 1) <= 100000 and 1 <= request.number("per_page", 10) <= 100


def _page_overlap(request: Request) -> None:
    """Page p > 1 of size s is read as the first p * s items, then cut one item early (below)."""
    page, size = request.number("page", 1), request.number("per_page", 10)
    if _is_list(request, "/content_requests") and _valid_paging(request) and page > 1 and page * size <= 100:
        request.query["page"], request.query["per_page"] = ["1"], [str(page * size)]


@variant("pages-overlap", "content_requests", before=_page_overlap)
def _cut_early(request, status, headers, body):
    page, size = request.number("page", 1), request.number("per_page", 10)
    if status != 200 or request.query.get("page") != ["1"] or page == 1 or not _valid_paging(request):
        return status, body

    def cut(data: Any) -> None:
        start = (page - 1) * size - 1  # off by one: the last item of the page before comes again
        data["content_requests"] = data["content_requests"][start: start + size]
    return status, _json_rewrite(body, cut)


@variant("total-is-page-size", "content_requests")
def _total_of_page(request, status, headers, body):
    def count_page(data: Any) -> None:
        if isinstance(data, dict) and "meta" in data:
            data["meta"]["total_count"] = len(data["content_requests"])
    return status, _json_rewrite(body, count_page) if _is_list(request, "/content_requests") else body


@variant("next-link-same-page", "image_requests")
def _next_here(request, status, headers, body):
    def same_page(data: Any) -> None:
        if isinstance(data, dict) and data.get("next"):
            data["next"] = request.url
    return status, _json_rewrite(body, same_page) if _is_list(request, "/image_requests") else body


def _whole_list(request: Request) -> None:
    """Read every item (the snapshot is cut into pages below)."""
    if _is_list(request, "/content_requests") and _valid_paging(request):
        request.query["page"], request.query["per_page"] = ["1"], ["100"]


@variant("list-from-stale-snapshot", "content_requests", before=_whole_list)
def _stale(request, status, headers, body):
    """Lists served from the data as it was at start-up: paged and counted consistently, but
    nothing created since ever shows."""
    page, size = request.number("page", 1), request.number("per_page", 10)

    def snapshot(data: Any) -> None:
        if isinstance(data, dict) and isinstance(data.get("content_requests"), list):
            kept = [item for item in data["content_requests"] if item.get("id", 0) <= FIXTURE_CONTENT_REQUESTS]
            data["meta"]["total_count"] = len(kept)
            data["content_requests"] = kept[(page - 1) * size: page * size]
    return status, _json_rewrite(body, snapshot) if _is_list(request, "/content_requests") and status == 200 \
        and _valid_paging(request) else body


@request_variant("notes-offset-off-by-one", "notes", **NOTES_SETTINGS)
def _offset_early(request):
    offset = request.number("offset", 0)
    if _is_list(request, "/v1/notes") and 0 < offset <= 100000:
        request.query["offset"] = [str(offset - 1)]


# -- links -----------------------------------------------------------------------------------------------

def _zip_path(request: Request) -> bool:
    return request.method == "GET" and request.path.endswith("/zip")


@variant("zip-not-a-zip", "downloads")
def _not_a_zip(request, status, headers, body):
    return (status, b"PK\x03\x04 these bytes only start like a zip archive") if _zip_path(request) and status == 200 \
        else (status, body)


@variant("zip-other-images", "downloads")
def _other_images(request, status, headers, body):
    if not (_zip_path(request) and status == 200):
        return status, body
    source, out = zipfile.ZipFile(io.BytesIO(body)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in source.namelist():
            stem, _, extension = name.rpartition(".")
            archive.writestr(f"{uuid.uuid5(uuid.NAMESPACE_URL, stem)}.{extension}", source.read(name))
    return status, out.getvalue()


def _image_file(request: Request) -> bool:
    return request.method == "GET" and request.path.endswith("/image")


def _picture(fmt: str, size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, format=fmt)
    return buffer.getvalue()


@variant("image-wrong-size", "sharing_images")
def _small_image(request, status, headers, body):
    return (status, _picture("PNG", (10, 10))) if _image_file(request) and status == 200 else (status, body)


@variant("image-wrong-format", "sharing_images")
def _jpeg_as_png(request, status, headers, body):
    return (status, _picture("JPEG", (48, 48))) if _image_file(request) and status == 200 else (status, body)


class Rewriter:
    """ASGI layer that changes each request before the mock sees it, buffers each answer and passes
    it through a rewrite."""

    def __init__(self, app: Any, rewrite: Rewrite | None, before: Before | None) -> None:
        self.app, self.rewrite, self.before = app, rewrite, before

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        asked = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        request = Request(scope["method"], scope["path"], {k: list(v) for k, v in asked.items()},
                          MutableHeaders(scope=scope), asked)
        if self.before:
            self.before(request)
            scope["query_string"] = urlencode(request.query, doseq=True).encode("latin-1")
        if self.rewrite is None:
            return await self.app(scope, receive, send)
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            headers = MutableHeaders(raw=list(start["headers"]))
            status, body = self.rewrite(request, start["status"], headers, b"".join(chunks))
            headers["content-length"] = str(len(body))
            await send({"type": "http.response.start", "status": status, "headers": headers.raw})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)


def broken_app(name: str) -> tuple[str, Any]:
    """(the API the variant breaks, the ASGI app serving it)."""
    broken = VARIANTS[name]
    app = create_app(Settings(**broken.settings), Store.memory())
    return broken.api, (Rewriter(app, broken.rewrite, broken.before) if broken.rewrite or broken.before else app)
