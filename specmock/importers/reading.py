"""Readers for the fragments every legacy format shares: header lines, status lines, type names and
example bodies (JSON, JSON with ``...`` elisions, JavaScript object literals, form-encoded)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import json5

from specmock.importers.model import Body, Document
from specmock.importers.problems import Kind

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
TYPE_NAMES = {
    "string": "string",
    "text": "string",
    "integer": "integer",
    "int": "integer",
    "number": "number",
    "numeric": "number",
    "decimal": "number",
    "float": "number",
    "boolean": "boolean",
    "bool": "boolean",
    "hash": "object",
    "object": "object",
    "array": "array",
}
_ELISION = re.compile(r"^\s*(?:\.\.\.|…)\s*(?:,\s*)?$")
_FORM_LIKE = re.compile(r"^[^\s={}\[\]\"']+(?:\[[^\s=\[\]]*\])*=\S*$")  # no nested repeats: linear
_STATUS = re.compile(r"^\s*(?P<code>[1-5]\d\d)\b(?P<reason>.*)$")

MAX_LENIENT = 64 * 1024
"""The largest example read as a JavaScript object literal (that reader is slow on large input)."""
MAX_JSON_DEPTH = 64
"""How deeply a JSON document may nest before a reader refuses it (Python's parser would recurse)."""

Warn = Callable[[Kind, str], None]
"""Where a reader reports what it forgave or could not read."""


FORMATTED = {
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "date-time": {"type": "string", "format": "date-time"},
    "time": {"type": "string"},
    "uuid": {"type": "string", "format": "uuid"},
    "file": {"type": "string", "format": "binary"},
}
_LISTS = (("array[", "]"), ("array<", ">"), ("array of ", ""), ("list of ", ""), ("[", "]"), ("", "[]"))


def json_depth(text: str) -> int:
    """How deeply brackets nest in a JSON text (outside strings): a linear scan, no parsing."""
    depth = deepest = 0
    quoted = escaped = False
    for char in text:
        if quoted:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def load_json(text: str) -> Any:
    """A JSON document, or ValueError (with the reason) when it is not JSON or nests deeper than
    :data:`MAX_JSON_DEPTH`."""
    if json_depth(text) > MAX_JSON_DEPTH:
        raise ValueError(f"it nests deeper than {MAX_JSON_DEPTH} levels")
    return as_text(json.loads(text))


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def as_text(value: Any) -> Any:
    """Decoded JSON with each lone surrogate (``"\\ud800"`` is valid JSON, but no character) as
    U+FFFD, so that the draft can be written as UTF-8."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [as_text(item) for item in value]
    if isinstance(value, dict):
        return {as_text(key): as_text(item) for key, item in value.items()}
    return value


def json_document(text: str, document: Document) -> Any | None:
    """The decoded JSON of a whole document; None, with the reason among the document's problems,
    when it is not JSON or nests too deeply."""
    try:
        return load_json(text)
    except ValueError as error:
        document.warn(Kind.SKIPPED, f"not readable as JSON ({error}): nothing imported", 1)
        return None


def schema_type(name: str) -> str | None:
    """The JSON Schema type for a type name as documents write it (``String``, ``Hash``, ``int``)."""
    return TYPE_NAMES.get(name.strip().lower())


def type_schema(name: str) -> dict[str, Any] | None:
    """The schema a type name states: ``Integer``, ``Date``, and lists written ``Array[String]``,
    ``Array<Integer>``, ``array of strings``, ``[Hash]`` or ``String[]``; None when unknown."""
    text = " ".join(name.strip().lower().split())
    if not text or len(text) > 80:
        return None
    if text in FORMATTED:
        return dict(FORMATTED[text])
    if kind := TYPE_NAMES.get(text):
        return {"type": kind}
    for prefix, suffix in _LISTS:
        if text.startswith(prefix) and text.endswith(suffix) and len(text) > len(prefix) + len(suffix):
            inner = text[len(prefix) : len(text) - len(suffix)].strip()
            items = type_schema(inner) or (type_schema(inner[:-1]) if inner.endswith("s") else None)
            if items is not None:
                return {"type": "array", "items": items}
    return None


def media_type_of(content_type: str | None) -> str | None:
    """``application/json; charset=utf-8`` -> ``application/json``."""
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def parse_headers(text: str) -> dict[str, str]:
    """``Name: value`` lines -> {name: value}; lines that are not headers are left out."""
    headers = {}
    for line in text.splitlines():
        name, colon, value = line.partition(":")
        if colon and name.strip() and " " not in name.strip():
            headers[name.strip()] = value.strip()
    return headers


def parse_status(text: str) -> tuple[int, str] | None:
    """``201 Created`` -> (201, "Created"); None when the text does not start with a status code."""
    match = _STATUS.match(text)
    return (int(match["code"]), match["reason"].strip()) if match else None


def form_values(text: str) -> dict[str, Any]:
    """``a[]=1&a[]=2&b=x`` -> ``{"a[]": ["1", "2"], "b": "x"}``: Rails arrays keep their ``[]`` name."""
    pairs = parse_qs(text.strip(), keep_blank_values=True)
    return {name: values if name.endswith("[]") or len(values) > 1 else values[0] for name, values in pairs.items()}


def read_body(text: str, media_type: str | None, warn: Warn) -> Body | None:
    """The body an example shows; None when it is empty.

    Form bodies are read with ``parse_qs``; others as JSON, then as JSON with ``...`` elision lines
    left out, then as JSON5 (JavaScript object literals: unquoted keys, trailing commas). A body
    none of these reads keeps no example, and ``warn`` says why.
    """
    text = text.strip()
    if not text:
        return None
    kind = media_type_of(media_type)
    if kind == FORM or (kind is None and _FORM_LIKE.match(text)):
        return Body(FORM, [form_values(text)])
    if kind is not None and "json" not in kind:
        return Body(kind, [text])
    body = Body(kind or JSON)
    if json_depth(text) > MAX_JSON_DEPTH:
        warn(Kind.INVALID_EXAMPLE, f"the example nests deeper than {MAX_JSON_DEPTH} levels: left out")
        return body
    try:
        body.examples.append(as_text(json.loads(text)))
        return body
    except ValueError as error:
        strict_error = error
    trimmed = _drop_elisions(text)
    if trimmed != text:
        warn(Kind.LENIENT_EXAMPLE, "the example elides items with '...'; only the items shown were used")
    for reader, note in ((json.loads, None), (json5.loads, "a JavaScript object literal (unquoted keys)")):
        if reader is json5.loads and len(trimmed) > MAX_LENIENT:
            warn(Kind.INVALID_EXAMPLE, f"the example is not JSON and too large to read leniently ({strict_error})")
            return body
        try:
            body.examples.append(as_text(reader(trimmed)))
        except ValueError:
            continue
        if note:
            warn(Kind.LENIENT_EXAMPLE, f"the example is not JSON but {note}; read leniently")
        return body
    warn(Kind.INVALID_EXAMPLE, f"the example is not valid JSON ({strict_error}); no schema was inferred from it")
    return body


def _drop_elisions(text: str) -> str:
    """Leave out ``...`` lines, and the comma before one that ends a list or an object."""
    lines = text.splitlines()
    kept: list[str] = []
    for index, line in enumerate(lines):
        if not _ELISION.match(line):
            kept.append(line)
            continue
        following = next((later.strip() for later in lines[index + 1 :] if later.strip()), "")
        if kept and following[:1] in ("]", "}"):
            kept[-1] = kept[-1].rstrip().removesuffix(",")
    return "\n".join(kept)
