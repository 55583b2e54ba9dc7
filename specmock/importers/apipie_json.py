"""apipie's static JSON (``rake apipie:static_json``, ``schema_apipie.json``): ``docs.resources``
(an object, or a list) of resources whose ``methods`` each list their ``apis`` (``api_url``,
``http_method``, ``short_description``), ``params`` (``full_name``, ``required``, ``allow_nil``,
``validator``, ``expected_type``, nested ``params``), ``headers``, ``errors``, ``returns`` and
recorded ``examples`` in the same text form as the HTML pages. Descriptions are HTML."""

from __future__ import annotations

from typing import Any

from specmock.importers.apipie_rules import add_examples, validation
from specmock.importers.htmltree import parse_html
from specmock.importers.model import METHODS, Document, Field, Operation, Response
from specmock.importers.problems import Kind
from specmock.importers.reading import json_document, load_json
from specmock.importers.registry import importer

EXPECTED_TYPES = {"string": "string", "numeric": "number", "hash": "object", "array": "array", "boolean": "boolean"}


def detect(text: str) -> float:
    head = text.lstrip()[:1]
    if head != "{" or '"http_method"' not in text or '"apis"' not in text:
        return 0.0
    try:
        docs = load_json(text)
    except ValueError:
        return 0.0
    return 1.0 if isinstance(docs, dict) and isinstance(docs.get("docs"), dict) else 0.0


def html_text(value: Any) -> str:
    """The text of an HTML fragment (apipie renders descriptions as HTML)."""
    return parse_html(value).text() if isinstance(value, str) and value.strip() else ""


def _resources(docs: dict[str, Any]) -> list[dict[str, Any]]:
    resources = docs.get("resources")
    values = resources.values() if isinstance(resources, dict) else resources if isinstance(resources, list) else []
    return [resource for resource in values if isinstance(resource, dict)]


@importer("apipie-json", detect=detect)
def parse(text: str, file: str) -> Document:
    """Read apipie's static JSON documentation."""
    document = Document(file, "apipie-json")
    data = json_document(text, document)
    if data is None:
        return document
    docs = data.get("docs") if isinstance(data, dict) else None
    if not isinstance(docs, dict):
        document.warn(Kind.SKIPPED, "no 'docs' object: nothing imported", 1)
        return document
    document.title = str(docs.get("name") or "")
    document.description = html_text(docs.get("info"))
    lines = _Lines(text)
    for resource in _resources(docs):
        name = str(resource.get("name") or resource.get("id") or "")
        for method in resource.get("methods") or []:
            if isinstance(method, dict):
                _method(document, name, method, lines)
    return document


class _Lines:
    """Line numbers of the ``api_url`` entries, found in the order the readers meet them."""

    def __init__(self, text: str) -> None:
        self.text, self.cursor = text, 0

    def of(self, value: str) -> int | None:
        index = self.text.find(f'"{value}"', self.cursor)
        if index < 0:
            return None
        self.cursor = index + 1
        return self.text.count("\n", 0, index) + 1


def _method(document: Document, resource: str, method: dict[str, Any], lines: _Lines) -> None:
    operations = []
    for api in method.get("apis") or []:
        verb, url = str(api.get("http_method") or "").upper(), str(api.get("api_url") or "")
        line = lines.of(url)
        if verb not in METHODS or not url.startswith("/"):
            document.warn(Kind.SKIPPED, f"api {verb} {url!r} is not a method and a path: left out", line)
            continue
        summary = str(api.get("short_description") or method.get("name") or "")
        operations.append(Operation(verb.lower(), url, document.file, line, summary, tags=[resource] * bool(resource)))
    if not operations:
        return

    def warn(kind: Kind, message: str, _line: int | None = None) -> None:
        where = ", ".join(operation.title for operation in operations)
        document.warn(kind, f"{where}: {message}", operations[0].line)

    fields = [found for param in method.get("params") or [] for found in _params(param, None, warn)]
    fields += [found for header in method.get("headers") or [] for found in _header(header)]
    responses = _responses(method)
    for operation in operations:
        operation.describe(html_text(method.get("full_description")))
        operation.fields.extend(fields)
        operation.responses.extend(Response(r.status, r.description, line=r.line) for r in responses)
    for example in method.get("examples") or []:
        if isinstance(example, str):
            add_examples(operations, list(enumerate(example.splitlines(), start=1)), warn)
    document.operations.extend(operations)


def _params(entry: Any, location: str | None, warn) -> list[Field]:
    if not isinstance(entry, dict):
        return []
    children = [found for child in entry.get("params") or [] for found in _params(child, location, warn)]
    if entry.get("show") is False:
        return children
    name = str(entry.get("full_name") or entry.get("name") or "")
    if not name:
        return children
    required = entry.get("required")
    found = Field(name, location, required if isinstance(required, bool) else None, html_text(entry.get("description")))
    if entry.get("allow_nil"):
        found.schema["nullable"] = True
    rules = [html_text(entry.get("validator"))] + [html_text(rule) for rule in entry.get("validations") or []]
    for rule in (rule for rule in rules if rule):
        validation(found, rule, None, warn)
    kind = EXPECTED_TYPES.get(str(entry.get("expected_type") or "").lower())
    if kind and "type" not in found.schema:
        found.schema["type"] = kind
    if "example" in entry and entry["example"] is not None:
        found.schema["example"] = entry["example"]
    return [found, *children]


def _header(entry: Any) -> list[Field]:
    if not isinstance(entry, dict) or not entry.get("name"):
        return []
    options = entry.get("options") if isinstance(entry.get("options"), dict) else {}
    required = options.get("required", entry.get("required"))
    described = html_text(entry.get("description"))
    return [Field(str(entry["name"]), "header", required if isinstance(required, bool) else None, described)]


def _responses(method: dict[str, Any]) -> list[Response]:
    """The documented ``errors`` and ``returns`` codes (their bodies come from the examples)."""
    found = []
    for entry in [*(method.get("errors") or []), *(method.get("returns") or [])]:
        code = entry.get("code") if isinstance(entry, dict) else None
        code = int(code) if isinstance(code, str) and code.isascii() and code.isdigit() and len(code) == 3 else code
        if isinstance(code, int) and not isinstance(code, bool) and 100 <= code <= 599:
            found.append(Response(code, html_text(entry.get("description"))))
    return found
