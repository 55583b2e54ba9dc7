"""The security step of the request path: which credentials an operation takes (alternatives,
each a set of schemes that must all be present), read and checked by the :class:`Authenticator`.

An operation without security requirements, or one that lists the empty alternative ``{}``, is
answered without a credential as the document's demo caller. A request that brings none of the
credentials gets a 401 that names each accepted form and a similar-looking header it sent instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from specmock.auth import Authenticator, Caller, Credential, similar_header
from specmock.problems import Unauthorized


class SecurityCheck:
    def __init__(self, requirement: list[dict[str, Any]], credentials: Mapping[str, Credential],
                 authenticator: Authenticator, demo: Caller) -> None:
        self.alternatives = [[credentials[name] for name in alternative] for alternative in requirement]
        self.anonymous = not self.alternatives or any(not alternative for alternative in self.alternatives)
        self.authenticator = authenticator
        self.demo = demo

    @property
    def needed(self) -> bool:
        return bool(self.alternatives)

    def caller(self, headers: Mapping[str, str], request: Any) -> Caller:
        """The caller of a request (``headers`` by lower-case name), or a 401."""
        failure: Unauthorized | None = None
        for alternative in self.alternatives:
            values = [credential.read(headers, request) for credential in alternative]
            if not alternative or any(value is None for value in values):
                continue
            try:
                callers = [self.authenticator.caller(credential, value)  # type: ignore[arg-type]
                           for credential, value in zip(alternative, values, strict=True)]
            except Unauthorized as problem:
                failure = failure or problem
                continue
            return callers[0]
        if failure is not None:
            raise failure
        if self.anonymous:
            return self.demo
        raise self._missing(headers)

    def _missing(self, headers: Mapping[str, str]) -> Unauthorized:
        forms = [" + ".join(f"`{credential.form}`" for credential in alternative) for alternative in self.alternatives]
        detail = f"This operation needs a credential: {' or '.join(forms)}."
        first = self.alternatives[0][0]
        if first.location == "header":
            other = similar_header(first.field, list(headers))
            if other is not None:
                sent = next(name for name in headers if name == other)
                detail += (f" The request sent `{_title(sent)}` instead: this API reads the credential from "
                           f"`{first.field}`, not `{_title(sent)}`.")
        return Unauthorized(detail, headers={"WWW-Authenticate": first.challenge})


def _title(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))
