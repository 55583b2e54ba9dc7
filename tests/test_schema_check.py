"""The two-speed schema check gives jsonschema's verdict on every value: jsonschema_rs answers only
"valid", and never for a value jsonschema would refuse."""

from __future__ import annotations

import copy
from datetime import datetime

import pytest
from connexion.json_schema import Draft4RequestValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator

from specmock.schema_check import Check, check_for
from tests.conftest import BUNDLED as CONTRACT


def _bodies() -> list[tuple[str, dict, dict]]:
    """(operation, schema as Connexion validates it, the document's example) per request body."""
    found = []
    for op_id, op in CONTRACT.operations.items():
        for media in op.spec.get("requestBody", {}).get("content", {}).values():
            schema = {**media["schema"], "components": op.document.spec["components"]}
            found.append((op_id, schema, media["example"]))
    return found


def _parameters() -> list[tuple[str, dict]]:
    found = []
    for op_id, op in CONTRACT.operations.items():
        for param in op.spec.get("parameters", []):
            if "schema" in param:
                found.append((f"{op_id}.{param['name']}", {**param["schema"],
                                                          "components": op.document.spec["components"]}))
    return found


BODIES = _bodies()
PARAMETERS = _parameters()
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=2**63, max_value=2**70)
    | st.floats(allow_nan=False) | st.text() | st.sampled_from(["", "\n", "2030/06/07\n", "a@b", "not-a-date",
                                                                "2019-04-08T19:38:56.613+02:00", "\ud800", "1" * 300]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _same_verdict(check: Check, slow: Draft4Validator, value: object) -> None:
    assert bool(list(check.iter_errors(value))) == bool(list(slow.iter_errors(value))), value


def test_every_body_and_parameter_schema_compiles_for_the_fast_path():
    assert BODIES and PARAMETERS
    assert all(Check(schema, Draft4RequestValidator, True).fast is not None for _, schema, _ in BODIES)
    assert all(Check(schema).fast is not None for _, schema in PARAMETERS)


@pytest.mark.parametrize("op_id, schema, example", BODIES, ids=[body[0] for body in BODIES])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_bodies_get_jsonschemas_verdict(op_id, schema, example, data):
    check = Check(schema, Draft4RequestValidator, check_formats=True)
    slow = Draft4RequestValidator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    _same_verdict(check, slow, example)
    assert not list(check.iter_errors(example)), f"the document's example of {op_id} is valid"
    value = copy.deepcopy(example)
    target = value
    while isinstance(target, dict) and target and data.draw(st.booleans()):
        inner = target[data.draw(st.sampled_from(sorted(target)))]
        if not isinstance(inner, dict):
            break
        target = inner
    if isinstance(target, dict) and target:
        key = data.draw(st.sampled_from(sorted(target)))
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            target[key] = data.draw(JSON)
        elif action == "delete":
            del target[key]
        else:
            target[data.draw(st.text(max_size=8))] = data.draw(JSON)
    _same_verdict(check, slow, value)


@pytest.mark.parametrize("name, schema", PARAMETERS, ids=[param[0] for param in PARAMETERS])
@settings(max_examples=60, deadline=None)
@given(value=JSON)
def test_parameters_get_jsonschemas_verdict(name, schema, value):
    _same_verdict(Check(schema), Draft4Validator(schema), value)


@pytest.mark.parametrize("schema, value, valid", [
    ({"type": "string", "nullable": True}, None, True),  # nullable: jsonschema_rs refuses, jsonschema decides
    ({"type": "string", "format": "email"}, "not an email", False),
    ({"type": "string", "format": "email"}, "a@b", True),
    ({"type": "string", "format": "date-time"}, "2019-04-08", False),
    ({"type": "string", "pattern": "^[0-9a-f]{16}$"}, "0123456789abcdef\n", True),  # Python's $ before a newline
    ({"type": "string", "maxLength": 2}, "\ud800", True),  # a lone surrogate: Rust cannot read it
    ({"type": "integer", "maximum": 10}, 2**70, False),
    ({"type": "integer"}, 1.0, False),
    ({"type": "object", "properties": {"a": {"type": "string", "readOnly": True}}}, {"a": "x"}, True),
])
def test_edge_cases_get_jsonschemas_verdict(schema, value, valid):
    check = Check(schema, Draft4RequestValidator, check_formats=True)
    assert (not list(check.iter_errors(value))) is valid


def test_schemas_using_read_only_are_left_to_jsonschema():
    assert Check({"properties": {"a": {"readOnly": True}}}).fast is None
    assert Check({"type": "string"}).fast is not None


def test_one_check_per_schema_object():
    schema = {"type": "string"}
    assert check_for(schema) is check_for(schema)
    assert check_for(schema) is not check_for({"type": "string"})
    assert check_for(schema) is not check_for(schema, Draft4RequestValidator, check_formats=True)


def test_cyclic_schemas_are_left_to_jsonschema_shared_parts_are_not():
    shared = {"type": "string"}
    assert Check({"properties": {"a": shared, "b": shared}}).fast is not None
    cyclic: dict = {"type": "object", "properties": {}}
    cyclic["properties"]["self"] = cyclic
    check = Check(cyclic)
    assert check.fast is None and not list(check.iter_errors({"self": {}}))
    assert list(check.iter_errors({"self": {"self": 1}}))


_UUIDISH = st.one_of(st.uuids().map(str), st.uuids().map(lambda u: str(u).upper()), st.uuids().map(lambda u: u.hex),
                     st.uuids().map(lambda u: f"{{{u}}}"), st.uuids().map(lambda u: f"urn:uuid:{u}"),
                     st.uuids().map(lambda u: f"{u}\n"), st.text(alphabet="0123456789abcdefABCDEF-_ {}", max_size=40))


@given(_UUIDISH)
def test_the_uuid_shortcut_gives_the_format_checkers_verdict(value):
    from specmock.schema_check import _FORMATS, _format_check

    assert _format_check("uuid")(value) == _FORMATS.conforms(value, "uuid")


def _mutated(text: str, data: st.DataObject) -> str:
    """``text`` with one character replaced, inserted or removed (a near miss of a valid value)."""
    at = data.draw(st.integers(0, len(text)))
    what = data.draw(st.sampled_from(["replace", "insert", "remove"]))
    char = data.draw(st.sampled_from(list("0123456789-:.TZtz+ \n\u0661\u00b2x")))
    if what == "remove":
        return text[:at] + text[at + 1:]
    return text[:at] + char + text[at + (what == "replace"):]


_EDGE_STAMPS = ["0000-01-01T00:00:00Z", "2026-02-29T10:00:00Z", "2024-02-29T10:00:00Z", "2026-04-31T00:00:00Z",
                "2026-01-31T00:00:00Z", "2026-01-05t10:00:00z", "2026-01-05T24:00:00Z", "2026-01-05T10:00:60Z",
                "2026-01-05T10:00:00Z\n", "2026-01-05T10:00:00.Z", "2026-01-05T10:00:00+24:00",
                "\u0662\u0660\u0662\u0666-01-05T10:00:00Z", "2026-01-05T10:00:00.123456Z"]
_DATETIMES = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59))
_STAMPS = st.one_of(
    _DATETIMES.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
    _DATETIMES.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")),
    _DATETIMES.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S+05:30")),
    _DATETIMES.map(lambda d: d.isoformat()),
    st.sampled_from(_EDGE_STAMPS),
)


@pytest.mark.parametrize("value", _EDGE_STAMPS)
def test_the_date_time_shortcut_leaves_edge_cases_to_the_checker(value):
    from specmock.schema_check import _FORMATS, _format_check

    assert _format_check("date-time")(value) == _FORMATS.conforms(value, "date-time")


@given(_STAMPS, st.booleans(), st.data())
def test_the_date_time_shortcut_gives_the_format_checkers_verdict(value, mutate, data):
    from specmock.schema_check import _FORMATS, _format_check

    value = _mutated(value, data) if mutate else value
    assert _format_check("date-time")(value) == _FORMATS.conforms(value, "date-time")
