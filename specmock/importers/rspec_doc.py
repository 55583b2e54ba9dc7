"""rspec_api_documentation's markdown: ``# Resource API``, then per example ``## Title`` and
``### METHOD /path/:param``, an explanation, a ``### Parameters`` table (or ``Name : x`` lines), a
``### Response Fields`` table, and ``### Request`` / ``### Response`` whose ``#### Headers``,
``#### Route``, ``#### Query Parameters``, ``#### Body`` and ``#### Status`` hold ``<pre>`` blocks."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from markdown_it.tree import SyntaxTreeNode

from specmock.importers.markup import MarkdownReader, inline_text, line_of, markdown_tree, pre_text
from specmock.importers.model import METHOD_PATTERN, Document, Field, Operation, Response
from specmock.importers.problems import Kind
from specmock.importers.reading import parse_headers, parse_status, read_body
from specmock.importers.registry import importer
from specmock.importers.rspec_fields import documented_field, query_fields, route_fields

_CALL = re.compile(rf"^({METHOD_PATTERN})\s+(/?[\w{{:.~-][^\s]*|/)$")
_CALL_HEADING = re.compile(rf"^###\s+({METHOD_PATTERN})\s+/?[\w{{:]", re.M)
FIELD_SECTIONS = ("parameters", "response fields")
SECTIONS = (*FIELD_SECTIONS, "explanation", "request", "response")
PARTS = ("headers", "route", "query parameters", "body", "status", "curl")
REQUIRED_MARKS = ("*- required -*", "- required -")  # `Name : id *- required -*`
SKIPPED = "skipped"
Parts = dict[str, tuple[str, int | None]]


def detect(text: str) -> float:
    if not _CALL_HEADING.search(text):
        return 0.0
    return 1.0 if "#### " in text or "<pre>" in text else 0.6


@importer("rspec-doc", detect=detect)
def parse(text: str, file: str) -> Document:
    """Read an rspec_api_documentation markdown page (or several pages one after another)."""
    reader = _Reader(Document(file, "rspec-doc"))
    for node in markdown_tree(text).children:
        reader.visit(node)
    reader.finish_operation()
    return reader.document


def _documented_field(entry: dict[str, str], line: int | None, marked: bool = False) -> Field:
    """A parameter from a table row or from ``Name : x`` lines; in the latter, a parameter is
    required when marked ``*- required -*`` (or given ``Required : true``)."""
    name = entry.get("name", "").rstrip()
    mark = next((mark for mark in REQUIRED_MARKS if name.endswith(mark)), "")
    bare = name.removesuffix(mark).rstrip() if mark else name
    return documented_field({**entry, "name": bare}, line, bool(mark) if marked else None)


class _Reader(MarkdownReader):
    def __init__(self, document: Document) -> None:
        super().__init__(document)
        self.resource = ""
        self.example_title = ""
        self.notes: list[str] = []
        self.response_fields: list[Field] = []
        self.section = ""
        self.part = ""
        self.exchange: dict[str, Parts] = {}

    def visit(self, node: SyntaxTreeNode) -> None:
        line = line_of(node)
        if node.type == "heading":
            self.heading(int(node.tag[1]), inline_text(node), line)
        elif node.type == "table":
            self.table(node)
        elif node.type == "paragraph":
            self.paragraph(inline_text(node), line)
        elif node.type in ("html_block", "code_block", "fence"):
            self.block(pre_text(node.content) if node.type == "html_block" else node.content, line)
        else:
            self.warn(Kind.SKIPPED, f"{node.type.replace('_', ' ')} left out", line)

    def heading(self, level: int, text: str, line: int | None) -> None:
        call = _CALL.match(text)
        if level == 1:
            self.finish_operation()
            self.resource = text.removesuffix(" API").strip()
            self.document.title = self.document.title or text
        elif level == 2:
            self.finish_operation()
            self.example_title, self.notes = text, []
        elif level == 3 and call:
            self.finish_operation()
            self.operation = Operation(
                call[1].lower(),
                "/" + call[2].lstrip("/"),
                self.document.file,
                line,
                self.example_title,
                "\n\n".join(self.notes),
                tags=[self.resource] if self.resource else [],
            )
        elif level == 3 and text.lower() in SECTIONS and self.operation:
            if text.lower() == "request":
                self.finish_exchange()
            self.section, self.part = text.lower(), ""
        elif level == 4 and text.lower() in PARTS and self.section in ("request", "response"):
            self.part = text.lower()
        else:
            self.warn(Kind.SKIPPED, f"unknown section {'#' * level} {text!r} left out", line)
            if level == 4:
                self.part = SKIPPED
            else:
                self.section, self.part = SKIPPED, ""

    def paragraph(self, text: str, line: int | None) -> None:
        if SKIPPED in (self.section, self.part):
            return
        if self.section in FIELD_SECTIONS:
            entries: list[dict[str, str]] = []
            for row in text.splitlines():
                key, _, value = row.partition(":")
                if key.strip().lower() == "name" or not entries:
                    entries.append({})
                entries[-1][key.strip().lower()] = value.strip()
            marked = self.section == "parameters"
            self.add_fields([_documented_field(entry, line, marked) for entry in entries])
        elif self.operation and self.section in ("", "explanation"):
            self.operation.describe(text)
        elif self.operation is None and self.example_title:
            self.notes.append(text)
        elif self.operation is None:
            self.document.description = f"{self.document.description}\n\n{text}".strip()
        else:
            self.warn(Kind.SKIPPED, f"paragraph in the {self.section} section left out", line)

    def table(self, node: SyntaxTreeNode) -> None:
        rows = [row for part in node.children for row in part.children]
        if self.section == SKIPPED:
            return
        if not rows or self.section not in FIELD_SECTIONS:
            self.warn(Kind.SKIPPED, "table outside a Parameters or Response Fields section left out", line_of(node))
            return
        names = [inline_text(cell).lower() for cell in rows[0].children]
        self.add_fields(
            [
                _documented_field(dict(zip(names, map(inline_text, row.children), strict=False)), line_of(row))
                for row in rows[1:]
            ]
        )

    def add_fields(self, fields: list[Field]) -> None:
        named = [field for field in fields if field.name]
        if self.section == "response fields":
            self.response_fields.extend(named)
        elif self.operation:
            self.operation.fields.extend(named)

    def block(self, text: str, line: int | None) -> None:
        if SKIPPED in (self.section, self.part):
            return
        if self.section not in ("request", "response") or not self.part:
            self.warn(Kind.SKIPPED, "preformatted block outside a Request or Response part left out", line)
        elif self.part != "curl":
            self.exchange.setdefault(self.section, {})[self.part] = (text, line)

    def finish_operation(self) -> None:
        self.finish_exchange()
        if self.operation:
            for response in self.operation.responses:
                if 200 <= response.status < 300:
                    response.fields.extend(self.response_fields)
            self.document.operations.append(self.operation)
        self.operation, self.response_fields, self.section, self.part = None, [], "", ""

    def finish_exchange(self) -> None:
        exchange, self.exchange = self.exchange, {}
        known = len(self.operation.requests) if self.operation else 0
        if self.operation and "request" in exchange:
            self.request(self.operation, exchange["request"])
        if self.operation and "response" in exchange:
            self.response(self.operation, exchange["response"])
            for body in self.operation.requests[known:]:
                body.answered = self.operation.responses[-1].status

    def request(self, operation: Operation, parts: Parts) -> None:
        headers = parse_headers(parts.get("headers", ("", None))[0])
        fields = [Field(name, "header", schema={"example": value}) for name, value in headers.items()]
        if "route" in parts:
            fields += self.route(operation, *parts["route"])
        if "query parameters" in parts:
            fields += query_fields(*parts["query parameters"])
        known = {(field.location, field.name) for field in operation.fields}
        operation.fields.extend(field for field in fields if (field.location, field.name) not in known)
        if "body" in parts:
            text, at = parts["body"]
            body = read_body(
                text, headers.get("Content-Type"), lambda kind, note: self.warn(kind, f"request: {note}", at)
            )
            operation.requests.extend([body] if body else [])

    def route(self, operation: Operation, text: str, line: int | None) -> list[Field]:
        """Path parameter examples from the concrete route (``POST /api/v1/providers/<id>/...``)."""
        method, _, target = text.strip().partition(" ")
        if method.lower() != operation.method:
            self.warn(Kind.CONTRADICTION, f"the route says {method}", line)
        path_fields = route_fields(operation.path, target.strip(), line)
        if path_fields is None:
            self.warn(Kind.CONTRADICTION, f"the route {urlsplit(target.strip()).path} does not match the path", line)
        return (path_fields or []) + query_fields(urlsplit(target.strip()).query, line)

    def response(self, operation: Operation, parts: Parts) -> None:
        status_text, line = parts.get("status", ("", None))
        status = parse_status(status_text)
        if status is None:
            self.warn(Kind.ASSUMED, f"response without a status ({status_text.strip()!r}): taken as 200", line)
        code, reason = status or (200, "")
        headers = parse_headers(parts.get("headers", ("", None))[0])
        response = Response(code, reason, headers=headers, line=line)
        if "body" in parts:
            text, at = parts["body"]
            response.body = read_body(
                text, headers.get("Content-Type"), lambda kind, note: self.warn(kind, f"response: {note}", at)
            )
        operation.responses.append(response)
