"""specmock's domain checks, registered as Schemathesis checks.

Each check is a small function ``(ctx, response, case)`` that returns silently when the response
honours the rule and raises a typed failure naming the rule when it does not. They apply to any
implementation of the contract: Schemathesis loads this module through the ``hooks`` setting of
``specmock/verify/schemathesis.toml``.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any, ClassVar

import requests
import schemathesis
from schemathesis.core.failures import Failure

_TOKEN = re.compile(r'^Token token="?([^"]+)"?$')
_TIMEOUT = 10


class DomainFailure(Failure):
    """A response breaks a rule the contract's descriptions state."""

    code: ClassVar[str] = "ST990"
    kind_title: ClassVar[str] = "Domain rule broken"


class XTokenMismatch(DomainFailure):
    code = "ST991"
    kind_title = "X-token is not a JWT for the caller"
    checks = ("xtoken_same_user",)


class ReadBackMismatch(DomainFailure):
    code = "ST992"
    kind_title = "Created resource does not read back equal"
    checks = ("created_reads_back_equal",)


class IllegalTransition(DomainFailure):
    code = "ST993"
    kind_title = "Illegal status transition accepted"
    checks = ("status_transitions_enforced",)


class ListDisagrees(DomainFailure):
    code = "ST994"
    kind_title = "List filters, sorting or paging disagree with the items"
    checks = ("list_agrees_with_query",)


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


def _body(response: Any) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _header(response: Any, name: str) -> str | None:
    values = response.headers.get(name.lower())
    return values[0] if values else None


def _follow_up(response: Any, method: str, url: str, **kwargs: Any) -> requests.Response:
    """A request with the same credentials as the checked one."""
    sent = response.request.headers
    headers = {name: sent[name] for name in ("Authorization", "Authentication") if name in sent}
    return requests.request(method, url, headers=headers, timeout=_TIMEOUT, verify=response.verify, **kwargs)


# -- checks ------------------------------------------------------------------------------------

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


_READ_BACK = {
    # create operation -> (field naming the created resource, path of its read operation)
    "create_content_request": ("token", "content_requests/{}"),
    "create_image_request": ("id", "image_requests/{}"),
}


@schemathesis.check
def created_reads_back_equal(ctx: Any, response: Any, case: Any) -> None:
    """What a create answered is what a read of the same resource answers."""
    rule = _READ_BACK.get(operation_id(case) or "")
    created = _body(response)
    if rule is None or not 200 <= response.status_code < 300 or not isinstance(created, dict):
        return None
    key, template = rule
    if key not in created:
        return None
    url = _root_url(response, case) + template.format(created[key])
    read = _follow_up(response, "GET", url)
    if read.status_code != 200:
        raise ReadBackMismatch(
            operation=case.operation.label,
            message=f"GET {url} answered {read.status_code} right after the create answered {response.status_code}",
        )
    stored = read.json()
    differing = sorted(name for name, value in created.items() if name in stored and stored[name] != value)
    if differing:
        raise ReadBackMismatch(
            operation=case.operation.label,
            message=f"GET {url} differs from the create's answer in {', '.join(differing)}",
        )
    return None


def _root_url(response: Any, case: Any) -> str:
    """The API's base URL: the request URL minus the operation's formatted path."""
    url = response.request.url.split("?", 1)[0]
    path = case.formatted_path
    return (url[: -len(path)] if path and url.endswith(path) else url.rsplit("/", 1)[0]) + "/"


_MEDIA = {"media_files": [{"name": "check", "s3_key": "specmock/check", "format_type": "jpg",
                           "media_type": "photo", "size": 1}]}


@schemathesis.check
def status_transitions_enforced(ctx: Any, response: Any, case: Any) -> None:
    """A canceled request cannot be completed; a One-Time request completes only once."""
    op = operation_id(case)
    if op not in ("complete_content_request", "update_content_request") or not 200 <= response.status_code < 300:
        return None
    root = _root_url(response, case)
    if op == "update_content_request":
        body = _body(response)
        if not isinstance(body, dict) or body.get("status") != "canceled" or "token" not in body:
            return None
        token, why = body["token"], "completing a canceled request"
    else:
        token = (case.path_parameters or {}).get("token")
        read = _follow_up(response, "GET", f"{root}content_requests/{token}")
        if read.status_code != 200 or read.json().get("time_type") != "One-Time":
            return None
        why = "completing a One-Time request a second time"
    url = f"{root}content_requests/{token}/complete"
    again = _follow_up(response, "PUT", url, json=_MEDIA)
    if 200 <= again.status_code < 300:
        raise IllegalTransition(
            operation=case.operation.label,
            message=f"PUT {url} answered {again.status_code}: {why} must be refused (409)",
        )
    return None


def _list_problems(query: dict[str, Any], items: list[dict[str, Any]], total: int) -> list[str]:
    problems = []
    per_page = _int(query.get("per_page"))
    if per_page and len(items) > per_page:
        problems.append(f"{len(items)} items for per_page={per_page}")
    if total < len(items):
        problems.append(f"meta.total_count {total} is less than the {len(items)} items on the page")
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


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _query_misses(response: Any, root: str, query: str, items: list[dict[str, Any]]) -> list[str]:
    """Items that contain ``query`` in none of name, recipient and prompt (prompt read by token)."""
    needle = query.casefold()
    misses = []
    for item in items:
        if any(needle in str(item.get(name, "")).casefold() for name in ("name", "recipient", "prompt")):
            continue
        if "prompt" not in item and "token" in item:
            full = _follow_up(response, "GET", f"{root}content_requests/{item['token']}")
            if full.status_code == 200 and needle in str(full.json().get("prompt", "")).casefold():
                continue
        misses.append(f"item {item.get('id')} does not contain {query!r}")
    return misses


@schemathesis.check
def list_agrees_with_query(ctx: Any, response: Any, case: Any) -> None:
    """Filters, search, sorting and paging of a list agree with the items it returns."""
    op = operation_id(case)
    body = _body(response)
    if response.status_code != 200 or not isinstance(body, dict):
        return None
    query = dict(case.query or {})
    if op == "list_content_requests":
        items = [i for i in body.get("content_requests", []) if isinstance(i, dict)]
        total = (body.get("meta") or {}).get("total_count", len(items))
        problems = _list_problems(query, items, total)
        if query.get("query"):
            problems += _query_misses(response, _root_url(response, case), str(query["query"]), items)
    elif op == "list_image_requests":
        items = body.get("results") or []
        size, page = _int(query.get("page_size")) or 100, _int(query.get("page")) or 1
        problems = _paging_problems(body.get("count", 0), len(items), page, size, body)
    else:
        return None
    if problems:
        raise ListDisagrees(operation=case.operation.label, message="; ".join(problems[:5]))
    return None


def _paging_problems(count: int, shown: int, page: int, size: int, body: dict[str, Any]) -> list[str]:
    expected = max(0, min(size, count - (page - 1) * size))
    problems = []
    if shown != expected:
        problems.append(f"page {page} of size {size} over {count} items shows {shown}, expected {expected}")
    if (body.get("next") is None) != (page * size >= count):
        problems.append(f"`next` is {body.get('next')!r} on page {page} of {count} items")
    if (body.get("previous") is None) != (page == 1):
        problems.append(f"`previous` is {body.get('previous')!r} on page {page}")
    return problems
