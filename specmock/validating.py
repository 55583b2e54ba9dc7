"""Connexion's request validation middleware, with its validators built once per operation.

Connexion 3.3 builds, on every request, two URI parsers, the parameter validator, a media-type
table and the body validator of the operation, and decodes the ``Content-Type`` header anew. None of
these depends on the request beyond its media type and charset, so ``OnceValidatingMiddleware``
builds each once (per operation, and per media type and charset for bodies) and then validates as
Connexion does, step for step.
"""

from __future__ import annotations

import functools
import typing as t

from connexion import utils
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import UnsupportedMediaTypeProblem
from connexion.middleware.request_validation import (
    RequestValidationAPI,
    RequestValidationMiddleware,
    RequestValidationOperation,
    logger,
)
from connexion.operations import AbstractOperation
from starlette.types import Receive, Scope, Send

from specmock.middleware import header

MAX_BODY_VALIDATORS = 16  # per operation: its media types, each with a charset or two


_split_content_type = functools.lru_cache(maxsize=256)(utils.split_content_type)


class OnceValidatingOperation(RequestValidationOperation):
    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._media_types = MediaTypeDict([(c.lower(), None) for c in self._operation.consumes])
        self._parameters = self._validator_map["parameter"](
            self._operation.parameters, uri_parser=self._uri_parser(),
            strict_validation=self.strict_validation, security_query_params=self.security_query_params)
        self._body_validators: dict[tuple[str, str], t.Any] = {}

    def extract_content_type(self, headers: list[tuple[bytes, bytes]]) -> tuple[str, str]:
        mime_type, encoding = _split_content_type(header(headers, b"content-type"))
        if mime_type is None:  # no Content-Type: Connexion's best guess
            mime_type = self._operation.consumes[0] if self._operation.consumes else "application/octet-stream"
        return mime_type, encoding or "utf-8"

    def validate_mime_type(self, mime_type: str) -> None:
        if not self._operation.consumes:
            return
        if mime_type.lower() not in self._media_types:
            raise UnsupportedMediaTypeProblem(
                detail=f"Invalid Content-type ({mime_type}), expected {self._operation.consumes}")

    def _uri_parser(self) -> t.Any:
        return self._operation.uri_parser_class(self._operation.parameters, self._operation.body_definition())

    def _body(self, mime_type: str, encoding: str, schema: dict) -> t.Any:
        validator = self._body_validators.get((mime_type, encoding))
        if validator is None:
            try:
                validator_cls = self._validator_map["body"][mime_type]
            except KeyError:
                logger.info(f"Skipping validation. No validator registered for content type: {mime_type}.")
                return None
            validator = validator_cls(
                schema=schema, required=self._operation.request_body.get("required", False),
                nullable=utils.is_nullable(self._operation.body_definition(mime_type)), encoding=encoding,
                strict_validation=self.strict_validation, uri_parser=self._uri_parser())
            if len(self._body_validators) < MAX_BODY_VALIDATORS:
                self._body_validators[(mime_type, encoding)] = validator
        return validator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._parameters.validate(scope)
        mime_type, encoding = self.extract_content_type(scope["headers"])
        self.validate_mime_type(mime_type)
        schema = self._operation.body_schema(mime_type)
        if schema:
            validator = self._body(mime_type, encoding, schema)
            if validator is not None:
                receive, scope = await validator.wrap_receive(receive, scope=scope)
        await self.next_app(scope, receive, send)


class _OnceValidatingAPI(RequestValidationAPI):
    def make_operation(self, operation: AbstractOperation) -> RequestValidationOperation:
        return OnceValidatingOperation(self.next_app, operation=operation, strict_validation=self.strict_validation,
                                       validator_map=self.validator_map)


class OnceValidatingMiddleware(RequestValidationMiddleware):
    api_cls = _OnceValidatingAPI
