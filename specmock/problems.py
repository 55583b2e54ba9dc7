"""One exception hierarchy and one problem builder: every error leaves the server as an
RFC 9457 ``application/problem+json`` body that names the field and the rule where there is one."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from http import HTTPStatus
from typing import Any

from connexion.exceptions import ProblemException

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class FieldError:
    """One violated rule: ``field`` is where (``body.pet.name``, ``query.page``)."""

    field: str
    rule: str
    message: str


class Problem(ProblemException):
    """Base of every error specmock raises on purpose. Subclasses fix the status."""

    status_code_default = 500

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | tuple[FieldError, ...] = (),
        headers: dict[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        status = status or self.status_code_default
        super().__init__(
            status=status,
            title=HTTPStatus(status).phrase,
            detail=detail,
            headers=headers,
            ext={"errors": [asdict(error) for error in errors]} if errors else None,
        )
        self.errors = tuple(errors)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}, {self.detail!r})"


class BadRequest(Problem):
    status_code_default = 400

    @classmethod
    def for_field(cls, field: str, rule: str, message: str) -> BadRequest:
        return cls(f"{field}: {message}", errors=[FieldError(field, rule, message)])


class Unauthorized(Problem):
    status_code_default = 401


class Forbidden(Problem):
    status_code_default = 403


class NotFound(Problem):
    status_code_default = 404


class MethodNotAllowed(Problem):
    status_code_default = 405


class Conflict(Problem):
    status_code_default = 409


class PayloadTooLarge(Problem):
    status_code_default = 413


class UriTooLong(Problem):
    status_code_default = 414


class UnsupportedMediaType(Problem):
    """415: the body's media type (its ``Content-Type``) is not one the operation takes."""

    status_code_default = 415


class Unprocessable(Problem):
    status_code_default = 422


class InsufficientStorage(Problem):
    """507: the write could not be made durable (``specmock.storage.StorageUnavailable``) and was undone."""

    status_code_default = 507


def problem_body(
    status: int, detail: str, *, instance: str | None = None, title: str | None = None, ext: dict | None = None
) -> dict[str, Any]:
    """The problem document itself (the one shape every error response has)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or HTTPStatus(status).description,
    }
    if instance:
        body["instance"] = instance
    if ext:
        body.update(ext)
    if "errors" not in body and (implied := _implied_error(status, body["detail"])) is not None:
        body["errors"] = [asdict(implied)]
    return body


def _implied_error(status: int, detail: str) -> FieldError | None:
    """The field and rule of a problem Connexion raises with a detail only (its verdicts are kept as
    they are): the media type of a 415, the missing body of its "RequestBody is required"."""
    if status == 415:
        return FieldError("header.Content-Type", "media-type", detail)
    if status == 400 and detail == "RequestBody is required":
        return FieldError("body", "required", "a request body is required")
    return None
