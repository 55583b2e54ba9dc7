"""apipie pages, as text or as HTML: a ``METHOD /path`` line (an ``<h1>``) opens each call, then its
short description and the sections ``Params`` and ``Headers`` (name, ``required``/``optional``,
description, ``Example:`` and ``Validations:`` bullets), ``Errors``, ``Examples`` (recorded calls),
and the description sections ``Request headers``, ``Request body example``, ``Success response
body`` and ``Error codes`` that many apipie sites write."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from specmock.importers.markup import Lines, html_lines, looks_like_html
from specmock.importers.model import METHOD_PATTERN, Body, Document, Field, Operation, Response
from specmock.importers.problems import Kind
from specmock.importers.reading import JSON, Warn, form_values, read_body, schema_type
from specmock.importers.registry import importer

_START = re.compile(rf"^({METHOD_PATTERN})\s+(/\S*)\s*$")
_NAME = re.compile(r"^[\w.-]+(\[[\w.-]*\])*$")
_NEED = re.compile(r"^(?P<need>required|optional)\s*(?P<extra>(,\s*(nil|blank) allowed\s*)*)$", re.I)
_HEADER = re.compile(r"^\s*(?P<name>[\w-]+)\s+-\s+(?P<type>\w+)\s+-\s+(?P<need>required|optional)\b", re.I)
_HEADER_EXAMPLE = re.compile(r'^\s*Example of (?P<name>[\w-]+) header\s*:\s*"?(?P<value>.*?)"?\s*$', re.I)
_ONE_OF = re.compile(r"^Must be one of:\s*(?P<values>.*?)\.?$", re.I)
_PATTERN = re.compile(r"^Must match regular expression\s*/(?P<pattern>.*)/[a-z]*\.?$", re.I)
_TYPE = re.compile(r"^Must be an? (?P<type>\w+)", re.I)
_BULLET = re.compile(r"^[•*-]\s*")
_STATUS_LINE = re.compile(r"^(?P<status>[1-5]\d\d)\b\s*(?P<text>.*)$")
_VARIABLE_SEGMENT = re.compile(r"^(:\w+|\{[^}]+\})$")
SECTIONS = (
    "Params",
    "Headers",
    "Errors",
    "Examples",
    "Request headers",
    "Request body example",
    "Success response body",
    "Error codes",
)
SKIPPED_SECTIONS = ("Metadata",)
IGNORED_SECTIONS = ("Supported Formats",)  # the media types come from the examples
ALL_SECTIONS = SECTIONS + SKIPPED_SECTIONS + IGNORED_SECTIONS
SUCCESS = "Success"  # the description of the answer a 'Success response body' shows
TABLE_HEADS = frozenset(
    {
        "Param name Description",
        "Param name",
        "Header name Description",
        "Header name",
        "Code Description",
        "Code",
        "Description",
        "Validations:",
    }
)
LineWarn = Callable[[Kind, str, int | None], None]


def _lines(text: str) -> Lines:
    return html_lines(text) if looks_like_html(text) else list(enumerate(text.splitlines(), start=1))


def detect(text: str) -> float:
    lines = [line for _, line in _lines(text)]
    if not any(_START.match(line) for line in lines):
        return 0.0
    return 1.0 if any(line.strip() in SECTIONS or line.strip() == "Validations:" for line in lines) else 0.4


@importer("apipie", detect=detect)
def parse(text: str, file: str) -> Document:
    """Read an apipie page (text or HTML)."""
    document = Document(file, "apipie")
    for start, block in _blocks(_lines(text)):
        document.operations.append(_operation(document, start, block))
    if any(response.description == SUCCESS for operation in document.operations for response in operation.responses):
        document.warn(Kind.ASSUMED, "apipie pages give no status for 'Success response body': taken as 200")
    return document


def _calls_match(call: str, example: re.Match) -> bool:
    """Whether an example's ``GET /users/7?x=1`` is a call of ``GET /users/:id``."""
    method, _, template = call.partition(" ")
    expected, actual = template.strip().strip("/").split("/"), urlsplit(example[2]).path.strip("/").split("/")
    return (
        method == example[1]
        and len(expected) == len(actual)
        and all(one == other or _VARIABLE_SEGMENT.match(one) for one, other in zip(expected, actual, strict=True))
    )


def _blocks(lines: Lines) -> list[tuple[tuple[int, str], Lines]]:
    """Each call's ``METHOD /path`` line and the lines up to the next; inside ``Examples`` a line
    calling the same path is a recorded example, not a new call."""
    blocks: list[tuple[tuple[int, str], Lines]] = []
    section = ""
    for number, line in lines:
        start = _START.match(line)
        if start and not (section == "Examples" and blocks and _calls_match(blocks[-1][0][1], start)):
            blocks.append(((number, line.strip()), []))
            section = ""
        elif blocks:
            if line.strip() in ALL_SECTIONS and not line[:1].isspace():
                section = line.strip()
            blocks[-1][1].append((number, line))
    return blocks


def _sections(block: Lines) -> tuple[Lines, dict[str, tuple[int, Lines]]]:
    """The lines before the first section, and each section's heading line and lines."""
    preamble: Lines = []
    sections: dict[str, tuple[int, Lines]] = {}
    current = preamble
    for number, line in block:
        title = line.strip()
        if not line[:1].isspace() and title in ALL_SECTIONS:
            sections[title] = (number, [])
            current = sections[title][1]
        else:
            current.append((number, line))
    return preamble, sections


def _operation(document: Document, start: tuple[int, str], block: Lines) -> Operation:
    number, line = start
    method, path = _START.match(line).groups()  # type: ignore[union-attr]
    operation = Operation(method.lower(), path, document.file, number)

    def warn(kind: Kind, message: str, at: int | None) -> None:
        document.warn(kind, f"{operation.title}: {message}", at)

    preamble, sections = _sections(block)
    text = [line.strip() for _, line in preamble if line.strip()]
    if text:
        operation.summary = text[0]
        operation.describe(" ".join(text[1:]))
    for title, (at, lines) in sections.items():
        if title in IGNORED_SECTIONS:
            continue
        if title in SKIPPED_SECTIONS:
            warn(Kind.SKIPPED, f"section '{title}' left out", at)
        elif title == "Request headers":
            _custom_headers(operation, lines)
        elif title in ("Params", "Headers"):
            operation.fields.extend(_params(lines, "header" if title == "Headers" else None, warn))
        elif title in ("Errors", "Error codes"):
            operation.responses.extend(_errors(lines))
        elif title == "Examples":
            _examples(operation, lines, warn)
        else:
            body = _body(lines, _located(warn, title.lower(), at))
            if title == "Request body example":
                operation.requests.extend([body] if body else [])
            else:
                operation.responses.append(Response(200, SUCCESS, body, line=at))
    return operation


def _body(lines: Lines, warn: Warn) -> Body | None:
    return read_body("\n".join(line for _, line in lines), JSON, warn)


def _custom_headers(operation: Operation, lines: Lines) -> None:
    """``Name - type - required`` lines, ``Example of Name header : "value"`` lines and free text."""
    fields: dict[str, Field] = {}
    for number, line in lines:
        if header := _HEADER.match(line):
            schema = {"type": schema_type(header["type"]) or "string"}
            required = header["need"].lower() == "required"
            fields[header["name"].lower()] = Field(header["name"], "header", required, schema=schema, line=number)
        elif (example := _HEADER_EXAMPLE.match(line)) and example["name"].lower() in fields:
            fields[example["name"].lower()].schema["example"] = example["value"]
        else:
            operation.describe(line)
    operation.fields.extend(fields.values())


def _params(lines: Lines, location: str | None, warn: LineWarn) -> list[Field]:
    """Entries: a name line, then ``required``/``optional``, free text, ``Example: x`` and
    ``Validations:`` (or ``Value:``) rules."""
    content = [(number, line.strip()) for number, line in lines if line.strip()]
    fields: list[Field] = []
    for index, (number, text) in enumerate(content):
        following = content[index + 1][1] if index + 1 < len(content) else ""
        need = _NEED.match(text)
        if _NAME.match(text) and _NEED.match(following):
            fields.append(Field(text, location, line=number))
        elif need and fields and fields[-1].line == content[index - 1][0]:
            fields[-1].required = need["need"].lower() == "required"
            if "nil" in need["extra"].lower():
                fields[-1].schema["nullable"] = True
        elif text in TABLE_HEADS:
            continue
        elif not fields:
            warn(Kind.SKIPPED, f"{location or 'param'} line {text!r} left out", number)
        elif _BULLET.match(text) or text.startswith("Value:"):
            _validation(fields[-1], _BULLET.sub("", text).removeprefix("Value:").strip(), number, warn)
        elif text.startswith("Example:"):
            fields[-1].schema["example"] = text.removeprefix("Example:").strip()
        else:
            fields[-1].description = f"{fields[-1].description} {text}".strip()
    return fields


def _validation(field: Field, rule: str, number: int, warn: LineWarn) -> None:
    if one_of := _ONE_OF.match(rule):
        field.schema.setdefault("type", "string")
        field.schema["enum"] = [value.strip() for value in one_of["values"].split(",") if value.strip()]
    elif pattern := _PATTERN.match(rule):
        field.schema.setdefault("type", "string")
        field.schema["pattern"] = pattern["pattern"].replace(r"\A", "^").replace(r"\z", "$").replace(r"\Z", "$")
    elif (kind := _TYPE.match(rule)) and schema_type(kind["type"]):
        field.schema["type"] = schema_type(kind["type"])
    else:
        warn(Kind.SKIPPED, f"param {field.name}: validation {rule!r} not understood: left out", number)


def _errors(lines: Lines) -> list[Response]:
    """``422 Invalid ticket`` lines, or a code line followed by its description (a table's cells)."""
    responses: list[Response] = []
    for number, line in ((number, line.strip()) for number, line in lines if line.strip()):
        if status := _STATUS_LINE.match(line):
            responses.append(Response(int(status["status"]), status["text"], line=number))
        elif responses and not responses[-1].description and line not in TABLE_HEADS:
            responses[-1].description = line
    return responses


@dataclass
class _Example:
    call: str
    line: int
    request: Lines = field(default_factory=list)
    status: int | None = None
    response: Lines = field(default_factory=list)


def _examples(operation: Operation, lines: Lines, warn: LineWarn) -> None:
    """Recorded calls: ``METHOD /path?query``, the request body, a status line, the response body."""
    examples: list[_Example] = []
    for number, line in lines:
        status = re.fullmatch(r"\s*([1-5]\d\d)\s*", line)
        if _START.match(line.strip()):
            examples.append(_Example(line.strip(), number))
        elif examples and examples[-1].status is None and status:
            examples[-1].status = int(status[1])
        elif examples:
            (examples[-1].request if examples[-1].status is None else examples[-1].response).append((number, line))
    for example in examples:
        query = urlsplit(example.call.split()[-1]).query
        known = {found.name for found in operation.fields}
        operation.fields.extend(
            Field(name, "query", schema={"example": value}, line=example.line)
            for name, value in form_values(query).items()
            if name not in known
        )
        if request := _body(example.request, _located(warn, "example", example.line)):
            request.answered = example.status
            operation.requests.append(request)
        if example.status is None:
            warn(Kind.SKIPPED, f"example {example.call!r} shows no status line: its response left out", example.line)
        else:
            body = _body(example.response, _located(warn, "example", example.line))
            operation.responses.append(Response(example.status, body=body, line=example.line))


def _located(warn: LineWarn, what: str, line: int) -> Warn:
    return lambda kind, note: warn(kind, f"{what}: {note}", line)
