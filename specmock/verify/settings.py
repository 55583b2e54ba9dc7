"""The Schemathesis settings of one run: ``schemathesis.toml`` (the one file both runners read) plus
what a document needs of its own.

Form bodies: Schemathesis's ``negative_data_rejection`` sends values a form cannot tell apart from
valid ones (the boolean ``true`` and the string ``"true"`` are both ``true`` on the wire; a value
that is not an array is one array item; a missing required array is an empty one), and then reports
the server for accepting them. The check is turned off for the operations whose body is a form, and
for those only: every JSON operation keeps it.

URLs one operation of a path cannot take: Schemathesis's stateful phase follows URLs it finds in
answers (``Location`` headers, and any string starting with ``/``, read as a path of the API even
outside its base path) and calls every operation of the path such a URL matches with the URL's
values. Where the document's own examples answer such a URL with a value that one of those
operations' parameters refuses (a web page's ``/things/<token>`` answered by an API at ``/api/v4``
whose ``/things/{ref}`` takes the token for GET and only an integer id for PUT and DELETE), those
links send that operation a value it was never offered, and the refusal the contract asks for is
reported as valid data refused. For such a document links are inferred from its operations'
parameters and answers only (``dependency-analysis``); every check stays on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from specmock.contract.loading import operations
from specmock.contract.model import base_path_of
from specmock.verify.bodies import valid
from specmock.verify.target import CONFIG_FILE

FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
EXAMPLE_KEYS = ("example", "examples", "default")
MAX_NODES = 100_000  # nodes of a document read for its examples


def form_operations(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(method, path) of every operation of a document whose request body can be a form."""
    found = []
    for method, path, operation in operations(spec):
        body = _resolved(spec, operation.get("requestBody")) or {}
        if any(media.split(";")[0].strip().lower() in FORMS for media in body.get("content", {})):
            found.append((method, path))
    return found


def refused_urls(spec: dict[str, Any]) -> list[str]:
    """``<url> (<METHOD> <path> refuses <name>=<value>)`` for each URL the document's examples answer
    that matches one of its paths with a value an operation of that path refuses."""
    found = []
    # With the base path or without it, as Schemathesis reads a URL.
    prefix = "^(?:" + re.escape(_base(spec)) + ")?"
    templates = [(path, re.compile(prefix + re.sub(r"\\\{[^/]*?\\\}", "([^/]+)", re.escape(path)) + "$"))
                 for path in spec.get("paths") or {} if "{" in path]
    for url in dict.fromkeys(value for value in _answered_strings(spec) if value.startswith("/")
                             and not value.startswith("//")):
        for path, template in templates:
            match = template.match(urlsplit(url).path)
            if match is None:
                continue
            values = dict(zip(re.findall(r"\{([^/{}]+)\}", path), match.groups(), strict=False))
            for method, name, schema in _path_parameters(spec, path):
                if name in values and not _takes(schema, values[name]):
                    found.append(f"{url} ({method.upper()} {path} refuses {name}={values[name]})")
    return found


def _base(spec: dict[str, Any]) -> str:
    servers = spec.get("servers") or [{}]
    return base_path_of(str(servers[0].get("url", "/")) if isinstance(servers[0], dict) else "/").rstrip("/")


def _path_parameters(spec: dict[str, Any], path: str) -> list[tuple[str, str, dict[str, Any]]]:
    item = spec["paths"][path]
    found = []
    for method, at, operation in operations(spec):
        if at != path:
            continue
        for param in [*item.get("parameters", []), *operation.get("parameters", [])]:
            param = _resolved(spec, param)
            if isinstance(param, dict) and param.get("in") == "path":
                found.append((method, str(param.get("name")), _resolved(spec, param.get("schema") or {})))
    return found


def _takes(schema: Any, text: str) -> bool:
    """Whether a path parameter of ``schema`` takes the path segment ``text``."""
    if not isinstance(schema, dict):
        return True
    kind, value = schema.get("type"), unquote(text)
    try:
        typed: Any = int(value) if kind == "integer" else float(value) if kind == "number" else \
            {"true": True, "false": False}[value] if kind == "boolean" else value
    except (ValueError, KeyError):
        return False
    return valid(schema, typed)


def _answered_strings(spec: dict[str, Any]) -> Iterator[str]:
    """The strings of every example and default value in the document's responses and components."""
    roots: list[tuple[bool, Any]] = [(False, operation.get("responses", {})) for _, _, operation in operations(spec)]
    roots.append((False, spec.get("components", {})))
    budget = MAX_NODES
    while roots and budget:
        inside, node = roots.pop()
        budget -= 1
        if isinstance(node, str) and inside:
            yield node
        elif isinstance(node, dict):
            roots.extend((inside or key in EXAMPLE_KEYS, value) for key, value in node.items()
                         if isinstance(value, (dict, list, str)))
        elif isinstance(node, list):
            roots.extend((inside, value) for value in node)


def _resolved(spec: dict[str, Any], node: Any, depth: int = 0) -> Any:
    """``node`` with its local ``$ref`` followed (a few levels)."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/") and depth < 8:
        target: Any = spec
        for part in node["$ref"][2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(target, dict) else None
        node, depth = target, depth + 1
    return node


def settings_text(spec: dict[str, Any], refused: list[str] | None = None) -> str:
    """``schemathesis.toml`` with this document's settings after it; ``refused`` is
    ``refused_urls(spec)`` when the caller has it already."""
    text = CONFIG_FILE.read_text(encoding="utf-8")
    if refused is None:
        refused = refused_urls(spec)
    if refused:
        text += (f"\n[phases.stateful.inference]\n# answers hold {refused[0]}: see specmock/verify/settings.py\n"
                 'algorithms = ["dependency-analysis"]\n')
    for method, path in form_operations(spec):
        text += ("\n[[operations]]\n# a form body: see specmock/verify/settings.py\n"
                 f"include-method = {json.dumps(method.upper())}\ninclude-path = {json.dumps(path)}\n"
                 "checks.negative_data_rejection.enabled = false\n")
    return text


def write_settings(spec: dict[str, Any], folder: Path, name: str, refused: list[str] | None = None) -> Path:
    path = folder / f"{name}.schemathesis.toml"
    path.write_text(settings_text(spec, refused), encoding="utf-8")
    return path
