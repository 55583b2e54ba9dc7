"""API Blueprint: ``# Group X``, resources ``## Name [/path/{id}{?query}]``, actions ``### Name [METHOD]``
(or ``[METHOD /path]``), and ``+ Parameters`` / ``+ Attributes`` / ``+ Model`` / ``+ Request`` /
``+ Response`` sections whose bodies are indented blocks, ``+ Headers`` / ``+ Body`` sections or
references to a resource's model (``[Name][]``). Attributes and parameters are MSON
(:mod:`specmock.importers.mson`); the ``Data Structures`` section (at any heading level) and each
resource's attributes name types that other attributes use. ``- **name**: text`` lists describe a
resource's or an action's properties."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from markdown_it.tree import SyntaxTreeNode

from specmock.importers.markup import MarkdownReader, inline_text, line_of, markdown_tree
from specmock.importers.model import METHOD_PATTERN, Body, Document, Field, Operation, Response
from specmock.importers.mson import Item, Member, Resolver, Signature, parse_signature, read_member, read_members
from specmock.importers.problems import Kind
from specmock.importers.reading import parse_headers, parse_status, read_body
from specmock.importers.registry import importer

_ACTION = re.compile(rf"^(?P<method>{METHOD_PATTERN})(\s+(?P<uri>/\S*))?$")
_SECTION = re.compile(
    r"^(?P<kind>Parameters|Attributes|Model|Request|Response|Body|Headers|Schema)\b\s*(?P<rest>.*)$", re.S
)
_PARENS = re.compile(r"\((?P<inside>[^()]*)\)")
_MODEL_REF = re.compile(r"^\[(?P<name>[^\]]+)\]\[\]$")
_PROPERTY = re.compile(r"^(\*\*|`)(?P<name>[\w.\[\]-]+)(\*\*|`)\s*[:-]?\s*(?P<text>.*)$", re.S)
_URI_VARS = re.compile(r"\{(?P<op>[?&+#]?)(?P<names>[^{}]*)\}")
_META = re.compile(r"^(?P<key>FORMAT|HOST)\s*:\s*(?P<value>\S+)", re.M)
_ACTION_HEADING = re.compile(rf"^#+\s[^\n\[]*\[(?:/[^\]\n]*|(?:{METHOD_PATTERN})\b[^\]\n]*)\]\s*$", re.M)
_BARE_HEADING = re.compile(rf"^#+\s(?:{METHOD_PATTERN}) /\S*\s*$", re.M)
_PAYLOAD = re.compile(r"^[+*-] (?:Request|Response)\b", re.M)
BODY_METHODS = ("post", "put", "patch")
QUERY_METHODS = ("get", "head")
"""The actions a resource's URI template query variables belong to when only an action, not the
resource, describes them (a POST to a collection does not take its list's paging)."""
DATA_STRUCTURES = "data structures"


def detect(text: str) -> float:
    if text.lstrip().startswith("FORMAT: 1A"):
        return 1.0
    if _ACTION_HEADING.search(text) or (_BARE_HEADING.search(text) and _PAYLOAD.search(text)):
        return 0.9
    return 0.0


@dataclass
class _Model:
    body: Body | None = None
    headers: dict[str, str] = field(default_factory=dict)
    fields: list[Field] = field(default_factory=list)
    schema: dict[str, Any] | None = None


@dataclass
class _Resource:
    name: str
    uri: str
    parameters: list[Field] = field(default_factory=list)
    properties: list[Field] = field(default_factory=list)


@dataclass
class _Type:
    """A named type being read: its heading's signature, then its description and members."""

    signature: Signature
    line: int | None
    notes: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)


@importer("apiblueprint", detect=detect)
def parse(text: str, file: str) -> Document:
    """Read an API Blueprint document."""
    reader = _Reader(Document(file, "apiblueprint"))
    for node in markdown_tree(text).children:
        reader.visit(node)
    reader.finish()
    return reader.document


def _head(item: SyntaxTreeNode) -> str:
    """The first paragraph of a list item: ``Response 200 (application/json)``."""
    return inline_text(item.children[0]) if item.children and item.children[0].type == "paragraph" else ""


def outline(item: SyntaxTreeNode) -> Item:
    """A markdown list item as an MSON outline: first line, the text under it, nested items."""
    paragraphs = [child for child in item.children if child.type == "paragraph"]
    lines = _head(item).splitlines()
    notes = [line.strip() for line in lines[1:]] + [inline_text(paragraph) for paragraph in paragraphs[1:]]
    nested = [outline(sub) for child in item.children if child.type.endswith("_list") for sub in child.children]
    return Item(lines[0] if lines else "", line_of(item), [note for note in notes if note], nested)


def _outlines(nodes: list[SyntaxTreeNode]) -> list[Item]:
    return [outline(item) for node in nodes if node.type.endswith("_list") for item in node.children]


def _uri_template(uri: str) -> tuple[str, list[str]]:
    """``/a/{id}{?page,size}`` -> (``/a/{id}``, [``page``, ``size``])."""
    query = [
        name.strip()
        for match in _URI_VARS.finditer(uri)
        if match["op"] in ("?", "&")
        for name in match["names"].split(",")
    ]
    path = _URI_VARS.sub(lambda m: "" if m["op"] in ("?", "&") else "{" + m["names"] + "}", uri)
    return path, query


def _body_signature(rest: str) -> Signature:
    """The type an ``Attributes (Type)`` section names (none: an object of its members)."""
    kind = _PARENS.search(rest)
    named = parse_signature(f"({kind['inside']})") if kind and kind["inside"].strip() else None
    return named or Signature(None)


def _bare_action(text: str) -> tuple[str, str] | None:
    """``GET /message``: an action heading that is its method and URI (the name is left empty)."""
    action = _ACTION.match(text.strip())
    return ("", text.strip()) if action and action["uri"] else None


def _reference(text: str) -> tuple[str, str] | None:
    """``Name [ref]`` -> (``Name``, ``ref``): a heading that ends with a bracketed reference."""
    text = text.rstrip()
    start = text.rfind("[")
    if not text.endswith("]") or start < 0 or "]" in text[start:-1] or not text[start + 1 : -1].strip():
        return None
    return text[:start].strip(), text[start + 1 : -1].strip()


class _Reader(MarkdownReader):
    def __init__(self, document: Document) -> None:
        super().__init__(document)
        self.group = ""
        self.resource: _Resource | None = None
        self.uri = ""
        self.action_properties: list[Field] = []
        self.action_attributes: Member | None = None
        self.models: dict[str, _Model] = {}
        self.types: dict[str, Member] = {}
        self.structures_level: int | None = None
        self.structure: _Type | None = None
        self.references: list[tuple[Response | Operation, str, int | None]] = []
        self.pending: list[tuple[Member, Callable[[dict[str, Any]], None]]] = []
        self.described: list[tuple[Operation, list[Field], Member | None]] = []

    def line_warn(self, kind: Kind, message: str, line: int | None) -> None:
        self.warn(kind, message, line)

    def visit(self, node: SyntaxTreeNode) -> None:
        line = line_of(node)
        if node.type == "heading":
            self.heading(int(node.tag[1]), inline_text(node), line)
        elif self.structures_level is not None:
            self.structure_part(node, line)
        elif node.type == "paragraph":
            self.paragraph(inline_text(node))
        elif node.type == "bullet_list":
            for item in node.children:
                self.item(item)
        elif node.type in ("code_block", "fence"):
            self.warn(Kind.SKIPPED, "code block outside a Request, Response or Model section left out", line)
        elif node.type not in ("hr", "html_block"):
            self.warn(Kind.SKIPPED, f"{node.type.replace('_', ' ')} left out", line)

    def structure_part(self, node: SyntaxTreeNode, line: int | None) -> None:
        """A paragraph or list under ``Data Structures``: the current named type's."""
        if self.structure is None:
            if node.type not in ("hr", "html_block"):
                self.warn(Kind.SKIPPED, f"{node.type.replace('_', ' ')} under Data Structures outside a type", line)
        elif node.type == "paragraph":
            self.structure.notes.append(inline_text(node))
        elif node.type.endswith("_list"):
            self.structure.items.extend(_outlines([node]))
        elif node.type not in ("hr", "html_block"):
            self.warn(
                Kind.SKIPPED, f"{node.type.replace('_', ' ')} in type {self.structure.signature.name} left out", line
            )

    def heading(self, level: int, text: str, line: int | None) -> None:
        referenced = _reference(text) or _bare_action(text)
        action = _ACTION.match(referenced[1]) if referenced else None
        resource = referenced is not None and referenced[1].startswith("/")
        if self.structures_level is not None and level > self.structures_level and not resource and not action:
            self.finish_structure()
            signature = parse_signature(text) or Signature(text.strip())
            self.structure = _Type(signature, line)
            return
        if text.startswith("Group ") or text.lower() == DATA_STRUCTURES or resource:
            self.finish_action()
            self.finish_structure()
            self.structures_level = None
        if text.startswith("Group "):
            self.group, self.resource = text.removeprefix("Group ").strip(), None
        elif text.lower() == DATA_STRUCTURES:
            self.resource, self.structures_level = None, level
        elif resource:
            self.resource = _Resource(*referenced)
            self.uri = self.resource.uri
            self.models.setdefault(self.resource.name, _Model())
        elif action and referenced:
            self.action(referenced[0], action["method"], action["uri"], line)
        elif level == 1 and not self.document.title:
            self.document.title = text
        else:
            self.warn(Kind.SKIPPED, f"unknown section {'#' * level} {text!r} left out", line)

    def finish_structure(self) -> None:
        if self.structure is None:
            return
        found, self.structure = self.structure, None
        item = Item(found.signature.name or "", found.line, found.notes, found.items)
        member = read_member(item, self.line_warn, found.signature)
        if member and found.signature.name:
            self.types[found.signature.name] = member

    def action(self, name: str, method: str, uri: str | None, line: int | None) -> None:
        self.finish_action()
        target = uri or (self.resource.uri if self.resource else "")
        if not target:
            self.warn(Kind.SKIPPED, f"action {name!r} has no resource URI: left out", line)
            return
        path, query = _uri_template(target)
        self.uri = target
        self.operation = Operation(
            method.lower(), path, self.document.file, line, name, tags=[self.group] if self.group else []
        )
        inherited = self.resource.parameters if self.resource and not uri else []
        stated = {found.name for found in inherited}
        if uri or method.lower() in QUERY_METHODS:
            self.operation.fields.extend(Field(name, "query", line=line) for name in query if name not in stated)
        self.operation.fields.extend(inherited)

    def paragraph(self, text: str) -> None:
        meta = dict(_META.findall(text))
        if "HOST" in meta:
            self.document.base = meta["HOST"].rstrip("/") or None
        elif meta:
            return
        elif self.operation:
            self.operation.describe(text)
        elif self.resource is None:
            self.document.description = f"{self.document.description}\n\n{text}".strip()

    def item(self, item: SyntaxTreeNode) -> None:
        """One top-level list item: a section (``+ Response 200``) or a property (``- **name**: text``)."""
        head, line = _head(item), line_of(item)
        section, prop = _SECTION.match(head), _PROPERTY.match(head)
        if prop:
            found = Field(prop["name"], description=" ".join(prop["text"].split()), line=line)
            self.properties().append(found)
        elif section and section["kind"] == "Parameters":
            self.parameters(item)
        elif section and section["kind"] == "Attributes":
            member = self.attributes(item, section["rest"])
            if self.operation:
                self.action_attributes = member
            elif self.resource:
                self.resource_attributes(member)
        elif section and section["kind"] == "Model" and self.resource:
            model = self.models[self.resource.name]
            model.body, model.headers, member = self.payload(item, section["rest"], line)
            model.fields = self.resource.properties
            if member:
                self.resource_attributes(member)
        elif section and section["kind"] in ("Request", "Response") and self.operation:
            self.exchange(section["kind"], section["rest"], item, line)
        else:
            self.warn(Kind.SKIPPED, f"list item '+ {head.splitlines()[0] if head else ''}' left out", line)

    def properties(self) -> list[Field]:
        """Where described properties go: the action's, else the resource's."""
        return self.action_properties if self.operation else self.resource.properties if self.resource else []

    def parameters(self, item: SyntaxTreeNode) -> None:
        query = _uri_template(self.uri)[1]
        target = self.operation.fields if self.operation else self.resource.parameters if self.resource else []
        for member in read_members(_outlines(item.children[1:]), self.line_warn):
            name = member.name or ""
            found = Field(
                name, "query" if name in query else "path", member.required, member.description, line=member.line
            )
            self.resolve(member, lambda schema, found=found: found.schema.update(_parameter_schema(schema)))
            target.append(found)

    def attributes(self, item: SyntaxTreeNode, rest: str) -> Member:
        """``+ Attributes (Type)`` with nested members: the whole body as one member."""
        head = Item("", line_of(item), [], _outlines(item.children[1:]))
        return read_member(head, self.line_warn, _body_signature(rest)) or Member(Signature(None))

    def resource_attributes(self, member: Member) -> None:
        """A resource's attributes name a type after the resource and describe its model."""
        resource: _Resource = self.resource  # type: ignore[assignment]
        self.types.setdefault(resource.name, member)
        model = self.models[resource.name]
        self.resolve(member, lambda schema: setattr(model, "schema", schema))

    def resolve(self, member: Member, use: Callable[[dict[str, Any]], None]) -> None:
        """Convert ``member`` once every named type is known (they may be defined later)."""
        self.pending.append((member, use))

    def payload(
        self, item: SyntaxTreeNode, rest: str, line: int | None
    ) -> tuple[Body | None, dict[str, str], Member | None]:
        """The body, headers and attributes of a Request, Response or Model section."""
        media = _PARENS.search(rest)
        headers: dict[str, str] = {}
        body_text = None
        attributes = None
        for child in item.children[1:]:
            if child.type in ("code_block", "fence"):
                body_text = child.content
            for sub in child.children if child.type == "bullet_list" else []:
                head = _head(sub)
                block = next((node.content for node in sub.children if node.type in ("code_block", "fence")), "")
                if head == "Headers":
                    headers.update(parse_headers(block))
                elif head == "Body":
                    body_text = block
                elif head.startswith("Attributes"):
                    attributes = self.attributes(sub, head.removeprefix("Attributes"))
                elif head.startswith("Schema"):
                    self.warn(
                        Kind.SKIPPED, "JSON Schema section left out: the attributes and body are used", line_of(sub)
                    )
                else:
                    self.warn(Kind.SKIPPED, f"section '+ {head}' left out", line_of(sub))
        media_type = (media["inside"].strip() if media else None) or headers.get("Content-Type")
        if body_text is None:
            return None, headers, attributes
        where = f"model {self.resource.name}: " if self.resource and not self.operation else ""
        body = read_body(body_text, media_type, lambda kind, note: self.warn(kind, f"{where}{note}", line))
        return body, headers, attributes

    def exchange(self, kind: str, rest: str, item: SyntaxTreeNode, line: int | None) -> None:
        operation: Operation = self.operation  # type: ignore[assignment]
        reference = next((_MODEL_REF.match(inline_text(c)) for c in item.children[1:] if c.type == "paragraph"), None)
        body, headers, attributes = self.payload(item, rest, line)
        if kind == "Request":
            operation.fields.extend(Field(name, "header", schema={"example": value}) for name, value in headers.items())
            operation.requests.extend([body] if body else [])
            if attributes:
                self.resolve(attributes, lambda schema: setattr(operation, "request_schema", schema))
            if reference:
                self.references.append((operation, reference["name"], line))
            return
        status = parse_status(rest)
        if status is None:
            self.warn(Kind.ASSUMED, f"response without a status ({rest!r}): taken as 200", line)
        response = Response(status[0] if status else 200, line=line, body=body, headers=headers)
        if attributes:
            self.resolve(attributes, lambda schema: setattr(response, "schema", schema))
        operation.responses.append(response)
        if reference:
            self.references.append((response, reference["name"], line))

    def finish_action(self) -> None:
        if self.operation is not None:
            self.document.operations.append(self.operation)
            self.described.append((self.operation, self.action_properties, self.action_attributes))
        self.operation, self.action_properties, self.action_attributes = None, [], None

    def finish(self) -> None:
        """Resolve what may be defined later in the document: named types, then the properties and
        attributes each action describes (its request body, or its successful answers), then model
        references."""
        self.finish_action()
        self.finish_structure()
        for operation, properties, attributes in self.described:
            successes = [response for response in operation.responses if 200 <= response.status < 300]
            if operation.method in BODY_METHODS:
                operation.fields.extend(replace(found, location="body") for found in properties)
                if attributes and operation.request_schema is None:
                    self.resolve(attributes, lambda schema, operation=operation: _set_request(operation, schema))
                continue
            for response in successes:
                response.fields.extend(properties)
                if attributes:
                    self.resolve(attributes, lambda schema, response=response: _set_response(response, schema))
        resolver = Resolver(self.types, self.line_warn)
        for member, use in self.pending:
            use(resolver.schema(member))
        for referrer, name, line in self.references:
            model = self.models.get(name)
            if model is None or (model.body is None and model.schema is None):
                self.document.warn(Kind.SKIPPED, f"reference [{name}][] names no model with a body", line)
            elif isinstance(referrer, Response):
                referrer.body = referrer.body or model.body
                referrer.fields = referrer.fields + model.fields
                referrer.headers = {**model.headers, **referrer.headers}
                referrer.schema = referrer.schema or model.schema
            else:
                referrer.requests.extend([model.body] if model.body else [])
                referrer.request_schema = referrer.request_schema or model.schema


def _set_request(operation: Operation, schema: dict[str, Any]) -> None:
    operation.request_schema = operation.request_schema or schema


def _set_response(response: Response, schema: dict[str, Any]) -> None:
    response.schema = response.schema or schema


def _parameter_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema without what the parameter itself carries (its description)."""
    return {key: value for key, value in schema.items() if key != "description"}
