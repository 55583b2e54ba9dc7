"""Credentials, as a contract's security schemes declare them: read from the request, checked per
auth mode, turned into a :class:`Caller`; and minted for demos and refreshed tokens.

* Every scheme type is read where OpenAPI says: ``apiKey`` in its header, query parameter or
  cookie; ``http`` ``bearer`` and ``basic``, ``oauth2`` and ``openIdConnect`` from ``Authorization``.
  An ``apiKey`` scheme whose ``x-specmock-credential.scheme`` is a word (``Token``, ``Bearer``) takes
  ``<word> <token>`` (Rails' ``Token token="<token>"`` too).
* ``lenient`` mode accepts any JWT, its signature and expiry unchecked (the caller is its
  ``user_id``, or ``sub``), and the opaque tokens the contract knows: the document's demo token and
  those of the ``known-tokens`` table. A scheme whose ``x-specmock-credential.opaque`` is ``any``
  takes any opaque token as a user of its own (so a frontend can make up users); elsewhere a
  made-up token is refused, as a harness probing with an invalid credential expects.
* ``strict`` mode accepts an HS256 JWT signed with the server's secret and not expired, or an opaque
  token listed in the table the scheme's ``x-specmock-credential.known-tokens`` names.
* ``off`` mode: the served contract has no security requirements at all.

A missing or malformed credential is a 401 whose detail says which header (or parameter) this API
reads and in what form, and names a similar-looking header the request sent instead.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import functools
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
import orjson
from starlette.datastructures import QueryParams

from specmock.problems import Forbidden, Unauthorized

TOKEN_LIFETIME = 4 * 60 * 60
_WORD = re.compile(r'^\s*(?P<word>[A-Za-z][A-Za-z0-9_-]*)\s+(?P<rest>\S.*?)\s*$')
_RAILS = re.compile(r'^(?:token=)?"?(?P<token>[^"\s]+)"?$', re.IGNORECASE)
CREDENTIAL_HEADERS = ("authorization", "authentication", "x-api-key", "api-key", "apikey", "x-auth-token",
                      "x-access-token", "token", "proxy-authorization")


@dataclass(frozen=True)
class Caller:
    """Who is calling: ``key`` identifies the user; ``token`` is the credential's token as sent."""

    key: str
    token: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)
    strict: bool = False

    def has_ability(self, ability: str, album_id: str | None = None) -> bool:
        """Lenient callers may do anything; strict ones only what their JWT's claims grant:
        ``{ability: true}``, or ``{"abilities": {album_id: {ability: ...}}}`` for one album."""
        if not self.strict:
            return True
        if album_id is None:
            return self.claims.get(ability) is True
        albums = self.claims.get("abilities") or {}
        return isinstance(albums, dict) and ability in (albums.get(album_id) or {})

    def require(self, ability: str, album_ids: set[str] | None = None) -> None:
        missing = [album for album in sorted(album_ids or {None}) if not self.has_ability(ability, album)]
        if missing:
            where = "" if missing == [None] else f" on album {', '.join(map(str, missing))}"
            raise Forbidden(f"The credential grants no {ability!r} ability{where}")


# -- tokens --------------------------------------------------------------------------------------


def mint(claims: dict[str, Any], secret: str, now: float | None = None) -> str:
    """An HS256 JWT with ``claims``, issued now and valid for four hours."""
    issued = int(time.time() if now is None else now)
    try:
        key = orjson.dumps(claims, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # claims orjson cannot encode (lone surrogates): sign them as they are
        return _signed(claims, secret, issued)
    return _signed_once(key, secret, issued)


@functools.lru_cache(maxsize=1024)
def _signed_once(claims: bytes, secret: str, issued: int) -> str:
    """Answers to one caller within one second carry the same token: sign it once."""
    return _signed(orjson.loads(claims), secret, issued)


def _signed(claims: dict[str, Any], secret: str, issued: int) -> str:
    return jwt.encode({**claims, "iat": issued, "exp": issued + TOKEN_LIFETIME}, secret, algorithm="HS256")


def decode_unverified(token: str) -> dict[str, Any] | None:
    """The claims of a JWT without checking its signature, or None if ``token`` is not a JWT."""
    claims = _decoded(token)
    return None if claims is None else dict(claims)


@functools.lru_cache(maxsize=1024)
def _decoded(token: str) -> dict[str, Any] | None:
    if token.count(".") != 2:
        return None
    try:
        claims = jwt.decode(token, options={"verify_signature": False, "verify_exp": False})
    except jwt.PyJWTError:
        return None
    return claims if isinstance(claims, dict) else None


def refreshed(caller: Caller, secret: str) -> str:
    """A fresh JWT for the caller: the same claims, issued now, valid four hours."""
    claims = {key: value for key, value in caller.claims.items() if key not in ("iat", "exp")}
    return mint(claims or {"user_id": caller.key}, secret)


# -- schemes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credential:
    """One security scheme of the contract, ready to read requests."""

    name: str
    type: str
    location: str  # header | query | cookie
    field: str  # the header, parameter or cookie name
    word: str | None  # "Bearer", "Basic", "Token", ... or None for a bare value
    known_tokens: tuple[str, str] | None = None
    any_opaque: bool = False  # lenient mode takes any opaque token (x-specmock-credential.opaque: any)
    demo_tokens: frozenset[str] = frozenset()  # opaque tokens the document shows as demo credentials

    @classmethod
    def from_scheme(cls, name: str, scheme: Mapping[str, Any], demo: Mapping[str, Any] | None = None) -> Credential:
        hint = scheme.get("x-specmock-credential") or {}
        known = hint.get("known-tokens")
        table_field = tuple(known.split(".", 1)) if isinstance(known, str) and "." in known else None
        options = {"known_tokens": table_field, "any_opaque": hint.get("opaque") == "any",
                   "demo_tokens": frozenset([demo["token"]] if demo and "token" in demo else [])}
        kind = scheme.get("type", "apiKey")
        if kind == "apiKey":
            return cls(name, kind, scheme.get("in", "header"), scheme.get("name", "X-API-Key"), hint.get("scheme"),
                       **options)
        word = "Basic" if kind == "http" and str(scheme.get("scheme", "")).lower() == "basic" else "Bearer"
        return cls(name, kind, "header", "Authorization", word, **options)

    @property
    def form(self) -> str:
        """How the credential is written, for messages: ``Authentication: Bearer <token>``."""
        value = {"Token": 'Token token="<token>"', "Basic": "Basic <base64 user:password>"}.get(
            self.word or "", f"{self.word} <token>" if self.word else "<key>")
        if self.location == "header":
            return f"{self.field}: {value}"
        return f"{self.location} parameter {self.field}={value}"

    @property
    def challenge(self) -> str:
        return f'{self.word or "ApiKey"} realm="specmock"'

    def written(self, token: str) -> str:
        """The value to send for ``token``."""
        if self.word == "Token":
            return f'Token token="{token}"'
        return f"{self.word} {token}" if self.word else token

    def read(self, headers: Mapping[str, str], request: Any) -> str | None:
        """The credential's value in a request (``headers`` by lower-case name), None when absent."""
        if self.location == "header":
            return headers.get(self.field.lower())
        if self.location == "query":
            return QueryParams(request.scope.get("query_string", b"")).get(self.field)
        return request.cookies.get(self.field)

    def token(self, value: str) -> str:
        """The token in a credential value, or a 401 saying what form this API expects."""
        if not self.word:
            if not value.strip():
                raise self.unauthorized(f"{self.field} is empty")
            return value.strip()
        match = _WORD.match(value)
        if not match or match["word"].lower() != self.word.lower():
            got = f"a {match['word']} credential" if match else repr(value[:40])
            raise self.unauthorized(f"{self.field} must be written `{self.written('<token>')}`; got {got}")
        rest = match["rest"]
        if self.word == "Token":
            rails = _RAILS.match(rest)
            if not rails:
                raise self.unauthorized(f"{self.field} must be written `{self.written('<token>')}`")
            return rails["token"]
        if " " in rest:
            raise self.unauthorized(f"{self.field}: the token after {self.word} must not contain spaces")
        return rest

    def unauthorized(self, detail: str) -> Unauthorized:
        return Unauthorized(detail, headers={"WWW-Authenticate": self.challenge})


def similar_header(expected: str, sent: list[str]) -> str | None:
    """A header the request sent that looks like the credential header it lacks."""
    expected = expected.lower()
    candidates = [name for name in sent if name != expected and (
        name in CREDENTIAL_HEADERS or name.startswith("auth") or "token" in name or "api-key" in name)]
    close = difflib.get_close_matches(expected, candidates, n=1, cutoff=0.6)
    return close[0] if close else (candidates[0] if candidates else None)


# -- checking a caller -----------------------------------------------------------------------------


class Authenticator:
    """Turns credentials into callers per auth mode; ``store`` answers strict mode's known tokens."""

    def __init__(self, mode: str, secret: str, store: Any) -> None:
        self.mode = mode
        self.secret = secret
        self.store = store

    def caller(self, credential: Credential, value: str) -> Caller:
        token = credential.token(value)
        if credential.word == "Basic":
            return self._basic(credential, token)
        if self.mode == "strict":
            claims = self._strict_claims(credential, token)
        else:
            claims = decode_unverified(token) or {}
            if not claims and not self._opaque_accepted(credential, token):
                raise credential.unauthorized(
                    f"{credential.field}: not a credential this mock knows: send a JWT (any will do in lenient mode) "
                    "or the demo credential its docs page shows")
        identity = claims.get("user_id", claims.get("sub")) if claims else token
        if claims and (not isinstance(identity, (str, int)) or identity == ""):
            raise credential.unauthorized(f"{credential.field}: the JWT carries no user_id (or sub) claim")
        return Caller(str(identity), token, claims, strict=self.mode == "strict")

    def _strict_claims(self, credential: Credential, token: str) -> dict[str, Any]:
        if decode_unverified(token) is None and credential.known_tokens and self._known(credential, token):
            return {}
        try:
            return jwt.decode(token, self.secret, algorithms=["HS256"], options={"require": ["exp"]})
        except jwt.ExpiredSignatureError:
            raise credential.unauthorized("The token has expired") from None
        except jwt.PyJWTError as exc:
            raise credential.unauthorized(f"The token is not valid: {exc}") from None

    def _opaque_accepted(self, credential: Credential, token: str) -> bool:
        return credential.any_opaque or token in credential.demo_tokens or bool(
            credential.known_tokens and self._known(credential, token))

    def _known(self, credential: Credential, token: str) -> bool:
        table, name = credential.known_tokens  # type: ignore[misc]
        if name == "token":
            return self.store.peek_by(table, name, token) is not None
        return bool(self.store.scan(table, lambda record: record.get(name) == token))

    def _basic(self, credential: Credential, token: str) -> Caller:
        try:
            user, separator, _ = base64.b64decode(token, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise credential.unauthorized("Authorization: Basic needs base64 of user:password") from None
        if not separator or not user:
            raise credential.unauthorized("Authorization: Basic needs base64 of user:password")
        if user != "demo" and not credential.any_opaque and not (credential.known_tokens
                                                                 and self._known(credential, user)):
            raise credential.unauthorized(f"Authorization: unknown user {user!r}; the demo user is demo:demo")
        return Caller(user, token, {}, strict=self.mode == "strict")

    def demo_value(self, credential: Credential, demo: dict[str, Any] | None) -> str:
        """The credential value a demo caller sends: the manifest's token or claims, else a minted JWT
        for the user ``demo`` (it passes every auth mode)."""
        if credential.word == "Basic":
            return "Basic " + base64.b64encode(b"demo:demo").decode()
        if demo and "token" in demo:
            return credential.written(demo["token"])
        claims = demo["claims"] if demo and "claims" in demo else {"sub": "demo", "user_id": "demo"}
        return credential.written(mint(claims, self.secret))


# -- a document's credentials ----------------------------------------------------------------------


def credentials_of(document: Any) -> dict[str, Credential]:
    """The credentials of a contract document, by security scheme name."""
    schemes = document.spec.get("components", {}).get("securitySchemes", {})
    return {name: Credential.from_scheme(name, document.resolve(scheme), document.manifest.demo.get(name))
            for name, scheme in schemes.items()}


def demo_caller(document: Any, credentials: dict[str, Credential], authenticator: Authenticator) -> Caller:
    """Who calls when nobody says (a public operation, or no credential where none is needed): the
    caller of the document's demo credential (``x-specmock.demo``), or ``demo``."""
    demo = document.manifest.demo
    for name, credential in credentials.items():
        if name in demo or not demo:
            value = authenticator.demo_value(credential, demo.get(name))
            return Authenticator("lenient", authenticator.secret, authenticator.store).caller(credential, value)
    return Caller("demo")


def demo_credentials(document: Any, credentials: dict[str, Credential], secret: str) -> dict[str, str]:
    """The demo credential of each of a document's header schemes, by header name: what the docs
    page tells people to paste and what ``specmock verify`` sends to the mock by default."""
    authenticator = Authenticator("lenient", secret, None)
    return {credential.field: authenticator.demo_value(credential, document.manifest.demo.get(name))
            for name, credential in credentials.items() if credential.location == "header"}
