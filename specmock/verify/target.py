"""What `specmock verify` points at: the base URL, the contract and which of its documents to
check, the credentials to send."""

from __future__ import annotations

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


@dataclass
class Target:
    """``headers`` (``Name: value``) go with every request; without them each document's demo
    credential does, signed with the development secret, as ``specmock serve`` accepts it. The
    contract is read as ``specmock serve`` serves it in ``auth`` mode (``lenient`` by default)."""

    base_url: str
    specs: list[Path] = field(default_factory=list)
    apis: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
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
        for header in self.headers:
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

    def probe(self, timeout: float = 5.0) -> None:
        """Fail early, with exit code 2, when nothing answers at the base URL."""
        try:
            requests.get(self.base_url + "/", timeout=timeout)
        except requests.RequestException as error:
            raise UsageError(f"cannot reach {self.base_url}: {error}") from None
