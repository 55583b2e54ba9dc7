"""The contract: the OpenAPI files under ``openapi/``, loaded and bundled into self-contained dicts.

Each API file may reference the shared file with ``$ref: 'common.yaml#/components/<kind>/<name>'``.
``load_spec`` copies every such component into the API's own ``components`` and rewrites the
reference to ``#/components/<kind>/<name>``, so the result can be served as one JSON document
(Swagger UI, Schemathesis, any other tool) without access to the other file.
"""

from __future__ import annotations

import copy
import functools
import importlib.resources
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


def bundled(package: str) -> Path:
    """The folder of a package installed with specmock (its data files are plain files there)."""
    return Path(str(importlib.resources.files(package)))


OPENAPI_DIR = bundled("specmock.media.openapi")


@dataclass(frozen=True)
class Api:
    """One API of the contract: its spec file and the handler module behind its operations."""

    name: str
    source: str

    @property
    def path(self) -> Path:
        return OPENAPI_DIR / f"{self.name}.yaml"

    @property
    def handler_module(self) -> str:
        return f"specmock.media.{self.name}"


APIS: tuple[Api, ...] = (
    Api("provider_requests", "000_6b0cc6ce058485e8.txt"),
    Api("image_requests", "001_75d832cae9980787.txt"),
    Api("sharing_images", "002_abddeccdcf62fb0e.txt"),
    Api("downloads", "003_bf8a3f6206382ffa.txt"),
    Api("content_requests", "004_5484b7f961416259.txt"),
)
API_NAMES = tuple(api.name for api in APIS)


def api_named(name: str) -> Api:
    for api in APIS:
        if api.name == name:
            return api
    raise KeyError(f"unknown API {name!r}; known: {', '.join(API_NAMES)}")


# libyaml's loader when PyYAML has it: reading the contract is most of the start-up time otherwise.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SpecError(Exception):
    """A spec file cannot be loaded: unreadable, not YAML, or a reference that does not resolve."""


@functools.cache
def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"{path}: {exc}") from exc


def read_raw(path: Path) -> dict[str, Any]:
    """The spec file as written (a fresh copy), references untouched."""
    return copy.deepcopy(_read_yaml(path.resolve()))


def _pointer(document: dict[str, Any], fragment: str, where: str) -> Any:
    node: Any = document
    for part in fragment.lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise SpecError(f"{where}: reference '#{fragment}' does not resolve") from None
    return node


class _Bundler:
    """Pulls the components that a document references in other files into the document itself."""

    def __init__(self, document: dict[str, Any], base: Path) -> None:
        self.document = document
        self.base = base
        self.components = document.setdefault("components", {})
        self.local = {
            (kind, name): entry
            for kind, section in self.components.items()
            for name, entry in section.items()
        }
        self.pending: list[tuple[Path, str]] = []
        self.imported: set[tuple[Path, str]] = set()

    def bundle(self) -> dict[str, Any]:
        self._rewrite(self.document, self.base, self.document)
        while self.pending:
            target, fragment = self.pending.pop()
            if (target, fragment) in self.imported:
                continue
            self.imported.add((target, fragment))
            self._import(target, fragment)
        return self.document

    def _import(self, target: Path, fragment: str) -> None:
        _, kind, name = fragment.lstrip("/").split("/")
        target_doc = _read_yaml(target)
        value = copy.deepcopy(_pointer(target_doc, fragment, target.name))
        own = self.local.get((kind, name))
        if own is not None and (own.get("$ref") or "").partition("#")[2] != fragment:
            raise SpecError(f"{self.base.name}: component {kind}/{name} is also defined in {target.name}")
        self._rewrite(value, target, target_doc)
        self.components.setdefault(kind, {})[name] = value

    def _rewrite(self, node: Any, origin: Path, origin_doc: dict[str, Any]) -> None:
        """Rewrite every reference under ``node`` (in place) to point into this document."""
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                node["$ref"] = self._localize(ref, origin, origin_doc)
                return
            for value in node.values():
                self._rewrite(value, origin, origin_doc)
        elif isinstance(node, list):
            for item in node:
                self._rewrite(item, origin, origin_doc)

    def _localize(self, ref: str, origin: Path, origin_doc: dict[str, Any]) -> str:
        file_part, _, fragment = ref.partition("#")
        target = (origin.parent / file_part).resolve() if file_part else origin
        _pointer(_read_yaml(target) if file_part else origin_doc, fragment, f"{origin.name}: {ref}")
        if target != self.base:
            parts = fragment.lstrip("/").split("/")
            if len(parts) != 3 or parts[0] != "components":
                raise SpecError(f"{origin.name}: only components can be referenced across files ({ref})")
            self.pending.append((target, fragment))
        return f"#{fragment}"


def _notes_markdown(notes: list[dict[str, str]]) -> str:
    lines = ["", "", "## Contract decisions", ""]
    for note in notes:
        lines.append(f"- **{note['topic']}**: the document: {note['document']} The contract: {note['decision']}")
    return "\n".join(lines)


@functools.cache
def _load(path: Path) -> dict[str, Any]:
    document = _Bundler(read_raw(path), path).bundle()
    notes = document.get("x-specmock-notes")
    if notes:
        document["info"]["description"] = document["info"].get("description", "").rstrip() + _notes_markdown(notes)
    return document


def load_spec(path: Path | str) -> dict[str, Any]:
    """The bundled spec (a fresh copy): every external reference pulled into ``components``,
    the quirk decisions appended to ``info.description``."""
    return copy.deepcopy(_load(Path(path).resolve()))


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) for every operation of a spec."""
    methods = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
    return [
        (method, path, item[method])
        for path, item in spec.get("paths", {}).items()
        for method in methods
        if method in item
    ]
