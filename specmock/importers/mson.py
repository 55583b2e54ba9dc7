"""MSON (Markdown Syntax for Object Notation), the attribute language of API Blueprint, read into
OpenAPI 3.0 schemas.

An attribute is a list item whose first line is its signature::

    + name: `sample`, `other` (type, required, nullable) - description
    + id = `default` (optional, string, `example`) ... description     (the legacy parameter form)

and whose nested items are its members (``+ Members``, ``+ Items``, ``+ Properties``, ``+ Default``,
``+ Sample``, ``+ Include Type``, ``+ One Of``, or bare members such as ``+ (object)`` in an array).
Signatures are read by a scanner that knows backticks and parentheses, so a sample such as
``2015-06-01`` or ``a (b) - c`` stays whole. Named types (``# Data Structures``) are resolved when
converted, with a budget that stops runaway or recursive expansions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from specmock.importers.fields import coerce, null_listed
from specmock.importers.problems import Kind

BASE_TYPES = {
    "string": {"type": "string"},
    "number": {"type": "number"},
    "integer": {"type": "integer"},
    "int": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "bool": {"type": "boolean"},
    "object": {"type": "object"},
    "hash": {"type": "object"},
    "array": {"type": "array"},
    "enum": {},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "date-time": {"type": "string", "format": "date-time"},
    "uuid": {"type": "string", "format": "uuid"},
    "file": {"type": "string", "format": "binary"},
}
ATTRIBUTES = frozenset({"required", "optional", "fixed", "fixed-type", "nullable", "sample", "default"})
SECTIONS = ("members", "items", "properties", "values")
MAX_NODES = 5000
"""How many schema nodes one document's named types may expand into (a guard against types that
refer to each other exponentially)."""
MAX_DEPTH = 32

Warn = Callable[[Kind, str, int | None], None]


@dataclass
class Item:
    """A list item as an outline: its first line, the text under it and its nested items."""

    text: str
    line: int | None = None
    notes: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)


@dataclass
class Signature:
    """What an attribute's first line says."""

    name: str | None
    values: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    attributes: set[str] = field(default_factory=set)
    examples: list[str] = field(default_factory=list)
    default: str | None = None
    description: str = ""


@dataclass
class Member:
    """An attribute: its signature, where it stands and its nested members."""

    signature: Signature
    line: int | None = None
    description: str = ""
    default: str | None = None
    samples: list[str] = field(default_factory=list)
    enum: list[str] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)
    one_of: bool = False

    @property
    def name(self) -> str | None:
        return self.signature.name

    @property
    def required(self) -> bool | None:
        attributes = self.signature.attributes
        return True if "required" in attributes else False if "optional" in attributes else None


def _outside(text: str) -> Iterator[tuple[int, str, int]]:
    """(index, character, depth) for each character outside backticks; ``depth`` counts the
    parentheses and brackets open around it (an opening one is outside itself)."""
    depth, quoted = 0, False
    for index, char in enumerate(text):
        if char == "`":
            quoted = not quoted
        elif not quoted:
            if char in ")]":
                depth = max(0, depth - 1)
            yield index, char, depth
            if char in "([":
                depth += 1


def _split_top(text: str, separator: str) -> list[str]:
    """``text`` split at ``separator`` characters outside backticks, parentheses and brackets."""
    cuts = [index for index, char, depth in _outside(text) if char == separator and depth == 0]
    bounds = zip([-1, *cuts], [*cuts, len(text)], strict=True)
    return [text[start + 1 : end] for start, end in bounds]


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) > 1 and text[0] == text[-1] == "`":
        return text[1:-1]
    if len(text) > 2 and text[0] == text[-1] == "*":
        return text.strip("*")
    return text


def _description_at(text: str) -> int:
    """Where the description starts (the index of its ``-`` or ``...``), or -1: the first one
    outside backticks and parentheses, after white space or a closing parenthesis, before white
    space or the end."""
    for index, char, depth in _outside(text):
        if depth == 0 and index > 0 and (text[index - 1].isspace() or text[index - 1] == ")"):
            rest = text[index:]
            after = rest[3:4] if rest.startswith("...") else rest[1:2] if char == "-" else None
            if after is not None and (after == "" or after.isspace()):
                return index
    return -1


def _type_group(text: str) -> tuple[str, str | None]:
    """``head (type, attrs)`` -> (``head``, ``type, attrs``): the parenthesised group outside
    backticks that ends the text, if one does."""
    stripped = text.rstrip()
    opened, last = -1, None
    for index, char, depth in _outside(stripped):
        if char == "(" and depth == 0:
            opened = index
        last = (index, char, depth)
    if opened < 0 or last != (len(stripped) - 1, ")", 0):
        return text, None
    return stripped[:opened], stripped[opened + 1 : -1]


def parse_signature(text: str) -> Signature | None:
    """Read an attribute's first line; None when it has no name, no type and no value."""
    line = text.strip()
    cut = _description_at(line)
    head, description = (line[:cut], line[cut:].lstrip(".-").strip()) if cut >= 0 else (line, "")
    head, group = _type_group(head)
    head = head.strip()
    name_part, colon, value_part = head, "", ""
    if head.startswith("`") and "`" in head[1:]:
        end = head.index("`", 1) + 1
        name_part, rest = head[:end], head[end:]
        colon, value_part = (":", rest.strip()[1:]) if rest.strip().startswith(":") else ("", "")
    elif ":" in head:
        name_part, colon, value_part = head.partition(":")
    default = None
    if "=" in name_part and not name_part.startswith("`"):
        name_part, _, assigned = name_part.partition("=")
        default = _unquote(assigned)
    signature = Signature(_unquote(name_part) or None, description=description, default=default)
    if colon:
        signature.values = [_unquote(value) for value in _split_top(value_part, ",") if value.strip()]
    for token in (token.strip() for token in _split_top(group or "", ",")):
        lowered = token.lower()
        if not token:
            continue
        if lowered in ATTRIBUTES:
            signature.attributes.add(lowered)
        elif token.startswith("`") and token.endswith("`") and len(token) > 1:
            signature.examples.append(token[1:-1])
        else:
            signature.types.append(token)
    if signature.name is None and not signature.types and not signature.values:
        return None
    if signature.name and " " in signature.name.strip() and not signature.types and not colon:
        return None  # prose, not an attribute
    return signature


def read_members(items: list[Item], warn: Warn) -> list[Member]:
    """The members an outline of list items describes; unreadable items are reported and left out."""
    members = []
    for item in items:
        if member := read_member(item, warn):
            members.append(member)
    return members


def _keyword(text: str) -> tuple[str, str]:
    word, _, rest = text.strip().partition(" ")
    head, colon, after = word.partition(":")
    if colon:
        return head.lower(), (after + " " + rest).strip()
    return word.lower(), rest.strip()


def read_member(item: Item, warn: Warn, signature: Signature | None = None) -> Member | None:
    """One attribute and its nested members; ``signature`` stands in for the item's own first line
    (a named type's heading, an ``Attributes (Type)`` section)."""
    signature = signature or parse_signature(item.text)
    if signature is None:
        warn(Kind.SKIPPED, f"unreadable attribute {item.text.strip()!r} left out", item.line)
        return None
    member = Member(signature, item.line, " ".join([signature.description, *item.notes]).strip())
    member.default = signature.default
    typed = _type_names(signature)
    for child in item.items:
        keyword, rest = _keyword(child.text)
        if keyword in ("default", "sample") and (rest or not child.items):
            values = [_unquote(value) for value in _split_top(rest, ",") if value.strip()]
            values += [_unquote(sub.text) for sub in child.items]
            if keyword == "default":
                member.default = values[0] if len(values) == 1 else member.default
            else:
                member.samples.extend(values)
        elif keyword in ("default", "sample"):
            member.samples.extend(_unquote(sub.text) for sub in child.items)
        elif keyword == "include" and rest:
            member.includes.append(_unquote(rest))
        elif keyword == "one" and rest.lower() == "of":
            member.one_of = True
            member.members.extend(read_members(child.items, warn))
        elif keyword in SECTIONS and not rest:
            if "enum" in typed or keyword == "values":
                member.enum.extend(_enum_value(sub) for sub in child.items)
            else:
                member.members.extend(read_members(child.items, warn))
        elif "enum" in typed:
            member.enum.append(_enum_value(child))
        elif found := read_member(child, warn):
            member.members.append(found)
    return member


def _enum_value(item: Item) -> str:
    signature = parse_signature(item.text)
    if signature and signature.name is not None:
        return signature.name
    return signature.values[0] if signature and signature.values else _unquote(item.text)


def _type_names(signature: Signature) -> list[str]:
    """``array[Photo]`` -> [``array``]: the base type names of a signature, lower case."""
    return [token.split("[", 1)[0].strip().lower() for token in signature.types]


def _nested(token: str) -> list[str]:
    """``array[Photo, Album]`` -> [``Photo``, ``Album``]."""
    if "[" not in token or not token.rstrip().endswith("]"):
        return []
    inside = token[token.index("[") + 1 : token.rstrip().rindex("]")]
    return [name.strip() for name in _split_top(inside, ",") if name.strip()]


class Resolver:
    """Turns members into schemas, resolving named types (a document's ``# Data Structures``) within
    a budget: a type that includes itself, or an expansion past :data:`MAX_NODES`, is cut short and
    reported."""

    def __init__(self, types: dict[str, Member], warn: Warn) -> None:
        self.types = {name.lower(): member for name, member in types.items()}
        self.warn = warn
        self.nodes = 0
        self.cut = False

    def schema(self, member: Member, stack: tuple[str, ...] = ()) -> dict[str, Any]:
        """The schema of one attribute (its name and requiredness are its parent's to record)."""
        if self.cut:
            return {}
        self.nodes += 1
        if self.nodes > MAX_NODES or len(stack) > MAX_DEPTH:
            if not self.cut:
                self.warn(Kind.SKIPPED, "named types expand too far: the rest was not expanded", member.line)
            self.cut = True
            return {}
        signature = member.signature
        schema: dict[str, Any] = {}
        nested: list[str] = []
        for token in signature.types:
            base = token.split("[", 1)[0].strip()
            if base.lower() in BASE_TYPES:
                schema.update(BASE_TYPES[base.lower()])
                nested = _nested(token)
                if base.lower() == "enum":
                    schema["type"] = self._enum_type(nested)
            else:
                schema.update(self.named(base, member.line, stack))
        for name in member.includes:
            _merge_object(schema, self.named(name, member.line, stack))
        values = signature.values or signature.examples
        kind = schema.get("type")
        if not kind and "enum" not in _type_names(signature):
            kind = "object" if any(m.name for m in member.members) else "array" if len(values) > 1 else "string"
            schema["type"] = kind
        if kind == "object" or (member.members and kind not in ("array",) and "enum" not in schema):
            self._object(schema, member, stack)
        elif kind == "array":
            self._array(schema, member, nested, values, stack)
        enum = member.enum or (values if "enum" in _type_names(signature) and len(values) > 1 else [])
        if "enum" in _type_names(signature) or enum:
            schema["enum"] = [coerce(value, schema.get("type")) for value in dict.fromkeys(enum)]
            if not schema["enum"]:
                del schema["enum"]
        if values and kind not in ("object", "array"):
            schema["example"] = coerce(values[0], schema.get("type"))
        if member.samples and kind not in ("object",):
            samples = [coerce(value, schema.get("items", {}).get("type")) for value in member.samples]
            schema["example"] = samples if kind == "array" else coerce(member.samples[0], kind)
        if member.default is not None and kind not in ("object", "array"):
            schema["default"] = coerce(member.default, schema.get("type"))
        if "nullable" in signature.attributes:
            schema["nullable"] = True
            null_listed(schema)
        if member.description:
            schema["description"] = member.description
        return schema

    def named(self, name: str, line: int | None, stack: tuple[str, ...]) -> dict[str, Any]:
        key = _unquote(name).lower()
        if key in stack:
            self.warn(Kind.SKIPPED, f"type {name} includes itself: not expanded again", line)
            return {"type": "object"}
        if key not in self.types:
            self.warn(Kind.INCOMPLETE, f"type {name!r} is not defined in this document: left untyped", line)
            return {}
        schema = self.schema(self.types[key], (*stack, key))
        schema.pop("description", None)
        return schema

    def _enum_type(self, nested: list[str]) -> str:
        kinds = {BASE_TYPES.get(name.lower(), {}).get("type") for name in nested} - {None}
        return kinds.pop() if len(kinds) == 1 else "string"

    def _object(self, schema: dict[str, Any], member: Member, stack: tuple[str, ...]) -> None:
        schema["type"] = "object"
        properties = schema.setdefault("properties", {})
        required = list(schema.get("required", []))
        for child in member.members:
            if child.name is None:
                self.warn(Kind.SKIPPED, "an object member without a name left out", child.line)
                continue
            properties[child.name] = self.schema(child, stack)
            if child.required and not member.one_of and child.name not in required:
                required.append(child.name)
            elif child.required is False and child.name in required:
                required.remove(child.name)
        if member.one_of:
            self.warn(Kind.ASSUMED, "'One Of' alternatives read as optional properties", member.line)
        if required:
            schema["required"] = required
        if not properties:
            del schema["properties"]

    def _array(
        self, schema: dict[str, Any], member: Member, nested: list[str], values: list[str], stack: tuple[str, ...]
    ) -> None:
        branches = [self._item_type(name, member.line, stack) for name in nested]
        values_only = [_as_value(child) for child in member.members]
        structured = [child for child in values_only if child.signature.types or child.members or not nested]
        branches += [self.schema(child, stack) for child in structured]
        distinct = list({repr(sorted(branch.items())): branch for branch in branches}.values())
        if len(distinct) == 1:
            schema["items"] = distinct[0]
        elif distinct:
            schema["items"] = {"anyOf": distinct}
        else:
            schema.setdefault("items", {})
        samples = values or [value for child in values_only for value in child.signature.values]
        if samples:
            schema["example"] = [coerce(value, schema["items"].get("type")) for value in samples]

    def _item_type(self, name: str, line: int | None, stack: tuple[str, ...]) -> dict[str, Any]:
        base = BASE_TYPES.get(name.lower())
        return dict(base) if base is not None else self.named(name, line, stack)


def _as_value(member: Member) -> Member:
    """An array member: items have no names, so ``+ Ubuntu (string)`` is the value ``Ubuntu``."""
    signature = member.signature
    if signature.name is None or signature.values:
        return member
    value = Signature(None, [signature.name], signature.types, signature.attributes, signature.examples)
    return Member(value, member.line, member.description, member.default, member.samples, member.enum, member.members)


def _merge_object(schema: dict[str, Any], included: dict[str, Any]) -> None:
    """Mix an included type's properties into an object schema."""
    schema.setdefault("type", included.get("type", "object"))
    schema.setdefault("properties", {}).update(included.get("properties", {}))
    required = list(dict.fromkeys([*schema.get("required", []), *included.get("required", [])]))
    if required:
        schema["required"] = required
