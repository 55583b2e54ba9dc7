"""Credentials: parse the two documented headers, verify them per auth mode, mint tokens.

* ``Authorization: Token token="<JWT>"`` (the v1 APIs): lenient mode takes the caller from the
  JWT's ``user_id`` without checking the signature (a credential that is not a JWT is itself the
  caller's identity); strict mode checks the HS256 signature with the configured secret and the
  expiry; ``alg: none`` and other algorithms are refused.
* ``Authentication: Bearer <token>`` (content requests): lenient mode accepts any token, each
  token being one user; strict mode accepts the tokens of known users, or an HS256 JWT with a
  ``user_id`` signed with the secret.
* ``off`` mode removes the security requirements from the served specs; every call is the demo user.
"""

from __future__ import annotations

import functools
import re
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
import orjson
from connexion.security import ApiKeySecurityHandler

from specmock.problems import Forbidden, Unauthorized

TOKEN_LIFETIME = 4 * 60 * 60
_TOKEN_HEADER = re.compile(r'^\s*Token\s+(?:token=)?"?(?P<token>[^"\s]+)"?\s*$', re.IGNORECASE)
_BEARER_HEADER = re.compile(r"^\s*Bearer\s+(?P<token>\S+)\s*$", re.IGNORECASE)
CONTENT_USERS = "content_request_users"


@dataclass(frozen=True)
class Caller:
    """Who is calling: ``key`` identifies the user (a JWT ``user_id`` or a bearer token)."""

    scheme: str
    key: str
    claims: dict[str, Any] = field(default_factory=dict)
    strict: bool = False

    def has_ability(self, ability: str, album_id: str | None = None) -> bool:
        """Lenient callers may do anything; strict ones only what their JWT grants."""
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
    try:
        claims = jwt.decode(token, options={"verify_signature": False, "verify_exp": False})
    except jwt.PyJWTError:
        return None
    return claims if isinstance(claims, dict) else None


def _challenge(scheme: str) -> dict[str, str]:
    return {"WWW-Authenticate": f'{scheme} realm="specmock"'}


class Authenticator:
    """Turns a credential header value into a ``Caller``, or raises ``Unauthorized``."""

    def __init__(self, mode: str, secret: str, store: Any) -> None:
        self.mode = mode
        self.secret = secret
        self.store = store

    def token(self, header: str) -> Caller:
        match = _TOKEN_HEADER.match(header)
        if not match:
            raise Unauthorized(
                "Authorization: expected 'Token token=\"<JWT>\"'", headers=_challenge("Token")
            )
        token = match["token"]
        if self.mode == "strict":
            claims = self._verified(token, "Token")
        else:
            claims = decode_unverified(token) or {"user_id": token}
        user_id = claims.get("user_id")
        if not isinstance(user_id, str) or not user_id:
            raise Unauthorized("Authorization: the JWT carries no user_id", headers=_challenge("Token"))
        return Caller("token", user_id, claims, strict=self.mode == "strict")

    def bearer(self, header: str) -> Caller:
        match = _BEARER_HEADER.match(header)
        if not match:
            raise Unauthorized("Authentication: expected 'Bearer <token>'", headers=_challenge("Bearer"))
        token = match["token"]
        # A JWT is verified on every call (signature, expiry), even once its user is stored under it;
        # only opaque tokens are accepted by being a known user's.
        if self.mode == "strict" and (decode_unverified(token) is not None
                                      or self.store.get_by(CONTENT_USERS, "token", token) is None):
            claims = self._verified(token, "Bearer")
            if not isinstance(claims.get("user_id"), (str, int)):
                raise Unauthorized("Authentication: the JWT carries no user_id", headers=_challenge("Bearer"))
        return Caller("bearer", token, strict=self.mode == "strict")

    def _verified(self, token: str, scheme: str) -> dict[str, Any]:
        try:
            return jwt.decode(token, self.secret, algorithms=["HS256"], options={"require": ["exp"]})
        except jwt.ExpiredSignatureError:
            raise Unauthorized("The token has expired", headers=_challenge(scheme)) from None
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"The token is not valid: {exc}", headers=_challenge(scheme)) from None


def security_map(authenticator: Authenticator) -> dict[str, type]:
    """Connexion security handlers that verify both documented apiKey headers with ``authenticator``."""

    class CredentialHandler(ApiKeySecurityHandler):
        # Connexion asks on every request whether the check function takes extra keywords, by
        # inspecting its signature; the answer never changes.
        _accepts_kwarg = staticmethod(functools.cache(ApiKeySecurityHandler._accepts_kwarg))

        def _resolve_func(self, security_scheme: dict[str, Any]):  # type: ignore[override]
            verify = authenticator.bearer if security_scheme["name"] == "Authentication" else authenticator.token

            def token_info(api_key: str) -> dict[str, Any]:
                caller = verify(api_key)
                return {"sub": caller.key, "caller": caller}

            return token_info

    return {"apiKey": CredentialHandler}


def challenge_for(path: str) -> dict[str, str]:
    """The ``WWW-Authenticate`` header for a 401 on ``path``: Bearer for v4, Token elsewhere."""
    return _challenge("Bearer" if path.startswith("/api/v4") else "Token")
