"""The intermediate model: what every importer reads from a document and the draft builder turns
into OpenAPI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from specmock.importers.problems import ImportProblem, Kind

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
METHOD_PATTERN = "GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS"
METHODS = frozenset(METHOD_PATTERN.split("|"))  # the verbs a document may name, in upper case


@dataclass
class Field:
    """A documented parameter, header or body property.

    ``name`` may be nested the Rails way (``a[b]``, ``a[]``). ``location`` is ``path``, ``query``,
    ``header`` or ``body`` when the document says so, else None and the draft decides.
    ``schema`` holds what the document states: type, enum, format, pattern, example, nullable.
    """

    name: str
    location: str | None = None
    required: bool | None = None
    description: str = ""
    schema: dict[str, Any] = field(default_factory=dict)
    line: int | None = None


@dataclass
class Body:
    """A request or response body: its media type and the example values the document shows.
    ``answered`` is the status a recorded request got: one answered 4xx or 5xx shows a request
    the API refuses, not a valid one."""

    media_type: str
    examples: list[Any] = field(default_factory=list)
    answered: int | None = None

    @property
    def refused(self) -> bool:
        return self.answered is not None and self.answered >= 400


@dataclass
class Response:
    """A documented answer; ``schema`` is its body's schema when the document states one."""

    status: int
    description: str = ""
    body: Body | None = None
    headers: dict[str, str] = field(default_factory=dict)
    fields: list[Field] = field(default_factory=list)
    schema: dict[str, Any] | None = None
    line: int | None = None


@dataclass
class Operation:
    """One documented call. ``path`` is as written (``:id`` or ``{id}``); ``fields`` holds every
    documented parameter, request header and request body property; ``requests`` the request
    bodies its examples show; ``request_schema`` the whole request body's schema when the document
    states one (API Blueprint attributes)."""

    method: str
    path: str
    file: str
    line: int | None = None
    summary: str = ""
    description: str = ""
    tags: list[str] = field(default_factory=list)
    fields: list[Field] = field(default_factory=list)
    requests: list[Body] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    request_schema: dict[str, Any] | None = None

    @property
    def title(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def describe(self, text: str) -> None:
        """Add a paragraph to the description."""
        if text.strip():
            self.description = f"{self.description}\n\n{text.strip()}".strip()


@dataclass
class Document:
    """What one importer read from one file, and what it had to leave out or guess."""

    file: str
    format: str
    title: str = ""
    description: str = ""
    base: str | None = None
    operations: list[Operation] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    """Further files read for this document (the examples an index links to)."""

    def warn(self, kind: Kind, message: str, line: int | None = None) -> None:
        self.problems.append(ImportProblem(kind, message, self.file, line))
