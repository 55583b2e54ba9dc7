"""Documented fields put over the schemas inferred from examples: the document's types, enums,
requirements and descriptions win, and every contradiction or gap between the two is reported."""

from __future__ import annotations

import re
from typing import Any

from specmock.importers.infer import infer_schema
from specmock.importers.model import Field
from specmock.importers.problems import Kind
from specmock.importers.reading import Warn

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
MAX_NUMBER_TEXT = 64


def coerce(value: Any, kind: str | None) -> Any:
    """A documented string value (``"1"``, ``"true"``) as the documented type, when it reads as one."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if len(text) > MAX_NUMBER_TEXT:
        return value
    if kind == "integer" and re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if kind == "number" and _NUMBER.match(text):
        return int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
    if kind == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return value


def documented_schema(stated: dict[str, Any]) -> dict[str, Any]:
    """The schema a document states for a field (type, enum, example...), made valid OpenAPI 3.0."""
    schema = dict(stated)
    kind = schema.get("type")
    if "enum" in schema:
        values: list[Any] = []
        for value in (coerce(value, kind) for value in schema.pop("enum")):
            values.extend([] if value in values else [value])
        schema.update({"enum": values} if values else {})
    for key in ("example", "default"):
        if key in schema:
            schema[key] = coerce(schema[key], kind)
    if "example" in schema and "enum" not in schema:
        inferred = infer_schema([schema["example"]])
        if kind in (None, inferred.get("type")):
            schema = {**inferred, **schema}
    if schema.get("type") == "array":
        schema.setdefault("items", {})
    return schema


def form_values_typed(example: Any, schema: dict[str, Any]) -> Any:
    """A form body's values (all strings on the wire) read as the types the schema gives them."""
    if not isinstance(example, dict):
        return example
    properties = schema.get("properties", {})
    typed = {}
    for name, value in example.items():
        kind = properties.get(name, {}).get("type")
        items = properties.get(name, {}).get("items", {}).get("type") if kind == "array" else None
        typed[name] = [coerce(item, items) for item in value] if isinstance(value, list) else coerce(value, kind)
    return typed


def overlay(target: dict[str, Any], stated: dict[str, Any], name: str, warn: Warn, form: bool = False) -> None:
    """Put what the document states over what the examples showed, level by level: the document's
    types, enums, requirements and descriptions win. Where the document's type contradicts the
    example's, both are accepted (``anyOf``) and the contradiction is reported, so the draft still
    accepts its own examples."""
    documented = documented_schema(stated)
    kind, seen = documented.get("type"), target.get("type") or ("anyOf" in target and "mixed")
    if form and seen == "string" and kind in ("integer", "number", "boolean"):
        example = coerce(target.get("example"), kind)
        if not isinstance(example, str):  # a form sends every value as text: read it as the documented type
            target.clear()
            target.update({"type": kind, "example": example})
            seen = kind
    if kind and seen and kind != seen and not (kind == "number" and seen == "integer"):
        shown = dict(target)
        shown.pop("description", None)
        target.clear()
        branch = {key: value for key, value in documented.items() if key != "description"}
        target["anyOf"] = [branch, shown]
        if "description" in documented:
            target["description"] = documented["description"]
        warn(Kind.CONTRADICTION, f"{name} is documented as {kind} but the example shows {seen}: both accepted")
        return
    if "enum" in documented and "example" in target and target["example"] not in documented["enum"]:
        warn(
            Kind.CONTRADICTION,
            f"{name}: the example {target['example']!r} is not one of {documented['enum']}: "
            "added to the enum until reviewed",
        )
        documented["enum"] = [*documented["enum"], target["example"]]
    for key, value in documented.items():
        if key == "properties" and isinstance(target.setdefault("properties", {}), dict):
            for child, schema in value.items():
                overlay(target["properties"].setdefault(child, {}), schema, f"{name}.{child}", warn)
        elif key == "items" and isinstance(target.setdefault("items", {}), dict):
            overlay(target["items"], value, f"{name}[]", warn)
        elif key == "required" and "properties" in documented:
            target["required"] = list(value)
        elif key != "example" or key not in target:
            target[key] = value
    if "properties" in documented and "required" not in documented:
        target.pop("required", None)


def field_steps(name: str) -> tuple[str, ...]:
    """A Rails-style name as property steps: ``a[b][]`` -> ("a", "b")."""
    head, _, rest = name.partition("[")
    return tuple(step for step in (head, *rest.rstrip("]").split("][")) if step)


def rails_name(steps: tuple[str, ...]) -> str:
    return steps[0] + "".join(f"[{step}]" for step in steps[1:])


def apply_fields(schema: dict[str, Any], fields: list[Field], form: bool, warn: Warn) -> None:
    """Put documented body fields into an object schema inferred from the examples.

    JSON bodies nest ``a[b]`` as properties; form bodies keep the names as sent (``tag_ids`` is
    matched to an example's ``tag_ids[]``). Reports documented fields the examples lack and
    example properties the document does not describe (at the levels it describes).
    """
    seen = property_paths(schema)
    documented: set[tuple[str, ...]] = set()
    for field in fields:
        steps = (_form_name(schema, field),) if form else field_steps(field.name)
        if not steps:
            continue
        parent = schema
        for step in steps[:-1]:
            parent = _container(parent, step)
        target = parent.setdefault("properties", {}).setdefault(steps[-1], {})
        overlay(target, field.schema, field.name, warn, form)
        if field.description:
            target["description"] = field.description
        _require(parent, steps[-1], field.required)
        documented.add(steps)
    report_coverage(schema, seen, documented, warn)


def report_coverage(
    schema: dict[str, Any], seen: set[tuple[str, ...]], documented: set[tuple[str, ...]], warn: Warn
) -> None:
    """Report documented properties the examples lack and example properties the document does not
    describe (at the levels it describes); those are not required, since the document does not say."""
    if not seen:
        return
    if missing := sorted(rails_name(steps) for steps in documented if steps not in seen):
        warn(Kind.INCOMPLETE, f"documented but not in the example: {', '.join(missing)}")
    levels = {steps[:-1] for steps in documented}
    extra = sorted(steps for steps in seen if steps[:-1] in levels and steps not in documented)
    if extra:
        names = ", ".join(rails_name(steps) for steps in extra)
        warn(Kind.INCOMPLETE, f"in the example but not documented (so not required): {names}")
    for steps in extra:
        _require(_level(schema, steps[:-1]), steps[-1], False)


def property_paths(schema: dict[str, Any], prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Every property of a schema as steps from its root (array items are looked through)."""
    if schema.get("type") == "array":
        return property_paths(schema.get("items", {}), prefix)
    paths = set()
    for name, child in schema.get("properties", {}).items():
        paths.add((*prefix, name))
        paths |= property_paths(child, (*prefix, name))
    return paths


def _level(schema: dict[str, Any], steps: tuple[str, ...]) -> dict[str, Any]:
    """The object schema at ``steps`` (array items looked through)."""
    node = _through_items(schema)
    for step in steps:
        node = _through_items(node.get("properties", {}).get(step, {}))
    return node


def _through_items(node: dict[str, Any]) -> dict[str, Any]:
    items = node.get("items") if node.get("type") == "array" else node
    return items if isinstance(items, dict) else {}


def _form_name(schema: dict[str, Any], field: Field) -> str:
    properties = schema.get("properties", {})
    if field.name in properties or field.name.endswith("[]"):
        return field.name
    arrayed = f"{field.name}[]" in properties or field.schema.get("type") == "array"
    return f"{field.name}[]" if arrayed else field.name


def _container(parent: dict[str, Any], step: str) -> dict[str, Any]:
    node = parent.setdefault("properties", {}).setdefault(step, {"type": "object"})
    if node.get("type") == "array":
        node = node.setdefault("items", {})
    if node.get("type") != "object":
        for key in ("anyOf", "format", "example", "enum"):
            node.pop(key, None)
        node["type"] = "object"
    return node


def _require(parent: dict[str, Any], name: str, required: bool | None) -> None:
    names = parent.get("required", [])
    if required and name not in names:
        names.append(name)
    elif required is False and name in names:
        names.remove(name)
    if names:
        parent["required"] = names
    else:
        parent.pop("required", None)
