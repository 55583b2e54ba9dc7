"""What `specmock verify` points at: the base URL, the contract and which of its documents to
check, the credentials to send."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from specmock.contract import Contract, bundled
from specmock.settings import Settings

CONFIG_FILE = bundled("specmock.verify") / "schemathesis.toml"
PHASES = ("examples", "coverage", "fuzzing", "stateful")


class UsageError(Exception):
    """The verify options cannot work: exit code 2."""


def parse_header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip() or any(c.isspace() for c in name.strip()):
        raise UsageError(f"--header {text!r}: expected 'Name: value'")
    return name.strip(), value.strip()


SECOND_USER = "specmock-second-user"
_IDENTITY_CLAIMS = ("user_id", "sub", "username", "preferred_username", "name", "email")


def second_claims(claims: dict[str, Any]) -> dict[str, Any]:
    """The demo caller's claims for another user: every claim that names the user changed, the
    abilities kept (so that the second caller is refused for not owning, not for lacking a right)."""
    changed = {**claims, "user_id": SECOND_USER, "sub": SECOND_USER}
    for name in _IDENTITY_CLAIMS[2:]:
        if name in claims:
            changed[name] = f"{SECOND_USER}@specmock.invalid" if name == "email" else SECOND_USER
    return changed


@dataclass
class Target:
    """``headers`` (``Name: value``) go with every request; without them each document's demo
    credential does, signed with the development secret, as ``specmock serve`` accepts it. The
    contract is read as ``specmock serve`` serves it in ``auth`` mode (``lenient`` by default).

    ``second_headers`` are those of a second user, sent in place of the ``headers`` of the same
    name by the checks that one user's data stays theirs; without ``headers`` a second demo user is
    minted for the mock; with ``headers`` but no ``second_headers`` those checks cannot run."""

    base_url: str
    specs: list[Path] = field(default_factory=list)
    apis: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    second_headers: list[str] = field(default_factory=list)
    phases: list[str] = field(default_factory=lambda: list(PHASES))
    auth: str = "lenient"
    contract: Contract = field(init=False, repr=False)

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UsageError(f"--base-url {self.base_url!r}: expected http(s)://host[:port]")
        self.base_url = self.base_url.rstrip("/")
        settings = Settings(specs=tuple(self.specs))
        self.contract = Contract.load(list(settings.contract_sources), self.auth)
        for name in self.apis:
            if name not in self.contract.documents:
                raise UsageError(f"--api: unknown API {name!r}; known: {', '.join(self.contract.documents)}")
        self.apis = self.apis or list(self.contract.documents)
        for phase in self.phases:
            if phase not in PHASES:
                raise UsageError(f"--phases: unknown phase {phase!r}; known: {', '.join(PHASES)}")
        for header in [*self.headers, *self.second_headers]:
            parse_header(header)

    def spec(self, name: str) -> dict[str, Any]:
        return self.contract.documents[name].spec

    def api_url(self, name: str) -> str:
        """The base URL of one document: the target plus the document's server path (``/api/v1``)."""
        return self.base_url + self.contract.documents[name].base_path

    def headers_for(self, name: str) -> list[str]:
        if self.headers:
            return list(self.headers)
        from specmock.auth import credentials_of, demo_credentials

        document = self.contract.documents[name]
        values = demo_credentials(document, credentials_of(document), Settings().jwt_secret)
        return [f"{header}: {value}" for header, value in values.items()]

    def second_headers_for(self, name: str) -> list[str] | None:
        """The second user's headers for one document, None when no second user is known."""
        if self.second_headers:
            return list(self.second_headers)
        if self.headers:
            return None
        import base64

        from specmock.auth import credentials_of, mint

        document = self.contract.documents[name]
        secret = Settings().jwt_secret
        values = {}
        for scheme, credential in credentials_of(document).items():
            if credential.location != "header":
                continue
            if credential.word == "Basic":
                values[credential.field] = "Basic " + base64.b64encode(f"{SECOND_USER}:{SECOND_USER}".encode()).decode()
                continue
            demo = document.manifest.demo.get(scheme) or {}
            values[credential.field] = credential.written(mint(second_claims(demo.get("claims") or {}), secret))
        return [f"{header}: {value}" for header, value in values.items()]

    def probe(self, timeout: float = 5.0) -> None:
        """Fail early, with exit code 2, when nothing answers at the base URL."""
        try:
            requests.get(self.base_url + "/", timeout=timeout)
        except requests.RequestException as error:
            raise UsageError(f"cannot reach {self.base_url}: {_reason(error, timeout)} "
                             "(is the server running, and is --base-url right?)") from None


def _reason(error: requests.RequestException, timeout: float) -> str:
    """Why a request failed, in a few words (``connection refused``), not the HTTP client's retry chain."""
    if isinstance(error, requests.Timeout):
        return f"no answer within {timeout:g} s"
    found = re.search(r"\[Errno -?\d+\] ([^'\"()]+)", str(error))
    return found[1].strip().lower() if found else str(error)
