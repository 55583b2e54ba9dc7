"""Reading contract documents: one OpenAPI 3.0 file (YAML or JSON), its ``$ref``s to sibling files
pulled in, checked with openapi-spec-validator.

Documents come from anywhere (a colleague, a vendor, a download), so reading is bounded: a file
over ``MAX_BYTES``, a structure deeper than ``MAX_DEPTH`` or larger than ``MAX_NODES`` once YAML
aliases are expanded (a "billion laughs" document), a recursive YAML anchor, a reference that
leaves the document's folder or names a URL: each is refused with a :class:`SpecError` naming the
file and the problem, never a traceback.

Bundling: a reference into another file's ``components`` (``common.yaml#/components/schemas/Uuid``)
brings that component into the document's own ``components`` under the same name (renamed
``<file>_<name>`` when the document already has a different one) and becomes a local reference; a
reference to any other part of another file (``paths/pets.yaml``, ``defs.yaml#/Pet``) is replaced by
a copy of its target. The result is one self-contained document any tool can read.
"""

from __future__ import annotations

import copy
import datetime
import functools
import importlib.resources
import json
import re
from pathlib import Path
from typing import Any

import yaml

from specmock.jsonio import loads

MAX_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 128
MAX_NODES = 2_000_000
SUPPORTED = re.compile(r"^3\.0\.\d+$")
# libyaml's loader when PyYAML has it: it reads the bundled contract ~10x faster than pure Python.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SpecError(Exception):
    """A contract document cannot be served: unreadable, not OpenAPI 3.0, or a broken reference."""


def bundled(package: str) -> Path:
    """The folder of a package installed with specmock (its data files are plain files there)."""
    return Path(str(importlib.resources.files(package)))


# -- reading one file --------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _read_cached(path: Path, stamp: tuple[int, int]) -> Any:
    return _parse(path)


def read_file(path: Path) -> Any:
    """The data of one YAML or JSON file (shared: copy before changing it)."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise SpecError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if not path.is_file():
        raise SpecError(f"{path}: not a file")
    if stat.st_size > MAX_BYTES:
        raise SpecError(f"{path}: {stat.st_size} bytes; a contract document may have at most {MAX_BYTES}")
    return _read_cached(path, (stat.st_mtime_ns, stat.st_size))


def _parse(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if b"\x00" in raw[:8192]:
        raise SpecError(f"{path}: a binary file, not a YAML or JSON document")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    if text.lstrip()[:1] in ("{", "["):
        try:
            data = loads(text)
        except json.JSONDecodeError as exc:
            if path.suffix.lower() == ".json":
                raise SpecError(f"{path}: not valid JSON: {exc}") from None
            data = _yaml(path, text)
    else:
        data = _yaml(path, text)
    _check_size(path, data)
    return data


PRESCAN_BYTES = 1024 * 1024


def _yaml(path: Path, text: str) -> Any:
    try:
        if len(text) > PRESCAN_BYTES:
            _count_events(path, text)
        return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise SpecError(f"{path}: not valid YAML{where}: {exc.problem or exc.context}") from None
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        raise SpecError(f"{path}: not valid YAML: {str(exc)[:300]}") from None


def _count_events(path: Path, text: str) -> None:
    """Refuse a large YAML document with more than ``MAX_NODES`` values before building them: the
    parser's events cost a sixth of what building Python objects from them does."""
    for count, _ in enumerate(yaml.parse(text, Loader=_YAML_LOADER)):
        if count > MAX_NODES:
            raise SpecError(f"{path}: more than {MAX_NODES} values; refused")


def _check_size(path: Path, data: Any) -> None:
    """Refuse structures that are recursive, too deep, or too large once shared parts (YAML aliases)
    are counted each time they appear; and read YAML's values as JSON has them (``_as_json``)."""
    nodes = 0
    stack: list[tuple[Any, int, frozenset[int]]] = [(data, 0, frozenset())]
    while stack:
        node, depth, ancestors = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise SpecError(f"{path}: expands to more than {MAX_NODES} values (YAML aliases?); refused")
        if isinstance(node, (dict, list)):
            if id(node) in ancestors:
                raise SpecError(f"{path}: a recursive structure (a YAML anchor used inside itself); refused")
            if depth >= MAX_DEPTH:
                raise SpecError(f"{path}: nested deeper than {MAX_DEPTH} levels; refused")
            _as_json(path, node)
            inner = ancestors | {id(node)}
            values = node.values() if isinstance(node, dict) else node
            stack.extend((value, depth + 1, inner) for value in values)


def _as_json(path: Path, node: dict | list) -> None:
    """YAML's values in ``node`` as a JSON document holds them, in place: keys are text (``200:``
    unquoted is ``"200"``), dates and times are ISO 8601 text. Bytes (``!!binary``) and sets have no
    JSON form and are refused."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in list(items):
        if isinstance(value, (datetime.date, datetime.datetime)):
            node[key] = value.isoformat()
        elif isinstance(value, (bytes, set)):
            raise SpecError(f"{path}: holds a {'binary (!!binary)' if isinstance(value, bytes) else 'set (!!set)'} "
                            "value, which JSON cannot: write it as a string or a list")
    if isinstance(node, dict) and not all(isinstance(key, str) for key in node):
        keys = [key if isinstance(key, str) else _key_text(path, key) for key in node]
        if len(set(keys)) != len(keys):
            raise SpecError(f"{path}: a mapping holds a key twice once read as text ({', '.join(map(str, keys))})")
        values = list(node.values())
        node.clear()
        node.update(zip(keys, values, strict=True))


def _key_text(path: Path, key: Any) -> str:
    if isinstance(key, bool) or not isinstance(key, (int, float, datetime.date)):
        raise SpecError(f"{path}: a mapping key {key!r} is not text: quote it")
    return key.isoformat() if isinstance(key, datetime.date) else str(key)


# -- references --------------------------------------------------------------------------------


def _pointer(document: Any, fragment: str, where: str) -> Any:
    node: Any = document
    if fragment in ("", "/"):
        return node
    for part in fragment.lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise SpecError(f"{where}: the reference '#{fragment}' does not resolve") from None
    return node


class _Bundler:
    """Pulls what a document references in other files into the document itself."""

    def __init__(self, document: dict[str, Any], base: Path) -> None:
        self.document = document
        self.base = base
        self.root = base.parent
        self.components = document.setdefault("components", {})
        if not isinstance(self.components, dict):
            raise SpecError(f"{base}: components must be an object")
        self.imported: dict[tuple[Path, str], str] = {}  # (file, fragment) -> local reference
        self.inlining: list[tuple[Path, str]] = []

    def bundle(self) -> dict[str, Any]:
        self._rewrite(self.document, self.base, self.document)
        return self.document

    def _rewrite(self, node: Any, origin: Path, origin_doc: Any) -> Any:
        """Rewrite the references under ``node`` (in place) to point into this document; returns the
        node, or its replacement when ``node`` itself is a reference to a part of another file."""
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                return self._reference(node, ref, origin, origin_doc)
            for key in list(node):  # importing may add components while their section is walked
                node[key] = self._rewrite(node[key], origin, origin_doc)
        elif isinstance(node, list):
            for index, item in enumerate(node):
                node[index] = self._rewrite(item, origin, origin_doc)
        return node

    def _reference(self, node: dict[str, Any], ref: str, origin: Path, origin_doc: Any) -> Any:
        where = f"{origin}: $ref {ref!r}"
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", ref):
            raise SpecError(f"{where}: remote references are not followed; download the file beside the document")
        file_part, _, fragment = ref.partition("#")
        if fragment and not fragment.startswith("/"):
            raise SpecError(f"{where}: only JSON pointers (#/...) are supported after '#'")
        target = (origin.parent / file_part).resolve() if file_part else origin
        if target != origin and not target.is_relative_to(self.root.resolve()):
            raise SpecError(f"{where}: points outside the document's folder ({self.root}); refused")
        try:
            target_doc = read_file(target) if target != origin else origin_doc
        except SpecError as error:
            raise SpecError(f"{origin}: $ref {ref!r}: {error}") from None
        _pointer(target_doc, fragment, where)
        if target == self.base and target == origin:
            return node  # a local reference of the document itself
        parts = fragment.lstrip("/").split("/")
        if len(parts) == 3 and parts[0] == "components":
            kind, name = parts[1], parts[2]
            slot = self.components.get(kind, {}).get(name) is node
            local = self._import(target, fragment, kind, name, node)
            if slot and local == f"#/components/{kind}/{name}":
                return self.components[kind][name]  # the copy takes the place of the reference to it
            node["$ref"] = local
            return node
        return self._inline(target, fragment, where)

    def _import(self, target: Path, fragment: str, kind: str, name: str, referring: dict[str, Any]) -> str:
        """The local reference of another file's component, copied in on first use. A component of the
        document that only refers to the other file's one of the same name (``TokenAuth: {$ref:
        common.yaml#/...TokenAuth}``) is replaced by the copy."""
        key = (target, fragment)
        if key in self.imported:
            return self.imported[key]
        section = self.components.setdefault(kind, {})
        value = copy.deepcopy(_pointer(read_file(target), fragment, target.name))
        local = name
        own = section.get(name)
        if own is not None and own is not referring and own != value and not _refers_to(own, target, fragment,
                                                                                         self.base):
            local = f"{target.stem}_{name}"
        self.imported[key] = f"#/components/{kind}/{local}"
        section[local] = value  # placed before rewriting: a recursive schema finds itself
        section[local] = self._rewrite(value, target, read_file(target))
        return self.imported[key]

    def _inline(self, target: Path, fragment: str, where: str) -> Any:
        key = (target, fragment)
        if key in self.inlining:
            raise SpecError(f"{where}: a recursive reference across files; define it under components instead")
        self.inlining.append(key)
        try:
            value = copy.deepcopy(_pointer(read_file(target), fragment, where))
            return self._rewrite(value, target, read_file(target))
        finally:
            self.inlining.pop()


def _refers_to(own: Any, target: Path, fragment: str, base: Path) -> bool:
    """Whether a component of the document is itself just a reference to ``target#fragment``."""
    ref = own.get("$ref") if isinstance(own, dict) else None
    if not isinstance(ref, str):
        return False
    file_part, _, own_fragment = ref.partition("#")
    return own_fragment == fragment and (base.parent / file_part).resolve() == target


# -- one document -------------------------------------------------------------------------------


def check_openapi(document: Any, path: Path) -> None:
    """Refuse what is not an OpenAPI 3.0.x document, naming the rule broken and where."""
    if not isinstance(document, dict):
        raise SpecError(f"{path}: not an OpenAPI document (the top level is not an object)")
    if "swagger" in document:
        raise SpecError(f"{path}: Swagger {document['swagger']} is not served; convert it to OpenAPI 3.0 first "
                        "(e.g. with swagger2openapi)")
    version = document.get("openapi")
    if not isinstance(version, str):
        raise SpecError(f"{path}: not an OpenAPI document (no 'openapi' version field)")
    if not SUPPORTED.match(version):
        raise SpecError(f"{path}: OpenAPI {version} is not supported: specmock serves OpenAPI 3.0.x documents "
                        "(Connexion, which routes the requests, refuses 3.1); write 'openapi: 3.0.3'")
    _check_nodes(document, path)
    from openapi_spec_validator import OpenAPIV30SpecValidator

    try:
        error = next(OpenAPIV30SpecValidator(document).iter_errors(), None)
    except Exception as exc:  # noqa: BLE001 - a reference the validator cannot follow, and the like
        raise SpecError(f"{path}: not a valid OpenAPI 3.0 document: {str(exc)[:300]}") from None
    if error is not None:
        while error.context:  # the deepest rule broken, not the oneOf or anyOf above it
            error = max(error.context, key=lambda sub: len(sub.absolute_path))
        where = " ".join(str(part) for part in error.absolute_path) or "the top level"
        reason = " ".join(error.message.split("\n", 1)[0].split())[:300]
        raise SpecError(f"{path}: not a valid OpenAPI 3.0 document: at {where}: {reason}")


# The most a schema may ask of a value the mock builds (a generated answer, or a property nobody set).
MOST_GENERATED = {"minItems": 10_000, "minProperties": 1_000, "minLength": 1_000_000}


def _check_nodes(document: dict[str, Any], path: Path) -> None:
    """The checks each object of the bundled document needs, in one walk, before OpenAPI's validator
    (which never ends on a reference loop):

    * a ``$ref`` that leads only to other references and back (``A`` is ``B``, ``B`` is ``A``) is
      refused: such a schema is nothing. A schema that holds itself deeper inside is no loop;
    * a schema asking for more than the mock can build (``MOST_GENERATED``) is refused, naming where.
    """
    def target(ref: str) -> Any:
        node: Any = document
        for part in ref[2:].split("/") if ref != "#" else []:
            part = part.replace("~1", "/").replace("~0", "~")
            node = node.get(part) if isinstance(node, dict) else None
        return node

    stack: list[tuple[Any, tuple[str, ...]]] = [(document, ())]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            chain: list[str] = []
            current = node
            while isinstance(current, dict) and isinstance(current.get("$ref"), str) and current["$ref"][:1] == "#":
                if current["$ref"] in chain:
                    loop = " -> ".join([*chain[chain.index(current["$ref"]):], current["$ref"]])
                    raise SpecError(f"{path}: a reference loop: {loop} (each only refers to the next)")
                chain.append(current["$ref"])
                current = target(current["$ref"])
            for keyword, most in MOST_GENERATED.items():
                asked = node.get(keyword)
                if isinstance(asked, int) and not isinstance(asked, bool) and asked > most:
                    raise SpecError(f"{path}: at {' '.join(where)}: {keyword} {asked} is more than the mock can "
                                    f"answer (at most {most})")
            stack.extend((value, (*where, str(key))) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((value, (*where, str(index))) for index, value in enumerate(node))


def load_document(path: Path | str) -> dict[str, Any]:
    """A contract document bundled into one self-contained, validated OpenAPI 3.0 dict (a fresh copy)."""
    path = Path(path).resolve()
    raw = read_file(path)
    if not isinstance(raw, dict):
        raise SpecError(f"{path}: not an OpenAPI document (the top level is not an object)")
    document = _Bundler(copy.deepcopy(raw), path).bundle()
    check_openapi(document, path)
    check_servable(document, path)
    return document


_TEMPLATE = re.compile(r"\{([^{}]*)\}")
_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def check_servable(document: dict[str, Any], path: Path) -> None:
    """Refuse what OpenAPI's schema lets through but no server can serve as written: a server URL
    variable without a declaration, a security requirement naming no declared scheme, a path naming
    a parameter twice, a malformed ``x-specmock-credential`` (and, in ``_check_nodes``, reference
    loops and sizes the mock cannot build)."""
    servers = document.get("servers") or [{}]
    url, variables = str(servers[0].get("url", "/")), servers[0].get("variables") or {}
    for name in _TEMPLATE.findall(url):
        if not isinstance(variables.get(name), dict) or "default" not in variables[name]:
            raise SpecError(f"{path}: at servers/0/url: the variable {{{name}}} is not declared under variables "
                            "(with a default)")
    schemes = document.get("components", {}).get("securitySchemes", {})
    requirements = [("security", document.get("security"))] + [
        (f"paths {template} {method} security", op.get("security")) for method, template, op in operations(document)]
    for where, requirement in requirements:
        for alternative in requirement or []:
            for name in alternative:
                if name not in schemes:
                    raise SpecError(f"{path}: at {where}: the security scheme {name!r} is not declared in "
                                    "components/securitySchemes")
    for template in document.get("paths", {}):
        names = _TEMPLATE.findall(template)
        for name in {name for name in names if names.count(name) > 1}:
            raise SpecError(f"{path}: at paths {template}: the path names the parameter {{{name}}} twice")
    for name, scheme in schemes.items():
        _check_credential_hint(path, name, scheme.get("x-specmock-credential") if isinstance(scheme, dict) else None)


def _check_credential_hint(path: Path, name: str, hint: Any) -> None:
    if hint is None:
        return
    where = f"{path}: at components/securitySchemes/{name}/x-specmock-credential"
    if not isinstance(hint, dict):
        raise SpecError(f"{where}: must be an object (scheme, opaque, known-tokens)")
    if "scheme" in hint and not (isinstance(hint["scheme"], str) and _WORD.match(hint["scheme"])):
        raise SpecError(f"{where}: scheme must be the word before the token (Token, Bearer), not {hint['scheme']!r}")
    if "opaque" in hint and hint["opaque"] != "any":
        raise SpecError(f"{where}: opaque takes only 'any', not {hint['opaque']!r}")
    known = hint.get("known-tokens")
    if "known-tokens" in hint and not (isinstance(known, str) and "." in known):
        raise SpecError(f"{where}: known-tokens must name a table and its field (tokens.value), not {known!r}")


def is_openapi(path: Path) -> bool:
    """Whether a file looks like an OpenAPI document with operations (fragments such as a shared
    components file have no paths and are only read as reference targets)."""
    try:
        data = read_file(path)
    except SpecError:
        return True  # let loading it say what is wrong
    return isinstance(data, dict) and ("openapi" in data or "swagger" in data) and bool(data.get("paths"))


SUFFIXES = (".yaml", ".yml", ".json")


def document_paths(sources: list[Path]) -> list[Path]:
    """The documents named by SPEC arguments: files as given, and in each folder every YAML or JSON
    file with operations, sorted by name."""
    found: list[Path] = []
    for source in sources:
        if source.is_dir():
            found += sorted(path for path in source.iterdir() if path.suffix.lower() in SUFFIXES and is_openapi(path))
        elif source.exists():
            found.append(source)
        else:
            raise SpecError(f"{source}: no such file or folder")
    if not found:
        raise SpecError(f"no OpenAPI document with operations in {', '.join(map(str, sources))}")
    return found


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) for every operation of a spec."""
    methods = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
    return [
        (method, path, item[method])
        for path, item in spec.get("paths", {}).items()
        for method in methods
        if isinstance(item, dict) and method in item
    ]
