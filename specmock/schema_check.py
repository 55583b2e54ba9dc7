"""Compiled JSON Schema checks of the contract's request schemas, one per schema, fast when the
value is valid.

jsonschema (what Connexion validates with) names every violation, but walks the schema in Python:
checking a small JSON body costs tens of microseconds, a sixth of a create request. jsonschema_rs
(Rust, already installed with Schemathesis) answers "valid?" in a few. ``Check.iter_errors`` asks
jsonschema_rs first and runs jsonschema only when it objects, or cannot read the value (lone
surrogates, integers beyond 64 bits): jsonschema's verdict and messages stand for every invalid
value. That is sound only if jsonschema_rs never accepts what jsonschema refuses, so:

* formats are checked by OpenAPI 3.0's format checker (openapi-schema-validator's, which jsonschema_rs
  calls back); formats only jsonschema_rs knows make it stricter, never laxer;
* Connexion's ``nullable`` is unknown to jsonschema_rs, which refuses ``null`` and lets jsonschema
  decide; its regular expressions (ECMA 262) are no laxer than Python's for the contract's patterns
  (Python's ``$`` also matches before a final newline);
* a schema using ``readOnly`` or ``writeOnly`` (which Connexion's validators interpret), one whose
  objects form a cycle (references resolved in place can) or one jsonschema_rs cannot compile is
  checked by jsonschema alone.
"""

from __future__ import annotations

import re
import typing as t

import jsonschema_rs
from jsonschema import Draft4Validator, ValidationError
from openapi_schema_validator import OAS30Validator

# OpenAPI 3.0's formats (date, byte, int32, uuid, ...) on top of JSON Schema draft 4's, which alone
# would let an invalid `format: date` through (Connexion checks draft 4's only).
_FORMATS = OAS30Validator.FORMAT_CHECKER
_UNSHARED_KEYWORDS = {"readOnly", "writeOnly", "x-readOnly", "x-writeOnly"}


class Check:
    """One schema's check: ``iter_errors`` like jsonschema's, through jsonschema_rs when valid."""

    def __init__(self, schema: dict, kind: type = Draft4Validator, check_formats: bool = False) -> None:
        self.slow = kind(schema, format_checker=_FORMATS if check_formats else None)
        self.fast = _compiled(schema, check_formats)

    def passes(self, instance: t.Any) -> bool:
        """True when jsonschema_rs finds ``instance`` valid (``iter_errors`` then yields nothing);
        False means: ask ``iter_errors``."""
        try:
            return self.fast is not None and self.fast.is_valid(instance)
        except (ValueError, TypeError, OverflowError):
            return False

    def iter_errors(self, instance: t.Any) -> t.Iterator[ValidationError]:
        if self.fast is not None:
            try:
                if self.fast.is_valid(instance):
                    return iter(())
            except (ValueError, TypeError, OverflowError):  # a value Rust cannot read: jsonschema decides
                pass
        return self.slow.iter_errors(instance)


def _compiled(schema: dict, check_formats: bool) -> t.Any:
    if not _plain(schema):
        return None
    formats = {name: _format_check(name) for name in _FORMATS.checkers} if check_formats else None
    try:
        return jsonschema_rs.Draft4Validator(schema, validate_formats=check_formats, formats=formats)
    except Exception:  # a schema jsonschema_rs cannot compile is checked by jsonschema alone
        return None


# Values in the one spelling every checker of the format accepts, told at once: a UUID in its
# canonical 8-4-4-4-12 hex form is one that ``is_uuid`` accepts (``uuid.UUID`` parses it, the dashes
# stand where it looks for them); an RFC 3339 date-time in upper case with ASCII digits, a year other
# than 0 and a day of at most 28 (a day every month has) is one that ``validate_rfc3339`` accepts.
# Any other value (the 29th to the 31st, a lower-case ``t``) is the checker's to judge.
_CANONICAL = {
    "uuid": re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
    "date-time": re.compile(r"(?!0000)[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])T(?:[01][0-9]|2[0-3])"
                            r":[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"),
}


def _format_check(name: str) -> t.Callable[[str], bool]:
    canonical = _CANONICAL.get(name)
    if canonical is None:
        return lambda value: _FORMATS.conforms(value, name)
    fullmatch = canonical.fullmatch
    return lambda value: (isinstance(value, str) and fullmatch(value) is not None) or _FORMATS.conforms(value, name)


def _plain(node: t.Any, path: frozenset[int] = frozenset()) -> bool:
    """Whether ``node`` has no cycle (a spec whose references were resolved in place can hold some)
    and none of the keywords only Connexion's validators interpret."""
    if not isinstance(node, (dict, list)):
        return True
    if id(node) in path:
        return False
    path = path | {id(node)}
    if isinstance(node, dict):
        return not (_UNSHARED_KEYWORDS & node.keys()) and all(_plain(value, path) for value in node.values())
    return all(_plain(item, path) for item in node)


_CHECKS: dict[tuple[int, type, bool], tuple[dict, Check]] = {}


def check_for(schema: dict, kind: type = Draft4Validator, check_formats: bool = False) -> Check:
    """The check of ``schema``, compiled on first use. Only the spec's own schemas come here (they
    live as long as the app, see ``specmock.engine``), so the cache is as big as the contract."""
    key = (id(schema), kind, check_formats)
    cached = _CHECKS.get(key)
    if cached is None or cached[0] is not schema:
        cached = _CHECKS[key] = (schema, Check(schema, kind, check_formats))
    return cached[1]
