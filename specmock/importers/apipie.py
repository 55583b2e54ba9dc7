"""apipie pages as text (copied from a browser, or written by hand in its shape): a ``METHOD /path``
line opens each call, then its short description and the sections ``Params`` and ``Headers``
(name, ``required``/``optional``, description, ``Example:`` and ``Validations:`` bullets, or the
older one-line form ``name = default (type, optional) ... description``), ``Errors``, ``Examples``
(recorded calls), and the description sections ``Request headers``, ``Request body example``,
``Success response body`` and ``Error codes`` that many apipie sites write. HTML pages are read by
:mod:`specmock.importers.apipie_html` under the same format name."""

from __future__ import annotations

import re

from specmock.importers import apipie_html
from specmock.importers.apipie_rules import START, Lines, LineWarn, add_examples, body, errors, need, validation
from specmock.importers.markup import looks_like_html
from specmock.importers.model import Document, Field, Operation, Response
from specmock.importers.mson import BASE_TYPES, parse_signature
from specmock.importers.problems import Kind
from specmock.importers.reading import schema_type
from specmock.importers.registry import importer

_NAME = re.compile(r"^[\w.-]+(\[[\w.-]*\])*$")
_HEADER = re.compile(r"^\s*(?P<name>[\w-]+)\s+-\s+(?P<type>\w+)\s+-\s+(?P<need>required|optional)\b", re.I)
_HEADER_EXAMPLE = re.compile(r"^\s*Example of (?P<name>[\w-]+) header\s*:(?P<value>.*)$", re.I)
_BULLET = re.compile(r"^[•*-]\s*")
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


def _lines(text: str) -> Lines:
    return list(enumerate(text.splitlines(), start=1))


def detect(text: str) -> float:
    if looks_like_html(text):
        return apipie_html.detect(text)
    lines = [line for _, line in _lines(text)]
    if not any(START.match(line) for line in lines):
        return 0.0
    return 1.0 if any(line.strip() in SECTIONS or line.strip() == "Validations:" for line in lines) else 0.4


@importer("apipie", detect=detect)
def parse(text: str, file: str) -> Document:
    """Read an apipie page (text or HTML)."""
    if looks_like_html(text):
        return apipie_html.parse(text, file)
    document = Document(file, "apipie")
    for start, block in _blocks(_lines(text)):
        document.operations.append(_operation(document, start, block))
    assumed = [r.line for operation in document.operations for r in operation.responses if r.description == SUCCESS]
    if assumed:
        document.warn(Kind.ASSUMED, "apipie pages give no status for 'Success response body': taken as 200", assumed[0])
    return document


def _is_example(lines: Lines, index: int) -> bool:
    """Whether the ``METHOD /path`` line at ``index``, inside an ``Examples`` section, is a recorded
    example rather than the next call: an example goes on with a status line or a body, a call with
    its short description."""
    following = next((line.strip() for _, line in lines[index + 1 :] if line.strip()), "")
    return following[:1] in ("{", "[", '"') or (len(following) == 3 and following.isdigit())


def _blocks(lines: Lines) -> list[tuple[tuple[int, str], Lines]]:
    """Each call's ``METHOD /path`` line and the lines up to the next; inside ``Examples`` a
    recorded example is not a new call."""
    blocks: list[tuple[tuple[int, str], Lines]] = []
    section = ""
    for index, (number, line) in enumerate(lines):
        start = START.match(line)
        if start and not (section == "Examples" and blocks and _is_example(lines, index)):
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
    method, path = START.match(line).groups()  # type: ignore[union-attr]
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
            operation.responses.extend(errors([(n, t) for n, t in lines if t.strip() not in TABLE_HEADS]))
        elif title == "Examples":
            add_examples([operation], lines, warn)
        else:
            found = body(lines, lambda kind, note, at=at, title=title: warn(kind, f"{title.lower()}: {note}", at))
            if title == "Request body example":
                operation.requests.extend([found] if found else [])
            else:
                operation.responses.append(Response(200, SUCCESS, found, line=at))
    return operation


def _custom_headers(operation: Operation, lines: Lines) -> None:
    """``Name - type - required`` lines, ``Example of Name header : "value"`` lines and free text."""
    fields: dict[str, Field] = {}
    for number, line in lines:
        if header := _HEADER.match(line):
            schema = {"type": schema_type(header["type"]) or "string"}
            required = header["need"].lower() == "required"
            fields[header["name"].lower()] = Field(header["name"], "header", required, schema=schema, line=number)
        elif (example := _HEADER_EXAMPLE.match(line)) and example["name"].lower() in fields:
            fields[example["name"].lower()].schema["example"] = example["value"].strip().strip('"')
        else:
            operation.describe(line)
    operation.fields.extend(fields.values())


def one_line_param(text: str, location: str | None, line: int) -> Field | None:
    """The older one-line form ``name = default (type, optional) ... description``; None for any
    other line."""
    if "(" not in text or ")" not in text:
        return None
    signature = parse_signature(text)
    if signature is None or not signature.name or not _NAME.match(signature.name):
        return None
    kinds = [token for token in signature.types if token.split("[")[0].lower() in BASE_TYPES]
    if not kinds and not signature.attributes & {"required", "optional"}:
        return None
    attributes = signature.attributes
    required = True if "required" in attributes else False if "optional" in attributes else None
    found = Field(signature.name, location, required, signature.description, line=line)
    schema = dict(BASE_TYPES.get(kinds[0].split("[")[0].lower(), {})) if kinds else {}
    found.schema.update(schema)
    if signature.default is not None:
        found.schema["default"] = signature.default
    if "nullable" in attributes:
        found.schema["nullable"] = True
    return found


def _params(lines: Lines, location: str | None, warn: LineWarn) -> list[Field]:
    """Entries: a name line, then ``required``/``optional``, free text, ``Example: x`` and
    ``Validations:`` (or ``Value:``) rules; or one line each in the older form."""
    content = [(number, line.strip()) for number, line in lines if line.strip()]
    fields: list[Field] = []
    for index, (number, text) in enumerate(content):
        following = content[index + 1][1] if index + 1 < len(content) else ""
        if _NAME.match(text) and need(Field(text), following):
            fields.append(Field(text, location, line=number))
        elif fields and fields[-1].line == content[index - 1][0] and need(fields[-1], text):
            continue
        elif one := one_line_param(text, location, number):
            fields.append(one)
        elif text in TABLE_HEADS:
            continue
        elif not fields:
            warn(Kind.SKIPPED, f"{location or 'param'} line {text!r} left out", number)
        elif _BULLET.match(text) or text.startswith("Value:"):
            validation(fields[-1], _BULLET.sub("", text).removeprefix("Value:").strip(), number, warn)
        elif text.startswith("Example:"):
            fields[-1].schema["example"] = text.removeprefix("Example:").strip()
        else:
            fields[-1].description = f"{fields[-1].description} {text}".strip()
    return fields
