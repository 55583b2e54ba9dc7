"""Host and Origin discipline: which requests this server answers at all, and which may use the admin API.

A stub on a developer's laptop is reachable from every web page the developer opens. Two things keep
those pages out:

* ``HostGuard`` answers ``421 Misdirected Request`` to a request whose ``Host`` names another server,
  before anything routes or records it. A DNS-rebinding page reaches 127.0.0.1 under its own name,
  so its requests carry that name in ``Host``; the names that mean this server are listed in
  ``HostPolicy``.
* On ``/__admin`` it refuses (403) every request from another origin, every CORS preflight, and every
  POST or DELETE without ``X-Specmock-Admin: 1``: a page cannot add that header to a cross-origin
  request without a preflight, which is refused, so a "simple" request (a form, ``text/plain``) from a
  foreign page never reaches the admin handlers. ``ApiCORS`` keeps CORS headers off ``/__admin``
  answers, so no page of another origin can read the journal either.

The API and the docs keep their CORS (``--cors-origin``): frontends on other origins call the API.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

import orjson
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from specmock.problems import PROBLEM_JSON, problem_body
from specmock.settings import Settings

ADMIN_PREFIX = "/__admin"
ADMIN_HEADER = "X-Specmock-Admin"
ADMIN_HEADER_KEY = ADMIN_HEADER.lower().encode()
SAFE_METHODS = ("GET", "HEAD")
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_REMEMBERED = 256  # Host values whose verdict HostGuard keeps
# Names that resolve to the loopback interface only (RFC 6761; browsers never ask DNS for them).
LOOPBACK_NAMES = ("localhost",)
LOOPBACK_SUFFIXES = (".localhost",)


def is_admin(path: str) -> bool:
    return path.startswith(ADMIN_PREFIX)


def split_host(value: str) -> tuple[str, int | None] | None:
    """``Host`` (or an origin's authority) as (lower-case name or address, port); None when malformed.
    IPv6 addresses come in brackets (``[::1]:8000``); one trailing dot of a name is dropped."""
    value = value.strip().lower()
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or ":" not in name or not _is_ip(name):
            return None
    else:
        name, colon, port = value.partition(":")
        rest = colon + port
        name = name[:-1] if name.endswith(".") else name
        if not name or any(char in name for char in " \t/\\@[]?#"):
            return None
    if not rest:
        return name, None
    port = rest[1:]
    if not rest.startswith(":") or not (port.isascii() and port.isdigit()) or int(port) > 65535:
        return None
    return name, int(port)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class HostPolicy:
    """The ``Host`` names that mean this server.

    Accepted: ``localhost`` and ``*.localhost``; any IP address literal (``127.0.0.1``, ``[::1]``, the
    machine's LAN address when bound to 0.0.0.0): a browser puts an address in ``Host`` only when it
    connected to that address, and rebinding needs a name; the bound ``--host`` and the ``--public-url``
    host when they are names; and each ``--allowed-host``: a name, ``.example.test`` for that domain and
    all its subdomains, or ``*`` for any host (which gives up the protection against DNS rebinding).
    """

    names: frozenset[str]
    suffixes: tuple[str, ...]
    any_host: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> HostPolicy:
        names = set(LOOPBACK_NAMES)
        suffixes = list(LOOPBACK_SUFFIXES)
        names.add(settings.host.strip("[]").lower())
        if settings.public_url:
            names.add((urlsplit(settings.public_url).hostname or "").lower())
        any_host = False
        for entry in settings.allowed_hosts:
            if entry == "*":
                any_host = True
                continue
            domain = entry[1:] if entry.startswith(".") else entry
            parsed = split_host(domain)
            if not parsed or parsed[1] is not None or not domain:
                raise ValueError(f"--allowed-host takes a host name (app.test), a domain with its subdomains "
                                 f"(.app.test) or *, not {entry!r}")
            names.add(parsed[0])
            if entry.startswith("."):
                suffixes.append(f".{parsed[0]}")
        names.discard("")
        return cls(frozenset(names), tuple(suffixes), any_host)

    def allows(self, name: str) -> bool:
        return self.any_host or name in self.names or name.endswith(self.suffixes) or _is_ip(name)


def _origin(scheme: str, name: str, port: int | None) -> str:
    """An origin in the one spelling compared here: lower case, IPv6 in brackets, no default port."""
    host = f"[{name}]" if ":" in name else name
    return f"{scheme}://{host}" if port in (None, DEFAULT_PORTS.get(scheme)) else f"{scheme}://{host}:{port}"


def normal_origin(value: str) -> str | None:
    """An ``Origin`` header (or a base URL) in the spelling ``_origin`` makes; None if it is not one."""
    parts = urlsplit(value.strip())
    authority = split_host(parts.netloc) if parts.scheme in DEFAULT_PORTS and parts.netloc else None
    return _origin(parts.scheme, *authority) if authority else None


async def send_problem(send: Send, status: int, detail: str, instance: str,
                       headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    """A problem answer from a middleware that runs outside Connexion's exception handling."""
    payload = orjson.dumps(problem_body(status, detail, instance=instance))
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(payload)).encode()), *headers]})
    await send({"type": "http.response.body", "body": payload})


class HostGuard:
    """Refuses requests for other hosts (421) and foreign or forgeable admin requests (403)."""

    def __init__(self, app: ASGIApp, settings: Settings, policy: HostPolicy | None = None) -> None:
        self.app = app
        self.policy = policy or HostPolicy.from_settings(settings)
        self.public_origin = normal_origin(settings.public_url) if settings.public_url else None
        self.base_origin = normal_origin(settings.base_url)
        self._verdicts: dict[bytes, tuple] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal:
            await send_problem(send, *refusal, instance=scope["path"])
            return
        await self.app(scope, receive, send)

    def refusal(self, scope: Scope) -> tuple[int, str] | None:
        hosts = [value for name, value in scope["headers"] if name == b"host"]
        if len(hosts) > 1:
            return 400, "The request has more than one Host header; send exactly one"
        authority, refusal = self._judged(hosts[0]) if hosts else (None, None)
        if refusal is None and is_admin(scope["path"]):
            return self.admin_refusal(scope, authority)
        return refusal

    def _judged(self, host: bytes) -> tuple[tuple[str, int | None] | None, tuple[int, str] | None]:
        """A ``Host`` value parsed and judged, remembered: a server sees few distinct ones."""
        known = self._verdicts.get(host)
        if known is None:
            known = self._judge(host.decode("latin-1"))
            if len(self._verdicts) >= MAX_REMEMBERED:
                self._verdicts.clear()  # many distinct Host values: someone is trying them, start again
            self._verdicts[host] = known
        return known

    def _judge(self, host: str) -> tuple[tuple[str, int | None] | None, tuple[int, str] | None]:
        authority = split_host(host)
        if authority is None:
            return None, (400, f"The Host header {host!r} is not a host name or address with an optional port")
        if not self.policy.allows(authority[0]):
            return authority, (421, (
                f"This server does not answer for the host {authority[0]!r}. A page that reaches this server "
                f"under another name is refused (DNS rebinding). If that name should reach the mock, start it "
                f"with --allowed-host {authority[0]} (or SPECMOCK_ALLOWED_HOSTS)"))
        return authority, None

    def admin_refusal(self, scope: Scope, authority: tuple[str, int | None] | None) -> tuple[int, str] | None:
        headers = scope["headers"]
        here = _origin(scope.get("scheme", "http"), *authority) if authority else self.base_origin
        own = {origin for origin in (here, self.public_origin, self.base_origin) if origin}
        origin = next((value.decode("latin-1") for name, value in headers if name == b"origin"), None)
        if scope["method"] == "OPTIONS" and any(name == b"access-control-request-method" for name, _ in headers):
            return 403, ("The admin API does not answer cross-origin requests, so it grants no CORS preflight; "
                         "call it from a command line, a test or a page served by this mock")
        if origin is not None and normal_origin(origin) not in own:
            return 403, (f"The admin API answers only requests from this server's own origin; this one comes "
                         f"from {origin!r}. Call it from a command line, a test or a page served by this mock")
        if scope["method"] not in SAFE_METHODS:
            sent = next((value for name, value in headers if name == ADMIN_HEADER_KEY), b"").strip()
            if sent != b"1":
                return 403, (f"Admin requests other than GET must carry the header '{ADMIN_HEADER}: 1' (a web page "
                             f"cannot send it to this server unasked), e.g. curl -X {scope['method']} -H "
                             f"'{ADMIN_HEADER}: 1' {here}{scope['path']}")
        return None


class ApiCORS(CORSMiddleware):
    """Starlette's CORS for the API and the docs; ``/__admin`` answers carry no CORS headers."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_admin(scope["path"]):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
