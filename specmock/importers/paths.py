"""Where each operation goes in the draft: Rails ``:id`` paths as ``{id}`` templates, a server URL
for each document's common base (``HOST``, or a shared ``/api/v1``-like prefix), and paths that
differ only in their variables' names merged into one (OpenAPI forbids such pairs)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from specmock.importers.model import Document, Operation
from specmock.importers.problems import Kind

_RAILS_VARIABLE = re.compile(r"(?<=/):(\w+)")
VARIABLE = re.compile(r"\{([^{}/]+)\}")
_WELL_FORMED = re.compile(r"[^{}]*(\{[^{}]+\}[^{}]*)*")
_BASE_SEGMENT = re.compile(r"^(api|v\d+(\.\d+)*)$", re.I)

Warn = Callable[[Operation | None, Kind, str], None]


@dataclass
class Placed:
    """An operation at its final path, with its path variables renamed to fit that path."""

    operation: Operation
    path: str
    renames: dict[str, str] = field(default_factory=dict)


def rails_to_template(path: str) -> str:
    """``/a/:id?x=1`` -> ``/a/{id}``."""
    return "/" + _RAILS_VARIABLE.sub(r"{\1}", path.split("?", 1)[0]).strip("/")


def drop_stray_braces(path: str) -> str:
    """``/api/v4}/x`` -> ``/api/v4/x``: a segment whose braces do not pair up loses them."""
    return "/".join(
        segment if _WELL_FORMED.fullmatch(segment) else segment.replace("{", "").replace("}", "")
        for segment in path.split("/")
    )


def api_prefix(path: str) -> str:
    """The leading ``/api``, ``/v1``... segments, leaving at least one segment of the path."""
    segments = path.strip("/").split("/")
    count = 0
    while count < len(segments) - 1 and _BASE_SEGMENT.match(segments[count]):
        count += 1
    return "/" + "/".join(segments[:count]) if count else ""


def place(documents: list[Document], warn: Warn) -> tuple[list[str], list[Placed]]:
    """The server URLs and each operation's path relative to them. Paths are kept in full (and no
    server is given) when the documents' bases differ."""
    bases: dict[str, list[Placed]] = {}
    for document in documents:
        placed = []
        for operation in document.operations:
            template = rails_to_template(operation.path)
            path = drop_stray_braces(template)
            if path != template:
                warn(operation, Kind.ASSUMED, f"path {operation.path} has unpaired braces: read as {path}")
            placed.append(Placed(operation, path))
        prefixes = {api_prefix(entry.path) for entry in placed}
        base = document.base or (prefixes.pop() if len(prefixes) == 1 else "")
        if not document.base and len(prefixes) > 1:
            warn(None, Kind.ASSUMED, f"{document.file}: paths start with different bases: kept in full")
        for entry in placed:
            entry.path = entry.path if document.base else entry.path[len(base) :] or "/"
        bases.setdefault(base, []).extend(placed)
    if len(bases) == 1:
        base, placed = next(iter(bases.items()))
        return ([base] if base else []), placed
    listed = ", ".join(base or "(none)" for base in bases)
    warn(None, Kind.ASSUMED, f"the documents have different base paths ({listed}): paths are kept in full")
    for base, entries in bases.items():
        for entry in entries:
            entry.path = urlsplit(base).path.rstrip("/") + entry.path
    return [], [entry for entries in bases.values() for entry in entries]


def merge_variable_names(placed: list[Placed], warn: Warn) -> None:
    """Paths that differ only in their variables' names (``/a/{token}``, ``/a/{id}``) become one
    (``/a/{token_or_id}``); each operation's ``renames`` maps its old names to the merged ones."""
    shapes: dict[str, list[str]] = {}
    for entry in placed:
        paths = shapes.setdefault(VARIABLE.sub("{}", entry.path), [])
        if entry.path not in paths:
            paths.append(entry.path)
    for shape, paths in shapes.items():
        if len(paths) < 2:
            continue
        columns = zip(*(VARIABLE.findall(path) for path in paths), strict=True)
        merged = shape.format(*("{" + "_or_".join(dict.fromkeys(column)) + "}" for column in columns))
        entries = [entry for entry in placed if VARIABLE.sub("{}", entry.path) == shape]
        for entry in entries:
            entry.renames = dict(zip(VARIABLE.findall(entry.path), VARIABLE.findall(merged), strict=True))
            entry.path = merged
        message = f"{' and '.join(paths)} differ only in variable names: merged as {merged}"
        warn(entries[0].operation, Kind.MERGED, message)
