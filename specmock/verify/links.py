"""``links_resolve``: a URL an answer hands out, that points at one of the contract's operations,
leads to what that operation declares.

A string in a 2xx JSON answer is a link when it is an absolute URL or a path from the host's root
whose path, below the API's own base path, matches a GET operation of the document (an
``archive_url`` matches ``GET /exports/{export_id}/archive``, a photo's ``url`` matches
``GET /photos/{photo_id}/file``). Links back to the operation that answered
(paging links: ``paging_consistent`` follows them) are left alone, as are URLs the contract does
not describe. Each link is fetched (credentials only to the API's own host, and only when the
operation needs them) and must answer 2xx with a media type the operation declares, holding what
that type says:

* a zip opens, every entry reads back with its checksum, and an entry named like an image
  (``.png``, ``.jpg``, ``.gif``, ...) decodes as one of that format;
* an image decodes, in the format its media type names; when the object holding the link declares
  a ``format`` (and ``width``/``height`` beside it) for its only image, the image has that format
  and size;
* JSON parses.

At most twice per pair of operations in a run, three links per answer.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import deque
from typing import Any
from urllib.parse import urljoin, urlsplit

import schemathesis

from specmock.contract.model import Operation
from specmock.verify.context import Exchange, RunContext, context_of, json_of
from specmock.verify.failures import LinkBroken

MAX_LINKS = 3
MAX_ENTRIES = 20
IMAGE_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP",
               "image/bmp": "BMP", "image/tiff": "TIFF"}
FORMAT_NAMES = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "gif": "GIF", "webp": "WEBP", "bmp": "BMP",
                "tif": "TIFF", "tiff": "TIFF"}
ZIP_TYPES = {"application/zip", "application/x-zip-compressed", "application/x-zip"}


def _pattern(op: Operation) -> re.Pattern[str]:
    parts = re.split(r"(\{[^{}]+\})", op.path)
    return re.compile("^" + "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts) + "/?$")


def targets(run: RunContext) -> list[tuple[re.Pattern[str], Operation]]:
    with run.lock:
        cached = getattr(run, "_link_targets", None)
        if cached is None:
            cached = [(_pattern(op), op) for op in run.contract.operations.values() if op.method == "get"]
            run._link_targets = cached  # type: ignore[attr-defined]
        return cached


def declared_types(op: Operation) -> set[str]:
    return {media.split(";")[0].strip().lower() for code, response in op.responses().items()
            if code.startswith("2") for media in (response.get("content") or {})}


def _strings(body: Any, holder: Any = None, depth: int = 0):
    """(the object holding it, the string) for every string in a JSON value."""
    if depth > 8:
        return
    if isinstance(body, dict):
        for value in body.values():
            yield from _strings(value, body, depth + 1)
    elif isinstance(body, list):
        for value in body[:100]:
            yield from _strings(value, holder, depth + 1)
    elif isinstance(body, str) and holder is not None:
        yield holder, body


def links_in(run: RunContext, body: Any, answered_by: Operation | None, base: str
             ) -> list[tuple[dict[str, Any], str, Operation]]:
    root = urlsplit(run.schema.get_base_url()).path.rstrip("/")
    found = []
    for holder, text in _strings(body):
        if len(text) > 2048 or not (text.startswith(("http://", "https://")) or
                                    text.startswith("/") and not text.startswith("//")):
            continue
        path = urlsplit(urljoin(base, text)).path
        if not path.startswith(root + "/"):
            continue
        below = path[len(root):]
        op = next((op for pattern, op in targets(run) if pattern.match(below)), None)
        if op is not None and op is not answered_by:
            found.append((holder, text, op))
    return found


@schemathesis.check
def links_resolve(ctx: Any, response: Any, case: Any) -> None:
    """Links an answer hands out lead to what the contract says they point at."""
    if not 200 <= response.status_code < 300 or "json" not in (response.headers.get("content-type") or [""])[0]:
        return None
    run = context_of(case)
    body = json_of(response)
    if body is None:
        return None
    source = run.operation_of(case)
    base = response.request.url
    links = links_in(run, body, source, base)
    problems, curls = [], []
    for holder, url, op in links[:MAX_LINKS]:
        if not run.spend("links", source.key if source else "", op.key, times=2):
            continue
        who = None if run.public(op) else run.first_for(response)
        exchange = run.fetch(url, who, base)
        found = file_problems(exchange, declared_types(op), _declared(holder, links))
        if found:
            problems.append(f"{url[:160]} ({op.label}): {'; '.join(found)}")
            curls.append(exchange.curl)
    if problems:
        raise LinkBroken(operation=case.operation.label, message="\n".join(
            [*[f"- {problem}" for problem in problems], "", *curls]))
    return None


def _declared(holder: dict[str, Any], links: list[tuple[dict[str, Any], str, Operation]]) -> dict[str, Any]:
    """The format and size the holding object declares for its image, when it holds only one."""
    if sum(1 for other_holder, _, _ in links if other_holder is holder) != 1:
        return {}
    queue: deque[tuple[Any, int]] = deque([(holder, 0)])
    sized: dict[str, Any] = {}
    while queue:
        node, depth = queue.popleft()
        if not isinstance(node, dict) or depth > 3:
            continue
        size = {name: node[name] for name in ("width", "height") if _int(node.get(name))}
        if isinstance(node.get("format"), str):
            return {"format": node["format"], **size}
        if len(size) == 2 and not sized:
            sized = size
        queue.extend((value, depth + 1) for value in node.values() if isinstance(value, dict))
    return sized


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def file_problems(exchange: Exchange, declared: set[str], expected: dict[str, Any]) -> list[str]:
    if not exchange.ok:
        return [f"answered {exchange.status}"]
    media = exchange.media_type
    if declared and media not in declared:
        return [f"answered Content-Type {media or 'none'}; the contract declares {', '.join(sorted(declared))}"]
    if media in ZIP_TYPES:
        return zip_problems(exchange.content)
    if media.startswith("image/"):
        return image_problems(exchange.content, IMAGE_TYPES.get(media), expected)
    if media == "application/json" or media.endswith("+json"):
        return [] if exchange.json() is not None or exchange.content.strip() == b"null" else ["the body is not JSON"]
    return []


def zip_problems(content: bytes) -> list[str]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        broken = archive.testzip()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        return [f"the {len(content)} bytes are not a zip archive ({error})"]
    if broken is not None:
        return [f"entry {broken!r} of the zip is corrupt"]
    problems = []
    for info in archive.infolist()[:MAX_ENTRIES]:
        expected = FORMAT_NAMES.get(info.filename.rsplit(".", 1)[-1].lower()) if "." in info.filename else None
        if expected:
            problems += [f"zip entry {info.filename!r}: {p}" for p in
                         image_problems(archive.read(info), expected, {})]
    return problems


def image_problems(content: bytes, expected_format: str | None, declared: dict[str, Any]) -> list[str]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            image.load()
            found, size = image.format, image.size
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        return [f"the {len(content)} bytes are not an image ({str(error)[:80]})"]
    problems = []
    if expected_format and found != expected_format:
        problems.append(f"the image is {found}, its Content-Type says {expected_format}")
    wanted = FORMAT_NAMES.get(str(declared.get("format", "")).lower())
    if wanted and found != wanted:
        problems.append(f"the image is {found}, the answer declares format {declared['format']!r}")
    if "width" in declared and "height" in declared and size != (declared["width"], declared["height"]):
        problems.append(f"the image is {size[0]}x{size[1]}, the answer declares "
                        f"{declared['width']}x{declared['height']}")
    return problems
