"""The ``x-specmock`` extension: what a contract document tells specmock beyond OpenAPI.

Everything is optional; a plain OpenAPI document is served without any of it.

Top level of a document::

    x-specmock:
      handlers: my_package.handlers   # a module whose functions, named by operationId, handle operations
      fixtures: ../fixtures/pets.json # seed data (relative to the document)
      checks: my_package.checks       # extra `specmock verify` checks (Schemathesis checks)
      demo:                           # the credential the docs page shows, per security scheme:
        BearerAuth: {token: demo-token}           #   an opaque token, or
        TokenAuth: {claims: {user_id: u1}}        #   claims of a JWT minted with the server's secret
      anonymous: lenient              # without a credential, lenient mode serves the demo caller

    x-specmock-notes:                 # contract decisions, shown as a table in the docs
      - {topic: ..., document: ..., decision: ..., why: ...}

On a security scheme (``components.securitySchemes.<name>``)::

    x-specmock-credential:
      scheme: Token                   # the value is "<scheme> <token>" (Rails' token="..." accepted)
      known-tokens: users.token       # opaque tokens accepted in every mode: this table's field
      opaque: any                     # lenient mode takes any opaque token, each a user of its own

On a response header: ``x-specmock-value: caller-jwt | uuid`` (see ``specmock.engine.headers``).
On a resource's collection path: ``x-specmock-resource`` (see ``specmock.contract.resources``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specmock.contract.loading import SpecError

ANONYMOUS = ("never", "lenient")
_KEYS = {"handlers", "fixtures", "checks", "demo", "anonymous"}
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


@dataclass(frozen=True)
class Note:
    """One contract decision: what the source document says, what the contract does, and why."""

    topic: str
    document: str
    decision: str
    why: str = ""

    @property
    def slug(self) -> str:
        return "decision-" + (re.sub(r"[^a-z0-9]+", "-", self.topic.lower()).strip("-") or "note")


@dataclass(frozen=True)
class Manifest:
    handlers: str | None = None
    fixtures: Path | None = None
    checks: str | None = None
    demo: dict[str, dict[str, Any]] = field(default_factory=dict)
    anonymous: str = "never"
    source: str | None = None
    notes: tuple[Note, ...] = ()


def read_manifest(spec: dict[str, Any], path: Path) -> Manifest:
    raw = spec.get("x-specmock", {})
    if not isinstance(raw, dict):
        raise SpecError(f"{path}: x-specmock must be an object")
    unknown = set(raw) - _KEYS
    if unknown:
        raise SpecError(f"{path}: x-specmock: unknown key(s) {', '.join(sorted(unknown))}; known: "
                        f"{', '.join(sorted(_KEYS))}")
    for key in ("handlers", "checks"):
        if key in raw and not (isinstance(raw[key], str) and _MODULE.match(raw[key])):
            raise SpecError(f"{path}: x-specmock.{key} must be a Python module name, not {raw[key]!r}")
    fixtures = raw.get("fixtures")
    if fixtures is not None and not isinstance(fixtures, str):
        raise SpecError(f"{path}: x-specmock.fixtures must be a file name")
    anonymous = raw.get("anonymous", "never")
    if anonymous not in ANONYMOUS:
        raise SpecError(f"{path}: x-specmock.anonymous must be one of {', '.join(ANONYMOUS)}")
    schemes = spec.get("components", {}).get("securitySchemes", {})
    demo = raw.get("demo", {})
    if not isinstance(demo, dict):
        raise SpecError(f"{path}: x-specmock.demo must map security scheme names to credentials")
    for name, value in demo.items():
        if name not in schemes:
            raise SpecError(f"{path}: x-specmock.demo names {name!r}, which is not a security scheme of the document")
        if not (isinstance(value, dict) and len(value) == 1 and (
                isinstance(value.get("token"), str) or isinstance(value.get("claims"), dict))):
            raise SpecError(f"{path}: x-specmock.demo.{name} must be {{token: ...}} or {{claims: {{...}}}}")
    source = spec.get("info", {}).get("x-specmock-source")
    return Manifest(
        handlers=raw.get("handlers"), fixtures=(path.parent / fixtures).resolve() if fixtures else None,
        checks=raw.get("checks"), demo=demo, anonymous=anonymous,
        source=source if isinstance(source, str) else None, notes=_notes(spec, path),
    )


def _notes(spec: dict[str, Any], path: Path) -> tuple[Note, ...]:
    raw = spec.get("x-specmock-notes", [])
    if not isinstance(raw, list):
        raise SpecError(f"{path}: x-specmock-notes must be a list")
    notes = []
    for number, entry in enumerate(raw, 1):
        if not (isinstance(entry, dict) and all(isinstance(entry.get(k), str) for k in ("topic", "document",
                                                                                           "decision"))):
            raise SpecError(f"{path}: x-specmock-notes[{number}] needs the strings topic, document and decision")
        notes.append(Note(entry["topic"], entry["document"], entry["decision"], str(entry.get("why", ""))))
    return tuple(notes)
