"""Image requests: the Image each request produces, visible per its ``vis``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from specmock.auth import Caller
from specmock.behaviours.paging import page_links, page_slice
from specmock.media.services.platform import user_of
from specmock.problems import NotFound
from specmock.store import Store, new_uuid

TABLE = "image_requests"
# What the request says about the instance, kept (under "request") but not part of the Image answered.
REQUEST_FIELDS = ("instance", "ip_address", "provider", "software", "sys", "exclude")
INTERNAL = ("vis", "request")
SET_BY_SERVER = ("id", "icon", "created_by", "start_date", "end_date", "private", "versions", *REQUEST_FIELDS,
                 *INTERNAL)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def visible_to(record: dict[str, Any], username: str) -> bool:
    vis = record.get("vis", "public")
    return vis == "public" or record["created_by"] == username or (isinstance(vis, list) and username in vis)


def _image(record: dict[str, Any]) -> dict[str, Any]:
    """The Image answered: every stored field but the request's own (fields the contract adds to
    both flow through)."""
    return {key: value for key, value in record.items() if key not in INTERNAL}


def create(store: Store, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    now = _now()
    record = {
        **{key: value for key, value in body.items() if key not in SET_BY_SERVER},
        "id": new_uuid(),
        "icon": None,
        "created_by": user_of(store, caller)["username"],
        "start_date": now,
        "end_date": None,
        "private": body["vis"] != "public",
        "versions": [
            {"alias": new_uuid(), "version": "1", "start_date": now, "end_date": None,
             "provider": body["provider"]}
        ],
        "vis": body["vis"],
        "request": {key: body[key] for key in REQUEST_FIELDS if key in body},
    }
    store.insert(TABLE, record)
    return _image(record)


def get(store: Store, caller: Caller, image_id: str) -> dict[str, Any]:
    record = store.get(TABLE, image_id)
    if record is None or not visible_to(record, user_of(store, caller)["username"]):
        raise NotFound(f"No image request with id {image_id}")
    return _image(record)


def collection(store: Store, caller: Caller, url: str, page: int, page_size: int) -> dict[str, Any]:
    username = user_of(store, caller)["username"]
    records = store.find(TABLE, lambda record: visible_to(record, username))
    records.sort(key=lambda record: (record["start_date"], record["id"]), reverse=True)
    following, previous = page_links(url, {"page_size": page_size}, page, page_size, len(records))
    return {
        "count": len(records),
        "next": following,
        "previous": previous,
        "results": [_image(record) for record in page_slice(records, page, page_size)],
    }
