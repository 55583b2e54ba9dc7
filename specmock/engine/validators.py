"""Request validators plugged into Connexion: the same rules as Connexion's own, but every
violation becomes a ``BadRequest`` whose ``errors`` name the field and the rule, JSON is parsed
with orjson (bounded nesting, invalid UTF-8 rejected), and unknown query or form fields are
refused by name."""

from __future__ import annotations

import json
import typing as t
from urllib.parse import parse_qsl

import orjson
from connexion.datastructures import MediaTypeDict
from connexion.json_schema import NullableTypeValidator
from connexion.validators import (
    FormDataValidator,
    JSONRequestBodyValidator,
    JSONResponseBodyValidator,
    ParameterValidator,
    TextResponseBodyValidator,
)
from jsonschema import Draft4Validator, ValidationError
from jsonschema.validators import extend
from starlette.datastructures import FormData, Headers
from starlette.formparsers import MultiPartException

from specmock import jsonio
from specmock.engine.scope import hand_over, header, replay
from specmock.problems import BadRequest, FieldError, UnsupportedMediaType
from specmock.schema_check import Check, check_for

# Connexion's type rule for ``nullable`` (null is of every type a nullable schema names), without its
# enum rule: in OpenAPI 3.0.3 an enum that does not list null refuses it.
RequestValidator = extend(Draft4Validator, {"type": NullableTypeValidator})

MAX_MESSAGE = 300
MAX_ERRORS = 20


def field_name(prefix: str, path: t.Iterable[t.Any]) -> str:
    name = prefix
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else f".{part}"
    return name


def _field_errors(prefix: str, errors: t.Iterable[ValidationError]) -> list[FieldError]:
    found = []
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        path = list(error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            path.append(missing)
        elif error.validator == "additionalProperties":
            path.append(error.message.split("'")[1] if "'" in error.message else "")
        found.append(FieldError(field_name(prefix, path), str(error.validator), _shortened(error.message)))
        if len(found) == MAX_ERRORS:
            break
    return found


def _shortened(message: str, limit: int = MAX_MESSAGE) -> str:
    """A rule's message, with a huge rejected value cut: the answer names the field and the rule,
    it need not echo a megabyte back."""
    return message if len(message) <= limit else f"{message[:limit]}... ({len(message) - limit} more characters)"


def raise_for(prefix: str, errors: t.Iterable[ValidationError]) -> None:
    found = _field_errors(prefix, errors)
    if found:
        first = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise BadRequest(f"{first.field}: {first.message}{more}", errors=found)


class _Parameter:
    """One parameter's rules, read from its definition once."""

    __slots__ = ("name", "key", "field", "required", "number", "check", "enum")

    def __init__(self, location: str, param: dict) -> None:
        self.name = param["name"]
        self.key = self.name.replace("-", "_") if location == "path" else self.name
        self.field = f"{location}.{self.name}"
        self.required = bool(param.get("required"))
        schema = param.get("schema", param)
        self.number = schema.get("type") if schema.get("type") in ("integer", "number") else None
        self.check = check_for(schema, check_formats=True)
        enum = schema.get("enum")
        self.enum = enum if isinstance(enum, list) and None not in enum else None

    def validate(self, location: str, values: t.Mapping[str, t.Any]) -> None:
        value = values.get(self.key)
        if value is None:
            if self.enum is not None and self.key in values:
                # `null` (or `None`) of a nullable parameter reads as null, as Connexion reads it; OpenAPI
                # 3.0.3: an enum that does not list null refuses it.
                raise BadRequest.for_field(self.field, "enum", f"null is not one of {self.enum}")
            if self.required and self.key not in values:
                raise BadRequest.for_field(self.field, "required",
                                           f"the {location} parameter {self.name!r} is required")
            return
        if self.number and isinstance(value, str):
            raise BadRequest.for_field(self.field, "type", f"{value!r} is not of type {self.number!r}")
        if not self.check.passes(value):
            raise_for(self.field, self.check.iter_errors(value))


class SpecmockParameterValidator(ParameterValidator):
    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        query = self.parameters.get("query", [])
        self._known = {p["name"] for p in query} | self.security_query_params
        # Parameters that take one value: given twice, refused (it would be read as its last value, silently).
        self._single = {p["name"] for p in query if p.get("schema", p).get("type") != "array"}
        self._rules = [(location, _SOURCES[location], [_Parameter(location, param) for param in params])
                       for location, params in self.parameters.items()]

    def validate_request(self, request: t.Any) -> None:
        query_string = request.scope.get("query_string", b"")
        if b"%" in query_string:
            try:
                parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, errors="strict")
            except UnicodeDecodeError:
                raise BadRequest.for_field("query", "encoding", "the query string is not valid UTF-8") from None
        if self.strict_validation and query_string:
            unknown = sorted(set(request.query_params.keys()) - self._known)
            if unknown:
                raise BadRequest(
                    f"Unknown query parameter(s): {', '.join(unknown)}",
                    errors=[FieldError(f"query.{name}", "unknown", "not a parameter of this operation")
                            for name in unknown],
                )
        if b"&" in query_string:
            self._refuse_repeated_values(query_string)
        for location, source, rules in self._rules:
            values = source(request)
            for rule in rules:
                rule.validate(location, values)

    def _refuse_repeated_values(self, query_string: bytes) -> None:
        seen: set[str] = set()
        for name, _ in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
            if name in self._single and name in seen:
                raise BadRequest.for_field(f"query.{name}", "single", f"{name} takes one value; it is given more "
                                           "than once")
            seen.add(name)


_SOURCES: dict[str, t.Callable[[t.Any], t.Mapping[str, t.Any]]] = {
    "query": lambda request: request.query_params,
    "path": lambda request: request.path_params,
    "header": lambda request: request.headers,
    "cookie": lambda request: request.cookies,
}


class _TypedBody:
    """A body sent without a ``Content-Type`` is refused (415): Connexion would validate it as the
    operation's first media type and then hand the handler the raw bytes."""

    @property
    def _validator(self) -> Check:
        """The request validator (``nullable``) with formats, compiled once per body schema."""
        return check_for(self._schema, RequestValidator, check_formats=True)

    async def wrap_receive(self, receive: t.Any, *, scope: t.Any) -> t.Any:
        length = header(scope["headers"], b"content-length") or "0"
        if header(scope["headers"], b"content-type") is None and length.isascii() and length.isdigit() and int(length):
            raise UnsupportedMediaType("The request has a body but no Content-Type")
        return await super().wrap_receive(receive, scope=scope)  # type: ignore[misc]

    async def read(self, raw: bytes, scope: t.Any) -> None:
        """Parse and validate a body already read (``raw``), handing over what it parsed: what
        ``wrap_receive`` does, without its receive channel, message list and replay. A request
        without a positive ``Content-Length`` takes Connexion's own way (its default body, or the
        refusal of a missing required one)."""
        length = header(scope["headers"], b"content-length")
        if length is None or not (length.isascii() and length.isdigit()) or not int(length):
            await self.wrap_receive(replay(raw), scope=scope)
            return
        if header(scope["headers"], b"content-type") is None:
            raise UnsupportedMediaType("The request has a body but no Content-Type")
        body = await self._parse_raw(raw, scope)
        if not (body is None and self._nullable):  # type: ignore[attr-defined]
            self._validate(body)  # type: ignore[attr-defined]



def not_json(raw: bytes, error: ValueError) -> str:
    """What is wrong with a body that is not JSON, and where: the line and column, the line itself
    (shortened) and the parser's reason (``no digit after sign`` for a JavaScript ``...``)."""
    line, column = getattr(error, "lineno", None), getattr(error, "colno", None)
    reason = getattr(error, "msg", str(error))
    if not line:
        return f"the body is not valid JSON: {reason}"
    text = raw.decode("utf-8", "replace").splitlines()
    shown = text[line - 1].strip() if 0 < line <= len(text) else ""
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return f"the body is not valid JSON: at line {line}, column {column} ({shown!r}): {reason}"


class SpecmockJSONBodyValidator(_TypedBody, JSONRequestBodyValidator):
    async def _parse(self, stream: t.AsyncGenerator[bytes, None], scope: t.Any) -> t.Any:
        return await self._parse_raw(b"".join([chunk async for chunk in stream]), scope)

    async def _parse_raw(self, raw: bytes, scope: t.Any) -> t.Any:
        if not raw.strip():
            return None
        try:
            body = jsonio.loads(raw)
        except (orjson.JSONDecodeError, json.JSONDecodeError) as exc:
            raise BadRequest.for_field("body", "json", not_json(raw, exc)) from None
        except (UnicodeDecodeError, RecursionError, ValueError) as exc:
            reason = str(exc).split("; use sys.")[0]  # Python's advice on its digit limit is not the client's
            raise BadRequest.for_field("body", "json", f"the body is not valid JSON: {reason}") from None
        hand_over(scope, json=body)
        return body

    def _validate(self, body: t.Any) -> dict | None:
        if body is None:
            if self._nullable or not self._required:  # an optional body may be left out
                return None
            raise BadRequest.for_field("body", "required", "a JSON body is required")
        raise_for("body", self._validator.iter_errors(body))
        return None


def _is_item(schema: dict, value: str) -> bool:
    return next(iter(check_for(schema, check_formats=True).iter_errors(value)), None) is None


MAX_FORM_FIELDS = 1000  # as Starlette's form parser
TOO_MANY_FIELDS = f"Too many fields. Maximum number of fields is {MAX_FORM_FIELDS}."


def _is_file(schema: dict) -> bool:
    return schema.get("type") == "string" and schema.get("format") in ["binary", "base64"]


class UrlencodedForm:
    """An urlencoded body as Starlette's ``FormParser`` reads it (fields split on ``&``, blank ones
    skipped, a field without ``=`` has an empty value, ``+`` and percent escapes decoded as UTF-8
    with replacement, more than 1000 fields refused), by the standard library's ``parse_qsl``:
    python_multipart's byte-by-byte callbacks cost a tenth of a provider-request create."""

    def __init__(self, headers: Headers, stream: t.AsyncGenerator[bytes, None]) -> None:
        self.stream = stream

    async def parse(self) -> FormData:
        try:
            return FormData(urlencoded_fields(b"".join([chunk async for chunk in self.stream])))
        except BadRequest:
            raise MultiPartException(TOO_MANY_FIELDS) from None


def urlencoded_fields(raw: bytes) -> list[tuple[str, str]]:
    """The (name, value) fields of an urlencoded body, as ``UrlencodedForm`` (Starlette's way) reads them."""
    fields = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    if len(fields) > MAX_FORM_FIELDS:
        raise BadRequest.for_field("body", "form", TOO_MANY_FIELDS)
    return fields


class SpecmockFormValidator(_TypedBody, FormDataValidator):
    @property
    def _form_parser_cls(self) -> type[UrlencodedForm]:
        return UrlencodedForm

    async def _parse(self, stream: t.AsyncGenerator[bytes, None], scope: t.Any) -> t.Any:
        return await self._parse_raw(b"".join([chunk async for chunk in stream]), scope)

    async def _parse_raw(self, raw: bytes, scope: t.Any) -> t.Any:
        self._refuse_joined_arrays(raw)
        form = self.form_of(raw)
        self.complete(form)
        if (header(scope["headers"], b"content-type") or "").startswith("application/x-www-form-urlencoded"):
            hand_over(scope, form=form)  # no file parts: the handler's form is this one
        return form

    def form_of(self, raw: bytes) -> dict:
        """The fields of an urlencoded body as Connexion's ``FormDataValidator._parse`` gives them
        when it reads them with ``UrlencodedForm`` (``tests/test_forms.py`` compares the two): each
        field's values in order, file fields as empty placeholders, the rest resolved by the URI parser."""
        grouped: dict[str, list[str]] = {}
        for name, value in urlencoded_fields(raw):
            grouped.setdefault(name, []).append(value)
        if self._uri_parser is None:
            return grouped
        properties = self._schema.get("properties", {})
        form, files = {}, {}
        for name, values in grouped.items():
            schema = properties.get(name, {})
            if _is_file(schema):
                files[name] = "" if len(values) == 1 else [""] * len(values)
            elif _is_file(schema.get("items", {})):
                files[name] = [""] * len(values)
            else:
                form[name] = values
        resolved = self._uri_parser.resolve_form(form)
        resolved.update(files)
        return resolved

    def complete(self, form: dict) -> dict:
        """An empty array has no key=value pair to send: a required array field that is absent is an
        empty one (its minItems still apply)."""
        for name in self._schema.get("required", []):
            if name not in form and self._schema.get("properties", {}).get(name, {}).get("type") == "array":
                form[name] = []
        return form

    def _refuse_joined_arrays(self, raw: bytes) -> None:
        """Array fields repeat their key (``tags[]=a&tags[]=b``); each value is one item, as
        Rails reads it. A value that joins items with commas (``tags[]=a,b``) where no item can
        hold a comma, though each part would be an item, is refused with a word on how to send them."""
        if b"," not in raw and b"%2c" not in raw.lower():
            return
        arrays = {name: prop.get("items", {}) for name, prop in self._schema.get("properties", {}).items()
                  if prop.get("type") == "array"}
        for name, value in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
            if name in arrays and "," in value and not _is_item(arrays[name], value) and all(
                    _is_item(arrays[name], part) for part in value.split(",")):
                raise BadRequest.for_field(f"body.{name}", "explode",
                                           f"one value per {name}= key, repeated for each item; got {value!r}")

    def _validate(self, body: t.Any) -> dict | None:  # type: ignore[override]
        if not isinstance(body, dict):
            raise BadRequest.for_field("body", "type", "the form body must be a set of fields")
        # Fields the schema does not name are refused by name where it allows no others; elsewhere
        # they are valid form data (Connexion's strict mode would refuse them all).
        if self._strict_validation and self._schema.get("additionalProperties", True) is False:
            unknown = sorted(set(body) - set(self._schema.get("properties", {})))
            if unknown:
                raise BadRequest(
                    f"Unknown form field(s): {', '.join(unknown)}",
                    errors=[FieldError(f"body.{name}", "unknown", "not a field of this operation")
                            for name in unknown],
                )
        raise_for("body", self._validator.iter_errors(body))
        return None


VALIDATOR_MAP = {
    "parameter": SpecmockParameterValidator,
    "body": MediaTypeDict(
        {
            "*/*json": SpecmockJSONBodyValidator,
            "application/x-www-form-urlencoded": SpecmockFormValidator,
        }
    ),
    "response": MediaTypeDict(
        {
            "*/*json": JSONResponseBodyValidator,
            "text/plain": TextResponseBodyValidator,
        }
    ),
}
