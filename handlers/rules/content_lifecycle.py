"""Content requests: input normalisation, status transitions, filters and ordering."""

from __future__ import annotations

import operator
import re
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from specmock.problems import Conflict, FieldError, Unprocessable
from specmock.sorted_index import Ordering

TIME_TYPES = {"one_time": "One-Time", "multi_use": "Multi-Use"}
PENDING, COMPLETED, CANCELED = "pending", "completed", "canceled"
SORT_FIELDS = ("created_at", "name", "recipient", "expiration_date")
TEXT_SORT_FIELDS = ("name", "recipient")
_DATE = re.compile(r"^(\d{4})[/-](\d{2})[/-](\d{2})$")


def new_token() -> str:
    """A fresh 16-hex token: the recipient's unguessable link."""
    return secrets.token_hex(8)


def link_for_copy(token: str) -> str:
    return f"/content_requests/{token}"


def parse_input_date(value: str, field: str) -> date:
    """``2022/06/07`` or ``2022-06-07`` as a date; a date that does not exist is a 422."""
    match = _DATE.match(value)
    try:
        if not match:
            raise ValueError("expected YYYY/MM/DD")
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise Unprocessable(
            f"{field}: {value!r} is not a calendar date ({exc})",
            errors=[FieldError(field, "date", f"{value!r} is not a calendar date")],
        ) from None


def output_date(day: date) -> str:
    """The answered form: midnight UTC with milliseconds, ``2022-06-07T00:00:00.000Z``."""
    return f"{day.isoformat()}T00:00:00.000Z"


def is_expired(expiration: str, today: date) -> bool:
    """A request can be completed through the end of its expiration day (UTC)."""
    return date.fromisoformat(expiration[:10]) < today


def today_utc() -> date:
    return datetime.now(UTC).date()


def cancel(record: dict[str, Any]) -> dict[str, Any]:
    """pending -> canceled; anything else is a conflict."""
    if record["status"] != PENDING:
        raise Conflict(f"Only a pending content request can be canceled; this one is {record['status']}")
    return {"status": CANCELED}


def complete(record: dict[str, Any], media_files: list[dict[str, Any]], today: date) -> dict[str, Any]:
    """pending -> completed (a Multi-Use request may be completed again); the changes to store."""
    if record["status"] == CANCELED:
        raise Conflict("A canceled content request cannot be completed")
    if is_expired(record["expiration_date"], today):
        raise Conflict(f"The content request expired on {record['expiration_date'][:10]}")
    if record["status"] == COMPLETED and record["time_type"] == TIME_TYPES["one_time"]:
        raise Conflict("A One-Time content request can be completed only once")
    return {"status": COMPLETED, "media_files": [*record.get("media_files", []), *media_files]}


def matcher(owner: int, pending: bool, query: str | None) -> Callable[[dict[str, Any]], bool]:
    """The list filters as one predicate: the owner's requests, ``pending`` (pending vs the rest)
    and the case-insensitive search in name, recipient and prompt."""
    needle = query.casefold() if query else None

    def accepts(record: dict[str, Any]) -> bool:
        if record["owner"] != owner or (record["status"] == PENDING) != pending:
            return False
        return needle is None or any(
            needle in str(record.get(key, "")).casefold() for key in ("name", "recipient", "prompt"))

    return accepts


def sort_key(sort_by: str) -> Callable[[dict[str, Any]], tuple[Any, int]]:
    """Order by ``sort_by`` (text case-insensitively), ties broken by id."""
    if sort_by not in SORT_FIELDS:
        raise ValueError(f"cannot sort by {sort_by!r}")

    if sort_by in TEXT_SORT_FIELDS:
        return lambda record: (str(record.get(sort_by, "")).casefold(), record["id"])
    return lambda record: (record.get(sort_by) or "", record["id"])  # ISO timestamps order as text


def listed_in(record: dict[str, Any]) -> tuple[Any, bool]:
    """The list a request shows in without a search: its owner's, pending or not (``matcher``)."""
    return record.get("owner"), record.get("status") == PENDING


# Each owner's pending and other requests in the order of ``sort_key("created_at")``: the default
# list (newest first) is a slice of it, its total a length, however many requests are stored.
BY_CREATION = Ordering("listed by creation", listed_in, sort_key("created_at"))


def fast_sort_key(sort_by: str) -> Callable[[dict[str, Any]], tuple[Any, int]]:
    """``sort_key`` in C for the timestamp fields, which the mock always stores as text: it raises
    ``KeyError`` or ``TypeError`` on a record lacking one (loaded fixtures may), and then
    ``sort_key`` orders such records as empty."""
    if sort_by in TEXT_SORT_FIELDS:
        return sort_key(sort_by)
    if sort_by not in SORT_FIELDS:
        raise ValueError(f"cannot sort by {sort_by!r}")
    return operator.itemgetter(sort_by, "id")


def ref_key(ref: str) -> tuple[str, int | str]:
    """What a ``{ref}`` of PUT/DELETE names: a 16-hex token, or else an integer id."""
    return ("token", ref) if len(ref) == 16 else ("id", int(ref))


def is_pending_flag(value: str) -> bool:
    return value in ("true", "1")
