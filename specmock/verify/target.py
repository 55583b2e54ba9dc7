"""What `specmock verify` points at: the base URL, the APIs to check, the credentials to send."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests

from specmock.settings import Settings
from specmock.spec import API_NAMES, api_named, bundled, load_spec

CONFIG_FILE = bundled("specmock.verify") / "schemathesis.toml"
PHASES = ("examples", "coverage", "fuzzing", "stateful")


class UsageError(Exception):
    """The verify options cannot work: exit code 2."""


def default_headers() -> list[str]:
    """Credentials the mock accepts in its default modes: the demo credentials of its docs page,
    signed with the development secret."""
    from specmock.site import demo_credentials

    return [f"{name}: {value}" for name, value in demo_credentials(Settings()).items()]


def parse_header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip() or any(c.isspace() for c in name.strip()):
        raise UsageError(f"--header {text!r}: expected 'Name: value'")
    return name.strip(), value.strip()


@dataclass
class Target:
    base_url: str
    apis: list[str] = field(default_factory=lambda: list(API_NAMES))
    headers: list[str] = field(default_factory=default_headers)
    phases: list[str] = field(default_factory=lambda: list(PHASES))

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UsageError(f"--base-url {self.base_url!r}: expected http(s)://host[:port]")
        self.base_url = self.base_url.rstrip("/")
        for name in self.apis:
            try:
                api_named(name)
            except KeyError as error:
                raise UsageError(f"--api: {error.args[0]}") from None
        for phase in self.phases:
            if phase not in PHASES:
                raise UsageError(f"--phases: unknown phase {phase!r}; known: {', '.join(PHASES)}")
        for header in self.headers:
            parse_header(header)

    def api_url(self, name: str) -> str:
        """The base URL of one API: the target plus the spec's server path (``/api/v1``)."""
        return self.base_url + load_spec(api_named(name).path)["servers"][0]["url"]

    def probe(self, timeout: float = 5.0) -> None:
        """Fail early, with exit code 2, when nothing answers at the base URL."""
        try:
            requests.get(self.base_url + "/", timeout=timeout)
        except requests.RequestException as error:
            raise UsageError(f"cannot reach {self.base_url}: {error}") from None
