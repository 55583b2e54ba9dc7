"""The media-request domain's checks for ``specmock verify`` (each bundled document names this
module in ``x-specmock.checks``): rules its contract states in prose, which no inference from the
contract's structure can know. The generic checks (``specmock.verify.checks``) run beside them.

* ``xtoken_same_user``: every refreshed ``X-token`` is a JWT for the caller.
* ``status_transitions_enforced``: a canceled content request cannot be completed, a One-Time one
  completes once.
* ``list_agrees_with_query``: the content-request list's ``pending``, ``query`` and
  ``sort_by``/``sort_to`` agree with the items it shows.
* ``download_zip_holds_images``: a download's zip holds one ``<public_id>.<ext>`` file per image.
* ``private_images_stay_private``: an image request that is not public is seen by nobody else.
* ``downloads_owner_only``: nobody adds images to a download that is not theirs.
"""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from typing import Any, ClassVar

import schemathesis
from schemathesis.core.failures import Severity

from specmock.verify.bodies import bodies
from specmock.verify.context import RunContext, context_of, json_of
from specmock.verify.failures import DomainFailure
from specmock.verify.lists import search

_TOKEN = re.compile(r'^Token token="?([^"]+)"?$')


class XTokenMismatch(DomainFailure):
    code = "ST991"
    kind_title = "X-token is not a JWT for the caller"
    checks = ("xtoken_same_user",)
    default_severity: ClassVar[Severity] = Severity.HIGH


class IllegalTransition(DomainFailure):
    code = "ST993"
    kind_title = "Illegal status transition accepted"
    checks = ("status_transitions_enforced",)


class ListDisagrees(DomainFailure):
    code = "ST994"
    kind_title = "List filters or sorting disagree with the items"
    checks = ("list_agrees_with_query",)


class ZipMissesImages(DomainFailure):
    code = "ST981"
    kind_title = "A download's zip does not hold its images"
    checks = ("download_zip_holds_images",)
    default_severity: ClassVar[Severity] = Severity.HIGH


class PrivateImageShown(DomainFailure):
    code = "ST982"
    kind_title = "A private image is visible to another caller"
    checks = ("private_images_stay_private",)
    default_severity: ClassVar[Severity] = Severity.CRITICAL


class ForeignDownloadChanged(DomainFailure):
    code = "ST983"
    kind_title = "Another caller added images to a download that is not theirs"
    checks = ("downloads_owner_only",)
    default_severity: ClassVar[Severity] = Severity.CRITICAL


# -- helpers -----------------------------------------------------------------------------------

def operation_id(case: Any) -> str | None:
    return case.operation.definition.raw.get("operationId")


def jwt_claims(token: str) -> dict[str, Any] | None:
    """The claims of a compact JWT, without verifying it (the signing secret is the server's)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def _header(response: Any, name: str) -> str | None:
    values = response.headers.get(name.lower())
    return values[0] if values else None


def _ok(response: Any) -> bool:
    return 200 <= response.status_code < 300


def _ids(value: Any) -> list[str]:
    return [str(item) for item in (value if isinstance(value, list) else [value] if value else [])]


# -- X-token -------------------------------------------------------------------------------------

@schemathesis.check
def xtoken_same_user(ctx: Any, response: Any, case: Any) -> None:
    """Every refreshed ``X-token`` is a JWT for the user whose token the request carried."""
    sent = _TOKEN.match(response.request.headers.get("Authorization", "") or "")
    refreshed = _header(response, "X-token")
    if not sent or refreshed is None:
        return None
    before, after = jwt_claims(sent.group(1)), jwt_claims(refreshed)
    if before is None:
        return None
    if after is None:
        raise XTokenMismatch(operation=case.operation.label, message=f"`X-token` is not a JWT: {refreshed[:80]!r}")
    if before.get("user_id") != after.get("user_id"):
        raise XTokenMismatch(
            operation=case.operation.label,
            message=f"`X-token` is for user {after.get('user_id')!r}, the request came from {before.get('user_id')!r}",
        )
    return None


# -- content requests ------------------------------------------------------------------------------

_MEDIA = {"media_files": [{"name": "check", "s3_key": "specmock/check", "format_type": "jpg",
                           "media_type": "photo", "size": 1}]}


@schemathesis.check
def status_transitions_enforced(ctx: Any, response: Any, case: Any) -> None:
    """A canceled request cannot be completed; a One-Time request completes only once."""
    op = operation_id(case)
    if op not in ("complete_content_request", "update_content_request") or not _ok(response):
        return None
    run = context_of(case)
    ops, who = run.contract.operations, run.first_for(response)
    if op == "update_content_request":
        body = json_of(response)
        if not isinstance(body, dict) or body.get("status") != "canceled" or "token" not in body:
            return None
        token, why = body["token"], "completing a canceled request"
    else:
        token = (case.path_parameters or {}).get("token")
        read = run.send(ops["get_content_request"], who, {"ref": token})
        if read.status != 200 or (read.json() or {}).get("time_type") != "One-Time":
            return None
        why = "completing a One-Time request a second time"
    again = run.send(ops["complete_content_request"], who, {"token": token}, body=_MEDIA)
    if again.ok:
        raise IllegalTransition(operation=case.operation.label, message=(
            f"{again.line()}: {why} must be refused (409)\n\n{again.curl}"))
    return None


def _list_problems(query: dict[str, Any], items: list[dict[str, Any]]) -> list[str]:
    problems = []
    pending = query.get("pending")
    if pending in ("true", "1"):
        problems += [f"item {i.get('id')} is {i.get('status')} under pending={pending}"
                     for i in items if i.get("status") != "pending"]
    elif pending in ("false", "0"):
        problems += [f"item {i.get('id')} is pending under pending={pending}"
                     for i in items if i.get("status") == "pending"]
    sort_by, sort_to = query.get("sort_by"), query.get("sort_to", "desc")
    if sort_by in ("name", "recipient", "expiration_date"):
        keys = [str(i.get(sort_by, "")).casefold() for i in items]
        expected = sorted(keys, reverse=sort_to == "desc")
        if keys != expected:
            problems.append(f"items are not sorted by {sort_by} {sort_to}: {keys}")
    return problems


def _query_misses(run: RunContext, response: Any, query: str, items: list[dict[str, Any]]) -> list[str]:
    """Items that contain ``query`` in none of name, recipient and prompt (prompt read by token)."""
    needle = query.casefold()
    misses = []
    for item in items:
        if any(needle in str(item.get(name, "")).casefold() for name in ("name", "recipient", "prompt")):
            continue
        if "prompt" not in item and "token" in item:
            full = run.send(run.contract.operations["get_content_request"], run.first_for(response),
                            {"ref": item["token"]})
            if full.status == 200 and needle in str((full.json() or {}).get("prompt", "")).casefold():
                continue
        misses.append(f"item {item.get('id')} does not contain {query!r}")
    return misses


@schemathesis.check
def list_agrees_with_query(ctx: Any, response: Any, case: Any) -> None:
    """The content-request list's filter, search and sorting agree with the items it returns."""
    body = json_of(response)
    if operation_id(case) != "list_content_requests" or response.status_code != 200 or not isinstance(body, dict):
        return None
    query = dict(case.query or {})
    items = [i for i in body.get("content_requests", []) if isinstance(i, dict)]
    problems = _list_problems(query, items)
    if query.get("query"):
        problems += _query_misses(context_of(case), response, str(query["query"]), items)
    if problems:
        raise ListDisagrees(operation=case.operation.label, message="; ".join(problems[:5]))
    return None


# -- downloads -----------------------------------------------------------------------------------

def _entries(run: RunContext, zip_url: str, base: str) -> tuple[list[str] | None, str]:
    exchange = run.fetch(zip_url, None, base)
    try:
        names = zipfile.ZipFile(io.BytesIO(exchange.content)).namelist() if exchange.ok else None
    except zipfile.BadZipFile:
        names = None  # not a zip at all: links_resolve reports that
    return names, exchange.curl


@schemathesis.check
def download_zip_holds_images(ctx: Any, response: Any, case: Any) -> None:
    """A download's ``zip_url`` serves one ``<public_id>.<ext>`` file per image of the download:
    the requested ones (and, when images were added to an existing download, the earlier ones)."""
    body = json_of(response)
    if operation_id(case) != "create_download" or not _ok(response) or not isinstance(body, dict) \
            or not isinstance(body.get("zip_url"), str):
        return None
    run = context_of(case)
    if not run.spend("download-zip", times=3):
        return None
    form = case.body if isinstance(case.body, dict) else {}
    requested = set(_ids(form.get("image_ids[]")))
    names, curl = _entries(run, body["zip_url"], response.request.url)
    if names is None:
        return None
    stems = {name.rsplit(".", 1)[0] for name in names}
    problems = [f"no file for image {image}" for image in sorted(requested - stems)]
    if not form.get("id"):
        problems += [f"file {name!r} is for no requested image" for name in names
                     if name.rsplit(".", 1)[0] not in requested]
    if len(stems) != len(names):
        problems.append("several files for one image")
    if problems:
        raise ZipMissesImages(operation=case.operation.label, message="; ".join(problems[:6]) + f"\n\n{curl}")
    return None


@schemathesis.check
def downloads_owner_only(ctx: Any, response: Any, case: Any) -> None:
    """Posting another caller's download ``id`` is refused (404) and changes nothing in it."""
    body = json_of(response)
    run = context_of(case)
    if operation_id(case) != "create_download" or not _ok(response) or not isinstance(body, dict) \
            or run.second is None or "id" not in body or not run.spend("download-owner"):
        return None
    op = run.contract.operations["create_download"]
    example = next(iter(bodies(run.document, op, limit=1)), {})
    extra = _ids(example.get("image_ids[]"))[:1]
    before, _ = _entries(run, body["zip_url"], response.request.url) if "zip_url" in body else (None, "")
    attempt = run.send(op, run.second, body={"id": body["id"], "image_ids[]": extra})
    after, _ = _entries(run, body["zip_url"], response.request.url) if "zip_url" in body else (None, "")
    problems = []
    if attempt.ok:
        problems.append(f"{attempt.line()} for the first caller's download {body['id']}")
    if before is not None and after != before:
        problems.append(f"its zip held {len(before)} files, now {len(after or [])}")
    if problems:
        raise ForeignDownloadChanged(operation=case.operation.label, message="; ".join(problems) +
                                     f"\n\n{attempt.curl}")
    return None


# -- image requests --------------------------------------------------------------------------------

@schemathesis.check
def private_images_stay_private(ctx: Any, response: Any, case: Any) -> None:
    """An image requested with ``vis: private`` is read and listed by its creator only: once per run,
    after a create answered 2xx, the check requests a private image itself and looks for it as the
    second caller."""
    run = context_of(case)
    if operation_id(case) != "create_image_request" or not _ok(response) or run.second is None \
            or not run.spend("private-images"):
        return None
    ops, who = run.contract.operations, run.first_for(response)
    example = next(iter(bodies(run.document, ops["create_image_request"], limit=1)), None)
    if not isinstance(example, dict):
        return None
    created = run.send(ops["create_image_request"], who, body={**example, "vis": "private"})
    image = created.json() if created.ok else None
    if not isinstance(image, dict) or "id" not in image:
        return None
    read = run.send(ops["get_image_request"], run.second, {"id": image["id"]})
    problems, curls = [], []
    if read.ok and (read.json() or {}).get("id") == image["id"]:
        problems.append(read.line())
        curls.append(read.curl)
    resource = next(r for r in run.resources if r.operations.get("create") == "create_image_request")
    listed = search(run, resource, run.second, {}, str(image["id"]))
    if listed.found is not None:
        problems.append(f"the second caller's list shows image {image['id']}")
        curls.append(listed.exchanges[-1].curl)
    if problems:
        raise PrivateImageShown(operation=case.operation.label, message="\n".join(
            [f"image {image['id']}, requested with vis: private by the first caller:", *problems, "",
             created.curl, *curls]))
    return None
