"""Reading one operation's requests: parameters parsed and validated, the body read, checked and
parsed, with Connexion's parsers and specmock's validators (``specmock.engine.validators``, which
extend Connexion's), all built once per operation.

Connexion 3.3's request validation middleware builds, on every request, two URI parsers, the
parameter validator, a media-type table and the body validator, and decodes ``Content-Type`` anew;
its parameter decorator then parses query and path parameters and the body a second time.
:class:`RequestReader` builds each once (body validators per media type and charset, capped so that
clients cannot grow the table) and parses each part of a request once, step for step as Connexion
does, so its verdicts are Connexion's (``tests/test_request_path.py`` compares them): parameters
through :class:`Request`, the body read once and handed to its validator whole (``read``).
"""

from __future__ import annotations

import functools
import typing as t
from urllib.parse import parse_qsl

from connexion import utils
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import UnsupportedMediaTypeProblem
from connexion.http_facts import FORM_CONTENT_TYPES
from connexion.lifecycle import ConnexionRequest
from connexion.operations import OpenAPIOperation
from connexion.uri_parsing import AbstractURIParser
from starlette.requests import Request as StarletteRequest
from starlette.types import Receive, Scope

from specmock.behaviours.base import Body
from specmock.engine.scope import handed_over, header, read_body, replay
from specmock.engine.validators import VALIDATOR_MAP

MAX_BODY_VALIDATORS = 16  # per operation: its media types, each with a charset or two
_split_content_type = functools.lru_cache(maxsize=256)(utils.split_content_type)


class RememberingOperation(OpenAPIOperation):
    """An OpenAPI operation that builds its body definition once per media type: the spec does not
    change while the app runs, and a stable schema object lets validators be compiled once."""

    def body_definition(self, content_type: str | None = None) -> dict:
        if content_type is not None and content_type not in self.consumes:
            return super().body_definition(content_type)  # a client's spelling: not worth remembering
        remembered = self.__dict__.setdefault("_body_definitions", {})
        if content_type not in remembered:
            remembered[content_type] = super().body_definition(content_type)
        return remembered[content_type]


class Request:
    """What the steps after routing read of a request, each part parsed once, on first use, to the
    values ``ConnexionRequest`` gives: ``query_params`` and ``path_params`` typed by the operation's
    parameter definitions (its URI parser), ``headers`` and ``cookies`` as Starlette reads them, and
    ``path`` as Starlette's URL gives it. Without the Starlette request object and ``QueryParams``
    that ConnexionRequest builds first."""

    __slots__ = ("scope", "_uri_parser", "_query", "_path", "_starlette")

    def __init__(self, scope: Scope, uri_parser: AbstractURIParser) -> None:
        self.scope = scope
        self._uri_parser = uri_parser
        self._query: dict[str, t.Any] | None = None
        self._path: dict[str, t.Any] | None = None
        self._starlette: StarletteRequest | None = None

    @property
    def query_params(self) -> dict[str, t.Any]:
        if self._query is None:
            query = self.scope.get("query_string", b"")
            if not query:
                self._query = {}  # what resolving no parameters gives
            else:
                # Starlette's QueryParams, read as ConnexionRequest reads them: every key's values in order.
                grouped: dict[str, list[str]] = {}
                for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
                    grouped.setdefault(name, []).append(value)
                self._query = self._uri_parser.resolve_query(grouped)
        return self._query

    @property
    def path_params(self) -> dict[str, t.Any]:
        if self._path is None:
            self._path = self._uri_parser.resolve_path(self.scope.get("path_params", {}))
        return self._path

    def _request(self) -> StarletteRequest:
        if self._starlette is None:
            self._starlette = StarletteRequest(self.scope)
        return self._starlette

    @property
    def headers(self) -> t.Any:
        return self._request().headers

    @property
    def cookies(self) -> dict[str, str]:
        return self._request().cookies

    @property
    def path(self) -> str:
        """``url.path`` without building the URL: Starlette writes the scope's path into the URL with
        ``?``, ``#`` and ``\\`` escaped, and reads that path back unchanged."""
        return self.scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")


class RequestReader:
    def __init__(self, operation: OpenAPIOperation, *, strict: bool, security_query_params: list[str]) -> None:
        self.operation = operation
        self.strict = strict
        self.uri_parser = operation.uri_parser_class(operation.parameters, operation.body_definition())
        self._parameters = VALIDATOR_MAP["parameter"](
            operation.parameters, uri_parser=self.uri_parser, strict_validation=strict,
            security_query_params=security_query_params)
        self._media_types = MediaTypeDict([(c.lower(), None) for c in operation.consumes])
        # Media types without wildcards match only themselves: a set answers for them at once.
        self._exact_media_types = {c.lower() for c in operation.consumes if not any(ch in c for ch in "*?[")}
        self._body_validators: dict[tuple[str, str], t.Any] = {}

    # -- parameters ----------------------------------------------------------------------------

    def request(self, scope: Scope) -> Request:
        return Request(scope, self.uri_parser)

    def check_parameters(self, request: Request) -> None:
        self._parameters.validate_request(request)

    # -- body ----------------------------------------------------------------------------------

    def content_type(self, headers: list[tuple[bytes, bytes]]) -> tuple[str, str]:
        """(media type, charset) as Connexion reads them; without a Content-Type, its best guess."""
        mime_type, encoding = _split_content_type(header(headers, b"content-type"))
        if mime_type is None:
            mime_type = self.operation.consumes[0] if self.operation.consumes else "application/octet-stream"
        return mime_type, encoding or "utf-8"

    def check_media_type(self, mime_type: str) -> None:
        mime_type_lower = mime_type.lower()
        if mime_type_lower in self._exact_media_types:
            return
        if self.operation.consumes and mime_type_lower not in self._media_types:
            raise UnsupportedMediaTypeProblem(
                detail=f"Invalid Content-type ({mime_type}), expected {self.operation.consumes}")

    async def body(self, scope: Scope, receive: Receive) -> Body:
        """The body, validated against the operation's schema for its media type, and parsed."""
        mime_type, encoding = self.content_type(scope["headers"])
        self.check_media_type(mime_type)
        raw = await read_body(receive)
        schema = self.operation.body_schema(mime_type)
        validator = self._validator(mime_type, encoding, schema) if schema else None
        if validator is not None and not raw and mime_type in FORM_CONTENT_TYPES:
            # A form with no fields is an empty body: valid where the schema accepts {} (Connexion
            # takes it for a missing body, and refuses it when the body is required).
            form = validator.complete({})  # the one form validator is SpecmockFormValidator's
            validator._validate(form)
            return Body(mime_type, form)
        if validator is not None:
            await validator.read(raw, scope)
            parsed = handed_over(scope)
            if "json" in parsed:
                return Body(mime_type, parsed["json"])
            if "form" in parsed:
                return Body(mime_type, parsed["form"])
        return Body(mime_type, await self._unvalidated(scope, mime_type, raw))

    async def _unvalidated(self, scope: Scope, mime_type: str, raw: bytes) -> t.Any:
        if utils.is_json_mimetype(mime_type):
            return None if not raw.strip() else await ConnexionRequest(scope, replay(raw)).json()
        if mime_type in FORM_CONTENT_TYPES:
            request = ConnexionRequest(scope, replay(raw), uri_parser=self.uri_parser)
            return await request.form()
        return raw or None

    def _validator(self, mime_type: str, encoding: str, schema: dict) -> t.Any:
        validator = self._body_validators.get((mime_type, encoding))
        if validator is None:
            try:
                validator_cls = VALIDATOR_MAP["body"][mime_type]
            except KeyError:
                return None  # Connexion too skips media types it has no validator for
            validator = validator_cls(
                schema=schema, required=self.operation.request_body.get("required", False),
                nullable=utils.is_nullable(self.operation.body_definition(mime_type)), encoding=encoding,
                strict_validation=self.strict,
                # the parser of this media type's body (Connexion builds one for the first media type only)
                uri_parser=self.operation.uri_parser_class(self.operation.parameters,
                                                           self.operation.body_definition(mime_type)))
            if len(self._body_validators) < MAX_BODY_VALIDATORS:
                self._body_validators[(mime_type, encoding)] = validator
        return validator

