"""The OpenAPI 3.0.3 draft built from the operations every document described.

Operations at the same path and method (several examples of one call, or one call documented in
several files) merge into one; where their mentions disagree the first wins and the conflict is
reported. Headers that carry credentials become security schemes; headers every web framework adds
(``Content-Length``, ``X-Runtime``...) are left out.
"""

from __future__ import annotations

import json
import keyword
import re
from http import HTTPStatus
from typing import Any

from specmock.importers.added import PROBLEM, add_error_responses
from specmock.importers.conformance import UNMATCHED, check_operation
from specmock.importers.fields import (
    apply_fields,
    documented_schema,
    form_values_typed,
    overlay,
    property_paths,
    report_coverage,
)
from specmock.importers.infer import infer_schema, untyped
from specmock.importers.model import Document, Field, Operation, Response
from specmock.importers.paths import VARIABLE, Placed, merge_variable_names, place
from specmock.importers.problems import ImportProblem, Kind
from specmock.importers.reading import FORM, JSON

DRAFT_VERSION = "0.1.0-draft"
REFUSED = "x-specmock-refused-examples"
"""Request bodies the document shows refused (answered 4xx or 5xx): kept for negative tests, not
used to infer the schema."""
SUCCESS = {"post": 201, "delete": 204}
"""The status assumed for an operation whose document shows no successful answer (else 200)."""
PARAMETER_ORDER = ("path", "query", "header", "credential", "body")
NO_BODY = ("get", "delete", "head", "options", "trace")
IGNORED_REQUEST_HEADERS = frozenset(
    {"host", "content-type", "content-length", "cookie", "accept", "accept-encoding", "connection", "user-agent"}
)
CREDENTIAL_HEADERS = frozenset({"authorization", "authentication", "proxy-authorization"})
CREDENTIAL_WORDS = frozenset({"token", "auth", "key", "apikey", "secret", "signature", "session", "jwt", "credentials"})
"""A request header with one of these words in its name (``X-Something-Token``, ``X-Api-Key``,
``X-Auth-Email``) carries credentials."""
TRANSPORT_RESPONSE_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "date",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "server",
        "vary",
        "x-runtime",
        "p3p",
        "x-frame-options",
        "x-xss-protection",
        "x-content-type-options",
        "x-download-options",
        "x-permitted-cross-domain-policies",
        "referrer-policy",
        "strict-transport-security",
    }
)


def build_draft(documents: list[Document]) -> tuple[dict[str, Any], list[ImportProblem]]:
    """The OpenAPI document and every problem (the importers' and the draft's), by file and line;
    the problems are also listed in the draft under ``x-specmock-import-warnings``."""
    builder = _Builder()
    draft = builder.build(documents)
    order = {document.file: index for index, document in enumerate(documents)}
    problems = sorted(
        [problem for document in documents for problem in document.problems] + builder.problems,
        key=lambda problem: (order.get(problem.file, len(order)), problem.line or 0),
    )
    draft["x-specmock-import-warnings"] = [problem.as_dict() for problem in problems]
    return draft, problems


def is_credential(header: str) -> bool:
    """Whether a request header's name says it carries credentials."""
    name = header.lower()
    return name in CREDENTIAL_HEADERS or bool(CREDENTIAL_WORDS & set(re.split(r"[-_.]+", name)))


def _snake(text: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()


def python_name(text: str) -> str:
    """``text`` as a valid Python identifier (what Connexion resolves an operationId to): letters,
    digits and ``_``, never starting with a digit, never a keyword."""
    name = _snake(text)[:60].strip("_") or "operation"
    name = f"op_{name}" if name[0].isdigit() else name
    return f"{name}_" if keyword.iskeyword(name) else name


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Response"


def _distinct(values: list[Any]) -> list[Any]:
    return list({json.dumps(value, sort_keys=True, default=str): value for value in values}.values())


class _Builder:
    def __init__(self) -> None:
        self.problems: list[ImportProblem] = []
        self.schemes: dict[str, dict[str, Any]] = {}
        self.operation_ids: set[str] = set()
        self.added_errors = False

    def warn(self, operation: Operation | None, kind: Kind, message: str) -> None:
        file, line = (operation.file, operation.line) if operation else (None, None)
        self.problems.append(ImportProblem(kind, message, file, line))

    def build(self, documents: list[Document]) -> dict[str, Any]:
        servers, placed = place(documents, self.warn)
        merge_variable_names(placed, self.warn)
        grouped: dict[tuple[str, str], list[Placed]] = {}
        for entry in placed:
            grouped.setdefault((entry.path, entry.operation.method), []).append(entry)
        paths: dict[str, dict[str, Any]] = {}
        for (path, method), entries in grouped.items():
            paths.setdefault(path, {})[method] = self.operation(path, entries)
        titles = list(dict.fromkeys(document.title for document in documents if document.title))
        sources = ", ".join(f"`{document.file}` ({document.format})" for document in documents)
        notes = [document.description for document in documents if document.description]
        draft: dict[str, Any] = {
            "openapi": "3.0.3",
            "info": {
                "title": " + ".join(titles) or "Imported API",
                "version": DRAFT_VERSION,
                "description": "\n\n".join(
                    [
                        f"Draft imported by `specmock import` from {sources}. Review every entry of "
                        "`x-specmock-import-warnings` before treating it as a contract.",
                        *notes,
                    ]
                ),
            },
        }
        if servers:
            draft["servers"] = [{"url": url} for url in servers]
        tags = dict.fromkeys(tag for item in paths.values() for op in item.values() for tag in op.get("tags", []))
        if tags:
            draft["tags"] = [{"name": tag} for tag in tags]
        draft["paths"] = paths
        if self.schemes:
            draft.setdefault("components", {})["securitySchemes"] = self.schemes
        if self.added_errors:
            draft.setdefault("components", {})["schemas"] = {"Problem": PROBLEM}
        return draft

    def operation(self, path: str, entries: list[Placed]) -> dict[str, Any]:
        operations = [entry.operation for entry in entries]
        first, where = operations[0], f"{operations[0].method.upper()} {path}"
        files = list(dict.fromkeys(operation.file for operation in operations))
        if len(files) > 1:
            self.warn(first, Kind.MERGED, f"{where} is documented in {', '.join(files)}: merged")
        result: dict[str, Any] = {"operationId": self.operation_id(first, path)}
        summary = next((operation.summary for operation in operations if operation.summary), "")
        description = "\n\n".join(dict.fromkeys(op.description for op in operations if op.description))
        tags = list(dict.fromkeys(tag for operation in operations for tag in operation.tags))
        for key, value in (("summary", summary), ("description", description), ("tags", tags)):
            if value:
                result[key] = value
        fields = self.fields(where, entries)
        queried = [field.name for field in fields if field.location == "query"]
        parameters = [
            self.parameter(first, where, field)
            for field in sorted(fields, key=lambda field: PARAMETER_ORDER.index(field.location))
            if field.location in ("path", "header")
            or (field.location == "query" and not any(name.startswith(f"{field.name}[") for name in queried))
        ]
        if parameters:
            result["parameters"] = parameters
        if credentials := [field for field in fields if field.location == "credential"]:
            result["security"] = [{self.scheme(field): [] for field in credentials}]
        body_fields = [field for field in fields if field.location == "body"]
        if request_body := self.request_body(first, where, operations, body_fields):
            result["requestBody"] = request_body
        result["responses"] = self.responses(first, where, operations)
        self.added_errors |= add_error_responses(result, path)

        def unmatched(at: str, reason: str) -> None:
            self.warn(first, Kind.CONTRADICTION, f"{at} does not fit its schema ({reason}): moved to {UNMATCHED}")

        check_operation(result, where, unmatched)
        return result

    def operation_id(self, operation: Operation, path: str) -> str:
        summary = operation.summary if re.search(r"[A-Za-z]{2}", operation.summary) else ""
        base = python_name(summary or f"{operation.method} {VARIABLE.sub('', path)}")
        candidate, number = base, 2
        while candidate in self.operation_ids:
            candidate, number = f"{base}_{number}", number + 1
        self.operation_ids.add(candidate)
        return candidate

    def fields(self, where: str, entries: list[Placed]) -> list[Field]:
        """The documented fields, one per (location, name), each located: ``path``, ``query``,
        ``header``, ``credential`` (a header carrying credentials) or ``body``. Every path variable
        has one."""
        variables = VARIABLE.findall(entries[0].path)
        groups: dict[tuple[str, str], tuple[str, list[Field]]] = {}
        mentions: dict[tuple[str, str], set[int]] = {}
        stating: dict[str, set[int]] = {}  # location -> the entries that say what is required there
        for index, entry in enumerate(entries):
            operation = entry.operation
            for found in operation.fields:
                name = entry.renames.get(found.name, found.name)
                default = "path" if name in variables else "query" if operation.method in NO_BODY else "body"
                location = found.location or default
                if location == "path" and name not in variables:
                    self.warn(operation, Kind.SKIPPED, f"{where}: path parameter {name} is not in the path: left out")
                    continue
                if location == "header" and name.lower() in IGNORED_REQUEST_HEADERS:
                    continue
                if location == "header" and is_credential(name):
                    location = "credential"
                key = name.lower() if location in ("header", "credential") else name
                groups.setdefault((location, key), (name, []))[1].append(found)
                mentions.setdefault((location, key), set()).add(index)
                if found.required is not None and any(200 <= r.status < 300 for r in operation.responses):
                    stating.setdefault(location, set()).add(index)
        for variable in variables:
            groups.setdefault(("path", variable), (variable, []))
        first = entries[0].operation
        merged = []
        for (location, key), (name, found) in groups.items():
            field = self.merge(first, where, location, name, found)
            absent = stating.get(location, set()) - mentions.get((location, key), set())
            if field.required and absent and location != "path":
                self.warn(
                    first,
                    Kind.MERGED,
                    f"{where}: {location} field {name} is required in {len(stating[location]) - len(absent)} of the "
                    f"{len(stating[location])} merged descriptions and absent from the others: taken as optional",
                )
                field.required = False
            merged.append(field)
        return merged

    def merge(self, operation: Operation, where: str, location: str, name: str, fields: list[Field]) -> Field:
        """One field from every mention of it; where they disagree the first wins (required over
        optional), with a warning."""
        where = f"{where}: {location} field {name}"
        required = {found.required for found in fields} - {None}
        types = list(dict.fromkeys(found.schema["type"] for found in fields if "type" in found.schema))
        if len(required) > 1:
            self.warn(
                operation,
                Kind.CONTRADICTION,
                f"{where} is documented both as required and as optional: taken as required",
            )
        if len(types) > 1:
            self.warn(
                operation, Kind.CONTRADICTION, f"{where} is documented as {' and as '.join(types)}: taken as {types[0]}"
            )
        schema: dict[str, Any] = {}
        for found in fields:
            for key, value in found.schema.items():
                schema.setdefault(key, value)
        defaults = list(dict.fromkeys(str(found.schema["default"]) for found in fields if "default" in found.schema))
        if len(defaults) > 1:
            self.warn(operation, Kind.MERGED, f"{where} has different defaults ({', '.join(defaults)}): none kept")
            del schema["default"]
        described = list(dict.fromkeys(found.description for found in fields if found.description))
        if renamed := sorted({found.name for found in fields if found.name != name}):
            described.append(f"Documented as `{'`, `'.join(renamed)}`.")
        line = fields[0].line if fields else None
        return Field(name, location, max(required) if required else None, " ".join(described), schema, line)

    def parameter(self, operation: Operation, where: str, field: Field) -> dict[str, Any]:
        if field.location == "path" and field.required is False:
            self.warn(
                operation,
                Kind.CONTRADICTION,
                f"{where}: path parameter {field.name} is documented as optional: path parameters are always required",
            )
        result: dict[str, Any] = {
            "name": field.name,
            "in": field.location,
            "required": field.location == "path" or bool(field.required),
        }
        if field.description:
            result["description"] = field.description
        schema = documented_schema(field.schema)
        if "example" in schema:
            result["example"] = schema.pop("example")
        if "type" not in schema and "anyOf" not in schema:
            schema["type"] = "string"
        result["schema"] = schema
        return result

    def scheme(self, field: Field) -> str:
        """The security scheme a credential header hints at (``Token token=...``, ``Bearer ...``)."""
        header, words = field.name, str(field.schema.get("example", "")).split()
        word = words[0] if len(words) > 1 and words[0].isalpha() else ""
        scheme: dict[str, Any] = {"type": "apiKey", "in": "header", "name": header}
        if header.lower() == "authorization" and word.lower() in ("basic", "bearer"):
            scheme = {"type": "http", "scheme": word.lower()}
        shown = f"{word} <credential>" if word else "<credential>"
        scheme["description"] = f"Hinted by the documented request header `{header}: {shown}`."
        camel = re.sub(r"[^0-9A-Za-z]", "", header.title())
        label = f"{word.capitalize()}Auth" if word else camel
        if self.schemes.get(label, scheme) != scheme:
            label = f"{label}{camel}"
        self.schemes.setdefault(label, scheme)
        return label

    def request_body(
        self, operation: Operation, where: str, operations: list[Operation], fields: list[Field]
    ) -> dict[str, Any] | None:
        by_type: dict[str, list[Any]] = {}
        refused: dict[str, list[dict[str, Any]]] = {}
        for body in (body for operation in operations for body in operation.requests):
            if body.refused:
                refused.setdefault(body.media_type, []).extend(
                    {"status": body.answered, "value": value} for value in body.examples
                )
            else:
                by_type.setdefault(body.media_type, []).extend(body.examples)
        for media_type in refused:
            by_type.setdefault(media_type, [])
        documented = next((op.request_schema for op in operations if op.request_schema is not None), None)
        if not by_type and not fields and documented is None:
            return None
        if len(by_type) > 1:
            self.warn(
                operation, Kind.CONTRADICTION, f"{where}: request bodies of several media types: {', '.join(by_type)}"
            )
        content = {
            media_type: self.media(operation, f"{where} request body", examples, fields, media_type == FORM, documented)
            for media_type, examples in (by_type or {JSON: []}).items()
        }
        for media_type, bodies in refused.items():
            content[media_type][REFUSED] = bodies
        stated = bool(documented and documented.get("required"))
        required = any(by_type.values()) or any(field.required for field in fields) or stated
        return {"required": required, "content": content}

    def responses(self, operation: Operation, where: str, operations: list[Operation]) -> dict[str, Any]:
        by_status: dict[int, list[Response]] = {}
        for response in (response for operation in operations for response in operation.responses):
            by_status.setdefault(response.status, []).append(response)
        if not any(200 <= status < 300 for status in by_status):
            status = SUCCESS.get(operation.method, 200)
            self.warn(
                operation,
                Kind.ASSUMED,
                f"{where}: no successful response documented: {status} {_phrase(status)} assumed",
            )
            by_status[status] = [Response(status, f"{_phrase(status)} (assumed: the document shows no success)")]
        result = {}
        for status, responses in sorted(by_status.items()):
            described = next((response.description for response in responses if response.description), "")
            entry: dict[str, Any] = {"description": described or _phrase(status)}
            if headers := self.response_headers(responses):
                entry["headers"] = headers
            fields: dict[str, Field] = {}
            for found in (found for response in responses for found in response.fields):
                fields.setdefault(found.name, found)
            by_type: dict[str, list[Any]] = {}
            for body in (response.body for response in responses if response.body):
                by_type.setdefault(body.media_type, []).extend(body.examples)
            documented = next((response.schema for response in responses if response.schema is not None), None)
            if (fields or documented is not None) and not by_type:
                by_type[JSON] = []
            if by_type:
                entry["content"] = {
                    media_type: self.media(
                        operation, f"{where} response {status}", examples, [*fields.values()], False, documented
                    )
                    for media_type, examples in by_type.items()
                }
            result[str(status)] = entry
        return result

    @staticmethod
    def response_headers(responses: list[Response]) -> dict[str, Any]:
        """Every header the responses show but the transport ones; required when all of them show it."""
        headers: dict[str, tuple[str, str, list[Response]]] = {}
        for response in responses:
            for name, value in response.headers.items():
                if name.lower() not in TRANSPORT_RESPONSE_HEADERS:
                    headers.setdefault(name.lower(), (name, value, []))[2].append(response)
        return {
            name: {"required": len(seen) == len(responses), "schema": {"type": "string"}, "example": value}
            for name, value, seen in headers.values()
        }

    def media(
        self,
        operation: Operation,
        where: str,
        examples: list[Any],
        fields: list[Field],
        form: bool,
        documented: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A media type object: the schema inferred from the examples with the documented schema and
        fields put over it (over the items of a list), and the examples."""

        def warn(kind: Kind, message: str) -> None:
            self.warn(operation, kind, f"{where}: {message}")

        schema = infer_schema(examples) if examples else {"type": "object"}
        if documented is not None:
            if not examples:
                schema = {}
            seen = property_paths(schema) if examples else set()
            overlay(schema, documented, "the body", warn)
            report_coverage(schema, seen, property_paths(documented), warn)
        described = schema.get("items", {}) if schema.get("type") == "array" else schema

        if fields and described.get("type") == "object":
            apply_fields(described, fields, form, warn)
        elif fields:
            warn(Kind.CONTRADICTION, "the example is not an object: the documented fields were not applied")
        if pointers := untyped(schema):
            warn(Kind.INCOMPLETE, f"null in every example, so of unknown type: {', '.join(pointers)}")
        media: dict[str, Any] = {"schema": schema}
        distinct = _distinct([form_values_typed(example, schema) for example in examples] if form else examples)
        if len(distinct) == 1:
            media["example"] = distinct[0]
        elif distinct:
            media["examples"] = {f"example{number}": {"value": value} for number, value in enumerate(distinct, 1)}
        return media
