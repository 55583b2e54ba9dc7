"""The served contract: its documents, their operations, and the questions the engine asks of them
(which headers a response declares, what a documented response looks like, which methods a path
allows). It knows no API by name: any OpenAPI 3.0 documents make a contract."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.routing import compile_path

from specmock.contract.loading import SpecError, document_paths, load_document, operations
from specmock.contract.manifest import Manifest, read_manifest

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
AUTH_MODES = ("lenient", "strict", "off")


@dataclass(frozen=True, eq=False)
class Document:
    """One contract document as served: bundled, checked, adjusted to the auth mode."""

    name: str
    path: Path
    spec: dict[str, Any]
    manifest: Manifest

    @property
    def title(self) -> str:
        return str(self.spec.get("info", {}).get("title", self.name))

    @property
    def base_path(self) -> str:
        servers = self.spec.get("servers") or [{"url": "/"}]
        return base_path_of(str(servers[0].get("url", "/")), servers[0].get("variables") or {})

    def resolve(self, node: Any) -> Any:
        """``node`` with its local ``$ref`` followed (to the end of a chain of references)."""
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            target: Any = self.spec
            for part in node["$ref"][2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
            seen += 1
            if seen > 64:
                raise SpecError(f"{self.path}: a cycle of references at {node!r:.80}")
        return node


def base_path_of(url: str, variables: dict[str, Any] | None = None) -> str:
    """The path part of a server URL (``https://api.example.com/v1/`` -> ``/v1``), ``""`` for the root.
    Variables (``{version}``) take their defaults; one without a declared default stays as written."""
    declared = variables or {}
    url = re.sub(r"\{([^{}]*)\}", lambda found: str(declared.get(found[1], {}).get("default", found[0]))
                 if isinstance(declared.get(found[1]), dict) else found[0], url.strip())
    path = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*", "", url)
    return "/" + path.strip("/") if path.strip("/") else ""


@dataclass(frozen=True, eq=False)
class Operation:
    document: Document
    method: str
    path: str
    spec: dict[str, Any]
    key: str  # unique among every served operation: what routing and the engine know it by
    operation_id: str  # as the document writes it (or made up when it has none)

    @property
    def full_path(self) -> str:
        return self.document.base_path + self.path

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.full_path}"

    def parameters(self) -> list[dict[str, Any]]:
        """The operation's parameters (path-level ones included, overridden by name and place), resolved."""
        item = self.document.spec["paths"][self.path]
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*item.get("parameters", []), *self.spec.get("parameters", [])]:
            param = self.document.resolve(raw)
            merged[(param["name"], param["in"])] = param
        return list(merged.values())

    def responses(self) -> dict[str, dict[str, Any]]:
        return {str(code): self.document.resolve(value) for code, value in self.spec.get("responses", {}).items()}

    def success_status(self) -> int | None:
        codes = sorted(int(code) for code in self.spec.get("responses", {}) if str(code).isdigit()
                       and str(code).startswith("2"))
        return codes[0] if codes else None

    def security(self) -> list[dict[str, list[str]]]:
        requirement = self.spec.get("security", self.document.spec.get("security", []))
        return requirement or []


def synthesized_id(method: str, path: str) -> str:
    """An operationId for an operation that has none: ``get_pets_petId`` for ``GET /pets/{petId}``."""
    words = re.findall(r"[A-Za-z0-9]+", path)
    return "_".join([method, *words]) if words else f"{method}_root"


class Contract:
    """The documents being served, with their operations keyed uniquely."""

    def __init__(self, documents: list[Document]) -> None:
        self.documents = {document.name: document for document in documents}
        self.operations: dict[str, Operation] = {}
        for document in documents:
            for method, path, op in operations(document.spec):
                operation_id = op.get("operationId") or synthesized_id(method, path)
                key = operation_id if operation_id not in self.operations else f"{document.name}__{operation_id}"
                self.operations[key] = Operation(document, method, path, op, key, operation_id)
        self._routes = self._compile_routes()

    @classmethod
    def load(cls, sources: list[Path], auth: str = "lenient") -> Contract:
        """The contract of the documents at ``sources`` (files, or folders of them), as served in ``auth`` mode."""
        documents: list[Document] = []
        names: set[str] = set()
        for path in document_paths(sources):
            spec = load_document(path)
            name = _unique(re.sub(r"[^A-Za-z0-9_.-]+", "-", path.stem), names)
            manifest = read_manifest(spec, path)  # first: it refuses an x-specmock that is not an object
            documents.append(Document(name, path.resolve(), adjusted_to_mode(spec, auth), manifest))
        return cls(documents)

    def document(self, name: str) -> Document:
        return self.documents[name]

    # -- routing -----------------------------------------------------------------------------------

    def routing_specs(self) -> list[dict[str, Any]]:
        """One spec per base path for Connexion, merging the documents that share one.

        Connexion routes only the first of several APIs mounted on the same base path, so the
        documents under one base path are handed to it as one. Each document's components are
        renamed ``<document>__<name>`` so that equal names of different documents cannot clash, and
        each operation's ``operationId`` is its unique key.
        """
        merged: dict[str, dict[str, Any]] = {}
        for document in self.documents.values():
            base = document.base_path
            target = merged.setdefault(base, {
                "openapi": document.spec["openapi"], "info": {"title": f"specmock {base or '/'}", "version": "1"},
                "servers": [{"url": base or "/"}], "paths": {}, "components": {},
            })
            renamed = _prefixed(copy.deepcopy(document.spec), document.name)
            for path, item in renamed.get("paths", {}).items():
                for method in METHODS:
                    if isinstance(item, dict) and method in item:
                        item[method]["operationId"] = self._key(document, method, path)
                target["paths"][path] = {**target["paths"].get(path, {}), **item}
            for kind, section in renamed.get("components", {}).items():
                target["components"].setdefault(kind, {}).update(section)
        return list(merged.values())

    def _key(self, document: Document, method: str, path: str) -> str:
        return next(op.key for op in self.operations.values()
                    if op.document is document and op.method == method and op.path == path)

    def _compile_routes(self) -> list[tuple[re.Pattern[str], list[str]]]:
        by_path: dict[str, set[str]] = {}
        for op in self.operations.values():
            by_path.setdefault(op.full_path, set()).add(op.method.upper())
        return [(compile_path(path)[0], sorted(methods)) for path, methods in by_path.items()]

    def allowed_methods(self, path: str) -> list[str]:
        for regex, methods in self._routes:
            if regex.match(path):
                return methods
        return []


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}-{number}", number + 1
    taken.add(candidate)
    return candidate


def adjusted_to_mode(spec: dict[str, Any], auth: str) -> dict[str, Any]:
    """The document as the running mock serves it: ``off`` drops every security requirement;
    ``lenient`` adds the anonymous alternative where the document's ``x-specmock.anonymous`` says so."""
    if auth == "off":
        spec.pop("security", None)
        for _, _, op in operations(spec):
            op["security"] = []
    elif auth == "lenient" and (spec.get("x-specmock") or {}).get("anonymous") == "lenient":
        for _, _, op in operations(spec):
            requirement = op.get("security", spec.get("security"))
            if requirement and {} not in requirement:
                op["security"] = [*requirement, {}]
    return spec


def _prefixed(spec: dict[str, Any], prefix: str) -> dict[str, Any]:
    """``spec`` with every component except security schemes renamed ``<prefix>__<name>``."""

    def rename(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/"):
                _, _, kind, name = ref.split("/", 3)
                if kind != "securitySchemes":
                    node["$ref"] = f"#/components/{kind}/{prefix}__{name}"
            for value in node.values():
                rename(value)
        elif isinstance(node, list):
            for item in node:
                rename(item)

    rename(spec)
    spec["components"] = {
        kind: section if kind == "securitySchemes" else {f"{prefix}__{name}": value for name, value in section.items()}
        for kind, section in spec.get("components", {}).items()
    }
    return spec
