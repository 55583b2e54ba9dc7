"""What every apipie rendering shares (text pages, HTML pages, ``apipie:static_json``): validation
sentences (``Must be one of: a, b.``), ``required`` / ``nil allowed`` notes, and recorded examples
(``METHOD /path?query``, the request body, the status, the response body)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from specmock.importers.model import METHOD_PATTERN, Body, Field, Operation, Response
from specmock.importers.problems import Kind
from specmock.importers.reading import JSON, Warn, form_values, read_body, schema_type, type_schema

Lines = list[tuple[int, str]]
LineWarn = Callable[[Kind, str, int | None], None]

START = re.compile(rf"^({METHOD_PATTERN})\s+(/\S*)\s*$")
_ONE_OF = re.compile(r"^Must be one of:\s*(?P<values>.*?)\.?$", re.I | re.S)
_PATTERN = re.compile(r"^Must match regular expression\s*/(?P<pattern>.*)/[a-z]*\.?$", re.I | re.S)
_ARRAY_OF = re.compile(r"^Must be an? array of (?P<type>[\w ]+?)\.?$", re.I)
_TYPE = re.compile(r"^Must be an? (?P<type>\w+)", re.I)
_STATUS = re.compile(r"^\s*([1-5]\d\d)\s*$")
_VARIABLE_SEGMENT = re.compile(r"^(:\w+|\{[^{}]+\})$")
NESTED = ("nested elements", "any type")


def need(field: Field, text: str) -> bool:
    """Read ``required`` / ``optional`` and ``nil allowed`` notes into ``field``; False when the
    text is not such a note."""
    words = [word.strip().lower() for word in text.replace(",", " , ").split()]
    if not words or words[0] not in ("required", "optional"):
        return False
    if any(word not in ("required", "optional", ",", "nil", "blank", "allowed") for word in words):
        return False
    field.required = words[0] == "required"
    if "nil" in words:
        field.schema["nullable"] = True
    return True


def validation(field: Field, rule: str, line: int | None, warn: LineWarn) -> None:
    """Read one validation sentence into ``field``'s schema; an unknown one is reported."""
    rule = " ".join(rule.split())
    if one_of := _ONE_OF.match(rule):
        values = [value.strip() for value in one_of["values"].split(",") if value.strip()]
        if sorted(value.lower() for value in values) == ["false", "true"]:
            field.schema["type"] = "boolean"  # apipie's boolean validator says so
        else:
            field.schema.setdefault("type", "string")
            field.schema["enum"] = values
    elif pattern := _PATTERN.match(rule):
        field.schema.setdefault("type", "string")
        expression = pattern["pattern"].replace(r"\A", "^").replace(r"\z", "$").replace(r"\Z", "$")
        try:
            re.compile(expression)
        except (re.error, RecursionError, OverflowError) as error:
            warn(Kind.SKIPPED, f"param {field.name}: /{expression}/ is not a regular expression here ({error})", line)
            return
        field.schema["pattern"] = expression
    elif array := _ARRAY_OF.match(rule):
        items = None if array["type"].lower() in NESTED else type_schema(array["type"])
        field.schema.update({"type": "array", **({"items": items} if items else {})})
    elif (kind := _TYPE.match(rule)) and schema_type(kind["type"]):
        field.schema["type"] = schema_type(kind["type"])
    else:
        warn(Kind.SKIPPED, f"param {field.name}: validation {rule!r} not understood: left out", line)


def errors(lines: Lines) -> list[Response]:
    """``422 Invalid ticket`` lines, or a code line followed by its description (a table's cells)."""
    responses: list[Response] = []
    for number, text in ((number, text.strip()) for number, text in lines if text.strip()):
        code, _, rest = text.partition(" ")
        if len(code) == 3 and code.isascii() and code.isdigit() and code[0] in "12345":
            responses.append(Response(int(code), rest.strip(), line=number))
        elif responses and not responses[-1].description and text not in ("Code", "Description"):
            responses[-1].description = text
    return responses


def calls_match(template: str, path: str) -> bool:
    """Whether ``/users/7`` is a call of ``/users/:id``."""
    expected, actual = template.strip("/").split("/"), urlsplit(path).path.strip("/").split("/")
    return len(expected) == len(actual) and all(
        one == other or _VARIABLE_SEGMENT.match(one) for one, other in zip(expected, actual, strict=True)
    )


def undoubled(template: str, path: str) -> str | None:
    """``/api/api/v1/x`` for ``/api/v1/x``: the example's path with a repeated leading part left
    out, when that makes it a call of the template (apipie records examples under the mount point
    and the route both); None when it does not."""
    segments = urlsplit(path).path.strip("/").split("/")
    for size in range(1, len(segments) // 2 + 1):
        if segments[:size] == segments[size : 2 * size]:
            shorter = "/" + "/".join(segments[size:])
            if calls_match(template, shorter):
                return shorter
    return None


@dataclass
class Example:
    call: str
    line: int
    request: Lines = field(default_factory=list)
    status: int | None = None
    response: Lines = field(default_factory=list)


def split_examples(lines: Lines) -> list[Example]:
    """Recorded calls: a ``METHOD /path`` line, the request body, a status line, the response body."""
    examples: list[Example] = []
    for number, line in lines:
        if START.match(line.strip()):
            examples.append(Example(line.strip(), number))
        elif examples and examples[-1].status is None and (status := _STATUS.match(line)):
            examples[-1].status = int(status[1])
        elif examples:
            (examples[-1].request if examples[-1].status is None else examples[-1].response).append((number, line))
    return examples


def add_examples(operations: list[Operation], lines: Lines, warn: LineWarn) -> None:
    """Read recorded examples into the operations (the routes of one method) they are calls of:
    query parameters, request bodies (with the status they got), responses. An example of none of
    them is reported and left out."""
    for example in split_examples(lines):
        method, _, target = example.call.partition(" ")
        matching = [op for op in operations if op.method == method.lower() and calls_match(op.path, target)]
        for operation in matching or [op for op in operations if op.method == method.lower()]:
            fixed = None if matching else undoubled(urlsplit(operation.path).path, target)
            if matching or fixed:
                if fixed:
                    warn(Kind.ASSUMED, f"example {example.call!r} repeats its base path: read as {fixed}", example.line)
                add_example(operation, example, warn)
                matching = matching or [operation]
        if not matching:
            titles = " or ".join(operation.title for operation in operations)
            warn(Kind.SKIPPED, f"example {example.call!r} is not a call of {titles}: left out", example.line)


def add_example(operation: Operation, example: Example, warn: LineWarn) -> None:
    query = urlsplit(example.call.split()[-1]).query
    known = {found.name for found in operation.fields}
    operation.fields.extend(
        Field(name, "query", schema={"example": value}, line=example.line)
        for name, value in form_values(query).items()
        if name not in known
    )
    located = _located(warn, "example", example.line)
    if request := body(example.request, located):
        request.answered = example.status
        operation.requests.append(request)
    if example.status is None:
        warn(Kind.SKIPPED, f"example {example.call!r} shows no status line: its response left out", example.line)
    else:
        operation.responses.append(Response(example.status, body=body(example.response, located), line=example.line))


def body(lines: Lines, warn: Warn) -> Body | None:
    return read_body("\n".join(line for _, line in lines), JSON, warn)


def _located(warn: LineWarn, what: str, line: int) -> Warn:
    return lambda kind, note: warn(kind, f"{what}: {note}", line)
