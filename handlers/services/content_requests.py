"""Content requests: the owner's CRUD and the recipient's public link."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from specmock.auth import Caller
from specmock.behaviours.paging import ordered_page, sorted_page
from specmock.media.rules import content_lifecycle as rules
from specmock.problems import NotFound
from specmock.store import Store, clone

TABLE, CONTENT_USERS = "content_requests", "content_request_users"
INTERNAL = ("owner", "created_at")  # kept by the server, never answered
SET_BY_SERVER = ("id", "status", "time_type", "expiration_date", "token", "link_for_copy", "media_files",
                 *INTERNAL)
USER_FIELDS = ("id", "email", "first_name", "last_name", "avatar_image")


def view(record: dict[str, Any], *, copied: bool = False) -> dict[str, Any]:
    """The answer: every stored field but the server's own bookkeeping, copied unless ``record`` is a
    copy already (nothing returned shares state with the store). Fields the contract adds to a
    request flow through to answers."""
    fields = {key: value for key, value in record.items() if key not in INTERNAL}
    return fields if copied else clone(fields)


def given(fields: dict[str, Any]) -> dict[str, Any]:
    """What a client sent that the rules do not set themselves: stored as sent."""
    return {key: value for key, value in fields.items() if key not in SET_BY_SERVER}


def owner_of(store: Store, caller: Caller, *, create: bool = False) -> dict[str, Any] | None:
    """The user behind a bearer token (the stored record: read it, never change it); in lenient mode
    an unknown token becomes a new user."""
    user = store.peek_by(CONTENT_USERS, "token", caller.token)
    if user is None and create:
        number = store.next_id(CONTENT_USERS)
        user = store.insert(CONTENT_USERS, {
            "id": number, "email": f"user{number}@example.com", "first_name": "User", "last_name": str(number),
            "avatar_image": None, "token": caller.token,
        })
    return user


def _owned(store: Store, caller: Caller, ref: str) -> dict[str, Any]:
    """A copy of the caller's request that ``ref`` names, else a 404 problem."""
    kind, key = rules.ref_key(ref)
    record = store.get(TABLE, key) if kind == "id" else store.get_by(TABLE, "token", key)
    owner = owner_of(store, caller)
    if record is None or owner is None or record["owner"] != owner["id"]:
        raise NotFound(f"No content request with {kind} {key}")
    return record


def _by_token(store: Store, token: str) -> dict[str, Any]:
    """A copy of the request with this token, else a 404 problem."""
    record = store.get_by(TABLE, "token", token)
    if record is None:
        raise NotFound(f"No content request with token {token}")
    return record


def listing(store: Store, caller: Caller, pending: str, query: str | None, sort_by: str, sort_to: str,
            page: int, per_page: int) -> dict[str, Any]:
    owner = owner_of(store, caller)
    if owner is None:
        return {"content_requests": [], "meta": {"total_count": 0}}
    pending_flag, descending = rules.is_pending_flag(pending), sort_to == "desc"
    with store.locked():
        ordered = store.ordered(TABLE, rules.BY_CREATION, (owner["id"], pending_flag)) \
            if query is None and sort_by == "created_at" else None
        if ordered is not None:  # the default list: a slice of the index, whatever the table holds
            shown, total = ordered_page(ordered, descending, page, per_page), len(ordered)
        else:
            records = store.scan(TABLE, rules.matcher(owner["id"], pending_flag, query))
            shown, total = _sorted_page(records, sort_by, descending, page, per_page), len(records)
        return {"content_requests": [view(record) for record in shown], "meta": {"total_count": total}}


def _sorted_page(records: list[dict[str, Any]], sort_by: str, descending: bool, page: int,
                 per_page: int) -> list[dict[str, Any]]:
    try:
        return sorted_page(records, rules.fast_sort_key(sort_by), descending, page, per_page)
    except (KeyError, TypeError):  # a record without the field, or with null in it
        return sorted_page(records, rules.sort_key(sort_by), descending, page, per_page)


def create(store: Store, caller: Caller, fields: dict[str, Any]) -> dict[str, Any]:
    expiration = rules.parse_input_date(fields["expiration_date"], "body.content_request.expiration_date")
    with store.locked():
        return view(store.insert(TABLE, _new_record(store, caller, fields, expiration)), copied=True)


def _new_record(store: Store, caller: Caller, fields: dict[str, Any], expiration: Any) -> dict[str, Any]:
    owner = owner_of(store, caller, create=True)
    token = rules.new_token()
    while store.peek_by(TABLE, "token", token) is not None:
        token = rules.new_token()
    return {
        **given(fields),
        "id": store.next_id(TABLE),
        "owner": owner["id"],
        "expiration_date": rules.output_date(expiration),
        "status": rules.PENDING,
        "time_type": rules.TIME_TYPES[fields.get("time_type", "one_time")],
        "token": token,
        "link_for_copy": rules.link_for_copy(token),
        "created_at": datetime.now(UTC).isoformat(timespec="microseconds"),
        "media_files": [],
    }


def read(store: Store, token: str) -> dict[str, Any]:
    record = _by_token(store, token)
    owner = store.get(CONTENT_USERS, record["owner"]) or {"id": record["owner"]}
    user = {key: owner.get(key) for key in USER_FIELDS}
    user["email"] = user["email"] or f"user{record['owner']}@example.com"
    user["first_name"] = user["first_name"] or ""
    user["last_name"] = user["last_name"] or ""
    return {**view(record, copied=True), "user": user}


def update(store: Store, caller: Caller, ref: str, fields: dict[str, Any]) -> dict[str, Any]:
    changes = given(fields)
    if "expiration_date" in fields:
        day = rules.parse_input_date(fields["expiration_date"], "body.content_request.expiration_date")
        changes["expiration_date"] = rules.output_date(day)
    with store.locked():
        record = _owned(store, caller, ref)
        if fields.get("status") == rules.CANCELED:
            changes.update(rules.cancel(record))
        return view(store.update(TABLE, record["id"], changes) if changes else record, copied=True)


def delete(store: Store, caller: Caller, ref: str) -> dict[str, bool]:
    with store.locked():
        store.remove(TABLE, _owned(store, caller, ref)["id"])
    return {"success": True}


def complete(store: Store, token: str, media_files: list[dict[str, Any]]) -> dict[str, bool]:
    with store.locked():
        record = _by_token(store, token)
        store.update(TABLE, record["id"], rules.complete(record, media_files, rules.today_utc()))
    return {"success": True}
