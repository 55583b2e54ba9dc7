"""The photo platform shared by the v1 APIs: its users, organizations and image library."""

from __future__ import annotations

import functools
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from specmock.auth import Caller
from specmock.problems import FieldError, Unprocessable
from specmock.store import Store, clone

USERS, IMAGES = "users", "images"
_ORGANIZATIONS = uuid.UUID("6f1c2a4e-0d3b-4f5a-9c7e-2b8d1e4f6a30")


def now_with_offset() -> str:
    """Now in the server's time zone with milliseconds, e.g. ``2019-04-08T19:38:56.613+02:00``."""
    now = time.time()
    second = int(now)
    date_time, offset = _second_text(second)
    return f"{date_time}.{int((now - second) * 1000):03d}{offset}"


@functools.lru_cache(maxsize=4)
def _second_text(second: int) -> tuple[str, str]:
    """One second in the server's zone, as date and time (``2019-04-08T19:38:56``) and offset
    (``+02:00``). Asking the C library for the zone, and formatting, once per second rather than per
    record; a change of offset (daylight saving) shows from the next second."""
    zone = timezone(timedelta(seconds=time.localtime(second).tm_gmtoff))
    stamp = datetime.fromtimestamp(second, zone).isoformat()
    return stamp[:19], stamp[19:]


def user_of(store: Store, caller: Caller) -> dict[str, Any]:
    """The caller's user record (read it, never change it); a caller the fixtures do not know gets a
    stable made-up one."""
    return store.peek(USERS, caller.key) or {
        "id": caller.key,
        "username": caller.key,
        "organization_id": str(uuid.uuid5(_ORGANIZATIONS, caller.key)),
    }


FORM_ARRAY = "image_ids[]"


def extra_fields(form: dict[str, Any], *handled: str) -> dict[str, Any]:
    """The form fields the rules do not read themselves: stored with each record and answered, so
    that a field the contract adds to a form and its answer flows through."""
    return {key: value for key, value in form.items() if key not in (FORM_ARRAY, *handled)}


def unique(ids: list[str] | None) -> list[str]:
    """The ids in their first-seen order, each once."""
    return list(dict.fromkeys(ids or []))


def images_named(store: Store, ids: list[str], field: str = "body.image_ids[]") -> list[dict[str, Any]]:
    """The library's images with these public ids (read them, never change them); a 422 naming every
    unknown id otherwise."""
    images = [store.peek(IMAGES, image_id) for image_id in ids]
    unknown = [image_id for image_id, image in zip(ids, images, strict=True) if image is None]
    if unknown:
        raise Unprocessable(
            f"Unknown image ids: {', '.join(unknown)}",
            errors=[FieldError(field, "exists", f"no image with public_id {image_id}") for image_id in unknown],
        )
    return images  # type: ignore[return-value]


def image_view(image: dict[str, Any]) -> dict[str, Any]:
    """An image as the APIs show it: a copy, the caller's to change."""
    return clone({key: image[key] for key in ("infos", "public_id", "width", "height", "rotation", "album_id")})
