"""MSON: attribute signatures, members, named types and their expansion budget."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specmock.importers.mson import MAX_NODES, Item, Resolver, Signature, parse_signature, read_member
from specmock.importers.problems import Kind


@pytest.mark.parametrize(
    ("line", "name", "values", "types", "attributes", "description"),
    [
        ("id: `2015-06-01` (required, string) - The day", "id", ["2015-06-01"], ["string"], {"required"}, "The day"),
        ("day: 2015-06-01 (string, required)", "day", ["2015-06-01"], ["string"], {"required"}, ""),
        ("id: `bdc31c14-f807-11e3` (string)", "id", ["bdc31c14-f807-11e3"], ["string"], set(), ""),
        ("caption: `A boat - at dawn` (string) - Shown", "caption", ["A boat - at dawn"], ["string"], set(), "Shown"),
        ("offset: -1 (number)", "offset", ["-1"], ["number"], set(), ""),
        ("tags: a, b (array[string])", "tags", ["a", "b"], ["array[string]"], set(), ""),
        ("photos (array[Photo, Album], required)", "photos", [], ["array[Photo, Album]"], {"required"}, ""),
        ("(object)", None, [], ["object"], set(), ""),
        ("`weird name`: x (string)", "weird name", ["x"], ["string"], set(), ""),
        ("url: http://a.example/x (string)", "url", ["http://a.example/x"], ["string"], set(), ""),
        ("name (string)- Tight dash", "name", [], ["string"], set(), "Tight dash"),
    ],
)
def test_signatures_keep_samples_whole_and_attributes_out_of_descriptions(
    line, name, values, types, attributes, description
):
    signature = parse_signature(line)
    assert (signature.name, signature.values, signature.types) == (name, values, types)
    assert (signature.attributes, signature.description) == (attributes, description)


def test_the_legacy_parameter_form_gives_default_example_and_description():
    signature = parse_signature("per_page = `20` (optional, number, `50`) ... Widgets per page.")
    assert (signature.name, signature.default, signature.examples) == ("per_page", "20", ["50"])
    assert (signature.types, signature.attributes, signature.description) == (
        ["number"],
        {"optional"},
        "Widgets per page.",
    )


def test_prose_is_not_an_attribute():
    assert parse_signature("This is just a sentence about things") is None
    assert parse_signature("") is None


def schema_of(item: Item, types: dict | None = None, problems: list | None = None) -> dict:
    def warn(kind, message, line):
        (problems if problems is not None else []).append((kind, message))

    member = read_member(item, warn)
    return Resolver(types or {}, warn).schema(member)


def test_enum_members_are_an_enum_not_properties():
    item = Item(
        "state: active (enum[string], required)", items=[Item("Members", items=[Item("`active`"), Item("`gone`")])]
    )
    assert schema_of(item) == {"type": "string", "enum": ["active", "gone"], "example": "active"}
    bare = Item("level (enum)", items=[Item("low - Barely"), Item("high")])
    assert schema_of(bare) == {"type": "string", "enum": ["low", "high"]}


def test_a_nullable_enum_lists_null_among_its_values():
    # OpenAPI 3.0.3: `nullable` adds null to the type only; an enum without null would refuse it.
    item = Item("level (enum, nullable)", items=[Item("low"), Item("high")])
    assert schema_of(item) == {"type": "string", "enum": ["low", "high", None], "nullable": True}


def test_unnamed_array_members_and_array_samples():
    sizes = Item("sizes (array)", items=[Item("(object)", items=[Item("width: 640 (number, required)")])])
    assert schema_of(sizes) == {
        "type": "array",
        "items": {"type": "object", "properties": {"width": {"type": "number", "example": 640}}, "required": ["width"]},
    }
    assert schema_of(Item("tags: a, b (array[string])"))["example"] == ["a", "b"]
    assert schema_of(Item("ids (array[number])", items=[Item("1"), Item("2")]))["example"] == [1, 2]


def test_a_description_on_its_own_line_is_kept():
    item = Item("name (string)", notes=["The display name."])
    assert schema_of(item)["description"] == "The display name."


def test_named_types_resolve_with_inheritance_and_includes():
    types = {
        "Point": read_member(Item("Point", items=[Item("x: 1 (number, required)")]), lambda *a: None),
        "Named": read_member(Item("Named", items=[Item("name (string, required)")]), lambda *a: None),
    }
    item = Item("place (Point)", items=[Item("Include Named"), Item("label (string)")])
    schema = schema_of(item, types)
    assert set(schema["properties"]) == {"x", "name", "label"}
    assert schema["required"] == ["x", "name"]
    assert schema_of(Item("path (array[Point])"), types)["items"]["required"] == ["x"]


def test_unknown_and_recursive_types_are_reported_not_expanded_forever():
    problems: list = []
    tree = read_member(Item("Tree", items=[Item("children (array[Tree])")]), lambda *a: None)
    schema = schema_of(Item("root (Tree)"), {"Tree": tree}, problems)
    assert schema["properties"]["children"]["items"] == {"type": "object"}
    schema_of(Item("x (Nowhere)"), {}, problems)
    assert [kind for kind, _ in problems] == [Kind.SKIPPED, Kind.INCOMPLETE]


def test_exponential_type_definitions_stop_at_the_budget():
    types = {
        f"T{level}": read_member(
            Item(f"T{level}", items=[Item(f"a (T{level + 1})"), Item(f"b (T{level + 1})")]), lambda *a: None
        )
        for level in range(40)
    }
    resolver = Resolver(types, lambda *a: None)
    resolver.schema(read_member(Item("root (T0)"), lambda *a: None))
    assert resolver.cut and resolver.nodes <= MAX_NODES + 1


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(alphabet="ab `()[],:-=.* \t", max_size=60))
def test_any_line_either_reads_or_is_refused_without_raising(line):
    signature = parse_signature(line)
    assert signature is None or isinstance(signature, Signature)
