"""Schemas inferred from examples, and documented fields put over them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from specmock.importers.fields import apply_fields, coerce, documented_schema, field_steps, overlay
from specmock.importers.infer import infer_schema, untyped
from specmock.importers.model import Field
from specmock.importers.problems import Kind


def collect() -> tuple[list[str], Callable[[Kind, str], None]]:
    messages: list[str] = []
    return messages, lambda kind, message: messages.append(f"{kind}: {message}")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("x", {"type": "string", "example": "x"}),
        (3, {"type": "integer", "example": 3}),
        (2.5, {"type": "number", "example": 2.5}),
        (True, {"type": "boolean", "example": True}),
    ],
)
def test_scalars_keep_their_example(value, expected):
    assert infer_schema([value]) == expected


def test_integers_and_floats_make_a_number():
    assert infer_schema([1, 2.5])["type"] == "number"


def test_arrays_merge_the_schemas_of_all_their_items():
    schema = infer_schema([[{"a": 1}, {"a": 2, "b": "x"}], [{"a": 3}]])
    assert schema["type"] == "array"
    assert schema["items"]["properties"].keys() == {"a", "b"}
    assert schema["items"]["required"] == ["a"]


def test_an_empty_array_has_unconstrained_items():
    assert infer_schema([[]]) == {"type": "array", "items": {}}


def test_objects_require_the_keys_present_in_every_example():
    schema = infer_schema([{"id": 1, "name": "a"}, {"id": 2, "tag": None}])
    assert schema["required"] == ["id"]
    assert list(schema["properties"]) == ["id", "name", "tag"]


def test_null_makes_the_schema_nullable_typed_by_the_other_examples():
    assert infer_schema([None, "x"]) == {"type": "string", "example": "x", "nullable": True}
    assert infer_schema([{"end": None}, {"end": "2014-02-05T01:03:27.903Z"}])["properties"]["end"] == {
        "type": "string",
        "format": "date-time",
        "example": "2014-02-05T01:03:27.903Z",
        "nullable": True,
    }


def test_only_nulls_leave_the_type_unknown():
    assert infer_schema([None]) == {"nullable": True}
    assert untyped(infer_schema([{"a": None, "b": [{"c": None}], "d": 1}])) == ["/a", "/b/[]/c"]


def test_mixed_types_become_alternatives():
    assert infer_schema(["public", ["ann", "bob"]])["anyOf"][0]["type"] == "array"


@pytest.mark.parametrize(
    ("samples", "expected"),
    [
        (["bdc31c14-f807-11e3-8ef5-b2227cce2b54"], "uuid"),
        (["2019-04-08T19:38:56.613+02:00", "2014-02-05T01:03:27.903Z"], "date-time"),
        (["2022-06-07"], "date"),
        (["kruchina.vadim@gmail.com"], "email"),
        (["https://zipper-dev.herokuapp.com:443/0/zip.zip"], "uri"),
        (["2022/06/07"], None),
        (["2019-04-08T19:38:56"], None),
        (["/content_requests/4c38da5893b1f793"], None),
        (["bdc31c14-f807-11e3-8ef5-b2227cce2b54", "not-a-uuid"], None),
    ],
)
def test_a_format_is_given_only_when_every_example_matches(samples, expected):
    assert infer_schema(samples).get("format") == expected


def test_documented_values_are_read_as_the_documented_type():
    assert coerce("2", "integer") == 2
    assert coerce("2.5", "number") == 2.5
    assert coerce("20", "number") == 20
    assert coerce("true", "boolean") is True
    assert coerce("two", "integer") == "two"
    assert coerce("nan", "number") == "nan"
    assert documented_schema({"type": "integer", "enum": ["1", "2"]}) == {"type": "integer", "enum": [1, 2]}


def test_a_documented_example_types_an_untyped_field():
    assert documented_schema({"example": "b870990d-396b-46ca-a92e-ba6a63bacc61"})["format"] == "uuid"
    assert documented_schema({"type": "array"}) == {"type": "array", "items": {}}


def test_the_document_wins_over_the_example_and_the_contradiction_is_reported():
    messages, warn = collect()
    target = infer_schema([2])
    overlay(target, {"type": "string"}, "priority", warn)
    assert target == {"anyOf": [{"type": "string"}, {"type": "integer", "example": 2}]}
    assert messages == ["contradiction: priority is documented as string but the example shows integer: both accepted"]


def test_an_example_outside_the_documented_enum_is_reported():
    messages, warn = collect()
    target = infer_schema(["archived"])
    overlay(target, {"type": "string", "enum": ["open", "closed"]}, "state", warn)
    assert target["enum"] == ["open", "closed", "archived"]
    assert messages[0].startswith("contradiction: ") and "not one of" in messages[0]
    assert messages[0].endswith("added to the enum until reviewed")


def test_rails_names_are_property_steps():
    assert field_steps("content_request[name]") == ("content_request", "name")
    assert field_steps("a[b][]") == ("a", "b")
    assert field_steps("image_ids[]") == ("image_ids",)


def test_nested_fields_become_nested_properties_and_array_items():
    messages, warn = collect()
    schema = infer_schema([{"media_files": [{"name": "image", "note": "x"}]}])
    fields = [
        Field("media_files", required=True, schema={"type": "array"}),
        Field("media_files[name]", required=True, description="File name", schema={"type": "string"}),
        Field("media_files[size]", required=True, schema={"type": "integer"}),
    ]
    apply_fields(schema, fields, False, warn)
    item = schema["properties"]["media_files"]["items"]
    assert item["properties"]["name"]["description"] == "File name"
    assert item["properties"]["size"] == {"type": "integer"}
    assert set(item["required"]) == {"name", "size"}  # the document does not say `note` is required
    assert messages == [
        "incomplete: documented but not in the example: media_files[size]",
        "incomplete: in the example but not documented (so not required): media_files[note]",
    ]


def test_documented_requirement_overrides_inference():
    schema = infer_schema([{"a": 1, "b": 2}])
    apply_fields(schema, [Field("a", required=False), Field("c", required=True)], False, lambda kind, message: None)
    assert schema["required"] == ["c"]  # a: documented optional; b: not documented, so not required


def test_form_fields_keep_their_wire_names():
    schema = infer_schema([{"image_ids[]": ["0d8611a7-be32-4924-b7c4-12a82ea78af8"]}])
    apply_fields(schema, [Field("image_ids", required=False, description="ids")], True, lambda kind, message: None)
    assert schema["properties"]["image_ids[]"]["description"] == "ids"
    assert "required" not in schema
    assert "image_ids" not in schema["properties"]
