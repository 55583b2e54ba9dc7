"""rspec_api_documentation's JSON output: an ``index.json`` listing ``resources``, each with the
``examples`` it links to (``link``: a JSON file beside the index), ``combined.json`` (a list of
every example), and one JSON file per example:
``resource``, ``http_method``, ``route``, ``description``, ``explanation``, ``parameters``,
``response_fields`` and the recorded ``requests`` (method, path, headers, query parameters, body,
status, response headers and body). An index reads the examples it links to, never a file outside
its own folder; an example file can also be imported on its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from specmock.importers.model import METHODS, Document, Field, Operation, Response
from specmock.importers.problems import ImportFailure, Kind
from specmock.importers.reading import json_document, load_json, read_body
from specmock.importers.registry import importer
from specmock.importers.rspec_fields import documented_field, query_fields, route_fields
from specmock.importers.sources import inside, read_source

MAX_EXAMPLES = 2000
"""How many example files one index may link to."""


def _is_example(data: Any) -> bool:
    return isinstance(data, dict) and "http_method" in data and "route" in data and "requests" in data


def _kind(data: Any) -> str | None:
    """``index``, ``example``, ``combined`` (``combined.json``: a list of examples) or None."""
    if isinstance(data, dict) and isinstance(data.get("resources"), list):
        examples = [
            ex for resource in data["resources"] if isinstance(resource, dict) for ex in resource.get("examples") or []
        ]
        return "index" if all(isinstance(example, dict) and "link" in example for example in examples) else None
    if _is_example(data):
        return "example"
    if isinstance(data, list) and data and all(_is_example(example) for example in data):
        return "combined"
    return None


def detect(text: str) -> float:
    if text.lstrip()[:1] not in ("{", "[") or not ('"resources"' in text or '"http_method"' in text):
        return 0.0
    try:
        return 1.0 if _kind(load_json(text)) else 0.0
    except ValueError:
        return 0.0


@importer("rspec-json", detect=detect)
def parse(text: str, file: str) -> Document:
    """Read an rspec_api_documentation ``index.json`` (and the examples it links to) or one example."""
    document = Document(file, "rspec-json")
    data = json_document(text, document)
    if data is None:
        return document
    kind = _kind(data)
    if kind == "example":
        _example(document, data, file, 1)
    elif kind == "combined":
        for number, example in enumerate(data, start=1):
            _example(document, example, f"example {number}", _line_of(text, str(example.get("description") or "")))
    elif kind == "index":
        _index(document, data, Path(file).parent, text)
    else:
        document.warn(Kind.SKIPPED, "neither an rspec_api_documentation index nor an example: nothing imported", 1)
    return document


def _index(document: Document, index: dict[str, Any], folder: Path, text: str) -> None:
    links = 0
    for resource in (resource for resource in index["resources"] if isinstance(resource, dict)):
        for entry in resource.get("examples") or []:
            link = str(entry.get("link") or "")
            line = _line_of(text, link)
            links += 1
            if links > MAX_EXAMPLES:
                document.warn(Kind.SKIPPED, f"more than {MAX_EXAMPLES} examples: the rest left out", line)
                return
            target = inside(folder, link)
            if target is None:
                document.warn(Kind.SKIPPED, f"example link {link!r} leads outside the index's folder: left out", line)
                continue
            try:
                example = load_json(read_source(target, link))
            except ImportFailure as failure:
                document.warn(Kind.SKIPPED, f"example {link}: {failure.problem.message}: left out", line)
                continue
            except ValueError as error:
                document.warn(Kind.SKIPPED, f"example {link} is not readable JSON ({error}): left out", line)
                continue
            if _kind(example) != "example":
                document.warn(Kind.SKIPPED, f"{link} is not an rspec_api_documentation example: left out", line)
                continue
            document.sources.append(str(target))
            _example(document, example, link, line)


def _line_of(text: str, value: str) -> int | None:
    index = text.find(f'"{value}"') if value else -1
    return text.count("\n", 0, index) + 1 if index >= 0 else None


def _example(document: Document, example: dict[str, Any], where: str, line: int | None) -> None:
    method, route = str(example.get("http_method") or "").upper(), str(example.get("route") or "")
    if method not in METHODS or not route:
        document.warn(Kind.SKIPPED, f"{where}: no method and route ({method} {route!r}): left out", line)
        return
    resource = str(example.get("resource") or "")
    operation = Operation(
        method.lower(),
        "/" + route.lstrip("/"),
        document.file,
        line,
        str(example.get("description") or ""),
        tags=[resource] if resource else [],
    )
    operation.describe(str(example.get("explanation") or ""))

    def warn(kind: Kind, message: str) -> None:
        document.warn(kind, f"{where}: {operation.title}: {message}", line)

    operation.fields.extend(_fields(example.get("parameters"), line))
    response_fields = _fields(example.get("response_fields"), line)
    for request in (request for request in example.get("requests") or [] if isinstance(request, dict)):
        _request(operation, request, warn, line)
    for response in operation.responses:
        if 200 <= response.status < 300:
            response.fields.extend(response_fields)
    document.operations.append(operation)


def _fields(entries: Any, line: int | None) -> list[Field]:
    found = [documented_field(entry, line) for entry in entries or [] if isinstance(entry, dict)]
    return [field for field in found if field.name]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _headers(value: Any) -> dict[str, str]:
    return {str(name): str(text) for name, text in value.items()} if isinstance(value, dict) else {}


def _request(operation: Operation, request: dict[str, Any], warn, line: int | None) -> None:
    headers = _headers(request.get("request_headers"))
    known = {(field.location, field.name) for field in operation.fields}
    fields = [Field(name, "header", schema={"example": value}, line=line) for name, value in headers.items()]
    path = _text(request.get("request_path"))
    path_fields = route_fields(operation.path, path, line) if path else []
    if path_fields is None:
        warn(Kind.CONTRADICTION, f"the request path {path} does not match the route")
    fields += path_fields or []
    query = request.get("request_query_parameters")
    if isinstance(query, dict):
        fields += [Field(str(name), "query", schema={"example": value}, line=line) for name, value in query.items()]
    elif "?" in path:
        fields += query_fields(path.split("?", 1)[1], line)
    operation.fields.extend(field for field in fields if (field.location, field.name) not in known)
    status = request.get("response_status")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        warn(Kind.SKIPPED, f"a recorded request without a status ({status!r}): left out")
        return
    content_type = _text(request.get("request_content_type")) or headers.get("Content-Type")
    if body := read_body(_text(request.get("request_body")), content_type, lambda k, m: warn(k, f"request: {m}")):
        body.answered = status
        operation.requests.append(body)
    response_headers = _headers(request.get("response_headers"))
    response = Response(status, _text(request.get("response_status_text")), headers=response_headers, line=line)
    response_type = _text(request.get("response_content_type")) or response_headers.get("Content-Type")
    response.body = read_body(
        _text(request.get("response_body")), response_type, lambda k, m: warn(k, f"response: {m}")
    )
    operation.responses.append(response)
