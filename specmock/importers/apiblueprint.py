"""API Blueprint: ``# Group X``, resources ``## Name [/path/{id}{?query}]``, actions ``### Name [METHOD]``
(or ``[METHOD /path]``), and ``+ Parameters`` / ``+ Attributes`` / ``+ Model`` / ``+ Request`` /
``+ Response`` sections whose bodies are indented blocks, ``+ Headers`` / ``+ Body`` sections or
references to a resource's model (``[Name][]``). ``## Data Structures`` names attribute sets that
``+ Attributes (Name)`` reuses. ``- **name**: text`` lists describe a resource's or an action's
properties."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from markdown_it.tree import SyntaxTreeNode

from specmock.importers.markup import MarkdownReader, inline_text, line_of, markdown_tree
from specmock.importers.model import METHOD_PATTERN, Body, Document, Field, Operation, Response
from specmock.importers.problems import Kind
from specmock.importers.reading import parse_headers, parse_status, read_body, schema_type
from specmock.importers.registry import importer

_REFERENCED = re.compile(r"^(?P<name>.*?)\s*\[(?P<ref>[^\]]+)\]$")
_ACTION = re.compile(rf"^(?P<method>{METHOD_PATTERN})(\s+(?P<uri>/\S*))?$")
_SECTION = re.compile(
    r"^(?P<kind>Parameters|Attributes|Model|Request|Response|Body|Headers|Schema)\b\s*(?P<rest>.*)$", re.S
)
_PARENS = re.compile(r"\((?P<inside>[^)]*)\)")
_DETAIL = re.compile(r"^(?P<kind>Values|Members|Default|Sample)\b:?\s*(?P<value>.*)$")
_MODEL_REF = re.compile(r"^\[(?P<name>[^\]]+)\]\[\]$")
# `+ id (required, string, `1`) ... text` (legacy) or `+ id: `1` (string, required) - text` (MSON)
_FIELD = re.compile(
    r"^(?P<name>[^\s:(]+)\s*(:\s*`?(?P<example>[^`(]*?)`?\s*)?(\((?P<attrs>[^)]*)\))?\s*((\.\.\.|-)\s*(?P<text>.*))?$",
    re.S,
)
_PROPERTY = re.compile(r"^(\*\*|`)(?P<name>[\w.\[\]-]+)(\*\*|`)\s*[:-]?\s*(?P<text>.*)$", re.S)
_URI_VARS = re.compile(r"\{(?P<op>[?&+#]?)(?P<names>[^}]*)\}")
_META = re.compile(r"^(?P<key>FORMAT|HOST)\s*:\s*(?P<value>\S+)", re.M)
_ACTION_HEADING = re.compile(rf"^#+\s.*\[(?:/[^\]]*|(?:{METHOD_PATTERN})\b[^\]]*)\]\s*$", re.M)
BODY_METHODS = ("post", "put", "patch")
DATA_STRUCTURES = "Data Structures"


def detect(text: str) -> float:
    if text.lstrip().startswith("FORMAT: 1A"):
        return 1.0
    return 0.9 if _ACTION_HEADING.search(text) else 0.0


@dataclass
class _Model:
    body: Body | None = None
    headers: dict[str, str] = field(default_factory=dict)
    fields: list[Field] = field(default_factory=list)


@dataclass
class _Resource:
    name: str
    uri: str
    parameters: list[Field] = field(default_factory=list)
    properties: list[Field] = field(default_factory=list)


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


def _field(text: str, location: str | None, line: int | None) -> Field | None:
    match = _FIELD.match(text.strip())
    if not match:
        return None
    result = Field(match["name"].strip("`"), location, description=(match["text"] or "").strip(), line=line)
    for attribute in (match["attrs"] or "").split(","):
        attribute = attribute.strip()
        kind = schema_type(attribute.split("[")[0])
        if attribute in ("required", "optional"):
            result.required = attribute == "required"
        elif attribute == "nullable":
            result.schema["nullable"] = True
        elif attribute.startswith("`") and attribute.endswith("`") and len(attribute) > 1:
            result.schema["example"] = attribute.strip("`")
        elif kind:
            result.schema["type"] = kind
    if match["example"]:
        result.schema["example"] = match["example"].strip()
    return result


class _Reader(MarkdownReader):
    def __init__(self, document: Document) -> None:
        super().__init__(document)
        self.group = ""
        self.resource: _Resource | None = None
        self.uri = ""
        self.action_properties: list[Field] = []
        self.models: dict[str, _Model] = {}
        self.structures: dict[str, list[Field]] = {}
        self.structure: str | None = None
        self.references: list[tuple[Response | Operation, str, int | None]] = []
        self.inherits: list[tuple[list[Field], str, str | None, int | None]] = []
        self.described: list[tuple[Operation, list[Field]]] = []

    def visit(self, node: SyntaxTreeNode) -> None:
        line = line_of(node)
        if node.type == "heading":
            self.heading(int(node.tag[1]), inline_text(node), line)
        elif node.type == "paragraph":
            self.paragraph(inline_text(node))
        elif node.type == "bullet_list" and self.structure is not None:
            if self.structure:
                self.structures[self.structure].extend(self.fields([node], None))
            else:
                self.warn(Kind.SKIPPED, "attributes under Data Structures but no named structure left out", line)
        elif node.type == "bullet_list":
            for item in node.children:
                self.item(item)
        elif node.type in ("code_block", "fence"):
            self.warn(Kind.SKIPPED, "code block outside a Request, Response or Model section left out", line)
        elif node.type not in ("hr", "html_block"):
            self.warn(Kind.SKIPPED, f"{node.type.replace('_', ' ')} left out", line)

    def heading(self, level: int, text: str, line: int | None) -> None:
        referenced = _REFERENCED.match(text)
        action = _ACTION.match(referenced["ref"].strip()) if referenced else None
        if text.startswith("Group ") or text == DATA_STRUCTURES or (referenced and referenced["ref"].startswith("/")):
            self.finish_action()
            self.structure = None
        if text.startswith("Group "):
            self.group, self.resource = text.removeprefix("Group ").strip(), None
        elif text == DATA_STRUCTURES:
            self.resource, self.structure = None, ""
        elif self.structure is not None and level > 2:
            self.structure = text.split("(")[0].strip() or text
            self.structures.setdefault(self.structure, [])
        elif referenced and referenced["ref"].startswith("/"):
            self.resource = _Resource(referenced["name"], referenced["ref"].strip())
            self.uri = self.resource.uri
            self.models.setdefault(self.resource.name, _Model())
        elif action and referenced:
            self.action(referenced["name"], action["method"], action["uri"], line)
        elif level == 1 and not self.document.title:
            self.document.title = text
        else:
            self.warn(Kind.SKIPPED, f"unknown section {'#' * level} {text!r} left out", line)

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
        self.operation.fields.extend(Field(name, "query", line=line) for name in query)
        if self.resource and not uri:
            self.operation.fields.extend(self.resource.parameters)

    def paragraph(self, text: str) -> None:
        meta = dict(_META.findall(text))
        if "HOST" in meta:
            self.document.base = meta["HOST"].rstrip("/") or None
        elif meta or self.structure is not None:
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
            fields = self.fields(item.children[1:], None)
            query = _uri_template(self.uri)[1]
            for found in fields:
                found.location = "query" if found.name in query else "path"
            target = self.operation.fields if self.operation else self.resource.parameters if self.resource else []
            target.extend(fields)
        elif section and section["kind"] == "Attributes":
            self.attributes(item, section["rest"], self.properties(), None, line)
        elif section and section["kind"] == "Model" and self.resource:
            model = self.models[self.resource.name]
            model.body, model.headers = self.payload(item, section["rest"], line, self.resource.properties, None)
            model.fields = self.resource.properties
        elif section and section["kind"] in ("Request", "Response") and self.operation:
            self.exchange(section["kind"], section["rest"], item, line)
        else:
            self.warn(Kind.SKIPPED, f"list item '+ {head.splitlines()[0] if head else ''}' left out", line)

    def properties(self) -> list[Field]:
        """Where described properties go: the action's, else the resource's."""
        return self.action_properties if self.operation else self.resource.properties if self.resource else []

    def attributes(
        self, item: SyntaxTreeNode, rest: str, target: list[Field], location: str | None, line: int | None
    ) -> None:
        """``+ Attributes (Type)`` with nested members; a named type's members join at the end."""
        fields = self.fields(item.children[1:], location)
        target.extend(fields)
        kind = _PARENS.search(rest)
        name = kind["inside"].strip() if kind else ""
        if name and not schema_type(name.split("[")[0]):
            self.inherits.append((target, name, location, line))

    def fields(self, nodes: list[SyntaxTreeNode], location: str | None, parent: Field | None = None) -> list[Field]:
        """Parameter or attribute items; nested attributes are named ``parent[child]``."""
        found: list[Field] = []
        for node in (item for listing in nodes if listing.type == "bullet_list" for item in listing.children):
            head = _head(node)
            detail = _DETAIL.match(head)
            if detail and parent and detail["kind"] in ("Default", "Sample"):
                key = "default" if detail["kind"] == "Default" else "example"
                parent.schema[key] = detail["value"].strip().strip("`")
                continue
            if detail and parent:
                parent.schema["enum"] = [
                    _head(item).strip("`") for sub in node.children[1:] for item in sub.children if item.children
                ]
                continue
            parsed = _field(head, location, line_of(node))
            if parsed is None:
                self.warn(Kind.SKIPPED, f"unreadable parameter or attribute {head!r} left out", line_of(node))
                continue
            parsed.name = f"{parent.name}[{parsed.name}]" if parent else parsed.name
            found.append(parsed)
            found.extend(self.fields(node.children[1:], location, parsed))
        return found

    def payload(
        self, item: SyntaxTreeNode, rest: str, line: int | None, fields: list[Field], location: str | None
    ) -> tuple[Body | None, dict[str, str]]:
        """The body and headers of a Request, Response or Model section; its attributes join ``fields``."""
        media = _PARENS.search(rest)
        headers: dict[str, str] = {}
        body_text = None
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
                    self.attributes(sub, head, fields, location, line_of(sub))
                else:
                    self.warn(Kind.SKIPPED, f"section '+ {head}' left out", line_of(sub))
        media_type = (media["inside"].strip() if media else None) or headers.get("Content-Type")
        if body_text is None:
            return None, headers
        where = f"model {self.resource.name}: " if self.resource and not self.operation else ""
        return read_body(body_text, media_type, lambda kind, note: self.warn(kind, f"{where}{note}", line)), headers

    def exchange(self, kind: str, rest: str, item: SyntaxTreeNode, line: int | None) -> None:
        operation: Operation = self.operation  # type: ignore[assignment]
        reference = next((_MODEL_REF.match(inline_text(c)) for c in item.children[1:] if c.type == "paragraph"), None)
        if kind == "Request":
            body, headers = self.payload(item, rest, line, operation.fields, "body")
            operation.fields.extend(Field(name, "header", schema={"example": value}) for name, value in headers.items())
            operation.requests.extend([body] if body else [])
            if reference:
                self.references.append((operation, reference["name"], line))
            return
        status = parse_status(rest)
        if status is None:
            self.warn(Kind.ASSUMED, f"response without a status ({rest!r}): taken as 200", line)
        response = Response(status[0] if status else 200, line=line)
        response.body, response.headers = self.payload(item, rest, line, response.fields, None)
        operation.responses.append(response)
        if reference:
            self.references.append((response, reference["name"], line))

    def finish_action(self) -> None:
        if self.operation is not None:
            self.document.operations.append(self.operation)
            self.described.append((self.operation, self.action_properties))
        self.operation, self.action_properties = None, []

    def finish(self) -> None:
        """Resolve what may be defined later in the document: data structures, then the properties
        each action describes (its request body, or its successful answers), then model references."""
        self.finish_action()
        for target, name, location, line in self.inherits:
            if name in self.structures:
                target.extend(replace(found, location=location) for found in self.structures[name])
            else:
                self.document.warn(Kind.SKIPPED, f"attributes of type {name!r}: no such data structure", line)
        for operation, properties in self.described:
            if operation.method in BODY_METHODS:
                operation.fields.extend(replace(found, location="body") for found in properties)
            else:
                for response in (response for response in operation.responses if 200 <= response.status < 300):
                    response.fields.extend(properties)
        for referrer, name, line in self.references:
            model = self.models.get(name)
            if model is None or model.body is None:
                self.document.warn(Kind.SKIPPED, f"reference [{name}][] names no model with a body", line)
            elif isinstance(referrer, Response):
                referrer.body = referrer.body or model.body
                referrer.fields = referrer.fields + model.fields
                referrer.headers = {**model.headers, **referrer.headers}
            else:
                referrer.requests.append(model.body)
