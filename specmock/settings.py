"""One settings object, built once at start-up from the environment and the command line.

Every default lives here and only here. Each field can be set with an ``SPECMOCK_<NAME>``
environment variable; command-line options override the environment.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specmock.contract import AUTH_MODES, bundled_contract_path

# The event loop uvicorn runs: the standard library's answers every connection in turn under load
# (p99 close to p50); uvloop is ~5 % faster but lets some connections wait several times longer
# (bench/RESULTS.md, "Event loop").
LOOPS = ("asyncio", "uvloop")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    specs: tuple[Path, ...] = ()  # contract documents or folders of them; none: the bundled contract
    handlers: tuple[str, ...] = ()  # modules of domain handlers (dotted names or .py files)
    db: Path | None = None
    db_recover: bool = False
    fixtures: Path | None = None  # a folder of <document>.json seed files; none: each document's own
    auth: str = "lenient"
    jwt_secret: str = "specmock-development-secret-change-me"
    cors_origin: str = "*"
    latency_ms: int = 0
    reload: bool = False
    admin: bool = False
    validate_responses: bool = False
    max_body_bytes: int = 1024 * 1024
    journal_size: int = 200
    public_url: str | None = None
    log_level: str = "warning"
    loop: str = "asyncio"
    # Network-facing safety (specmock/hosts.py, specmock/limits.py; measured in tests/test_connections.py).
    allowed_hosts: tuple[str, ...] = ()
    idle_timeout: float = 5.0
    header_timeout: float = 10.0
    request_timeout: float = 30.0
    max_header_bytes: int = 32 * 1024
    max_headers: int = 100
    max_connections: int = 1024
    max_concurrency: int = 128
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "allowed_hosts", tuple(self.allowed_hosts))  # the command line gives a list
        if self.auth not in AUTH_MODES:
            raise ValueError(f"auth must be one of {', '.join(AUTH_MODES)}, not {self.auth!r}")
        if self.loop not in LOOPS:
            raise ValueError(f"loop must be one of {', '.join(LOOPS)}, not {self.loop!r}")
        object.__setattr__(self, "log_level", self.log_level.lower())  # as logging reads them
        if self.log_level not in LOG_LEVELS:
            raise ValueError(f"log_level must be one of {', '.join(LOG_LEVELS)}, not {self.log_level!r}")
        if not 1 <= self.port <= 65535:
            raise ValueError("port must be between 1 and 65535")
        if self.fixtures is not None and not Path(self.fixtures).is_dir():
            raise ValueError(f"fixtures must be a folder of <document>.json files; {self.fixtures} is none")
        for name in ("host", "jwt_secret"):
            if not getattr(self, name):
                raise ValueError(f"{name} must not be empty")
        for name in ("latency_ms", "max_body_bytes", "journal_size"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        for name in ("idle_timeout", "header_timeout", "request_timeout", "max_header_bytes", "max_headers",
                     "max_connections", "max_concurrency"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")

    @property
    def contract_sources(self) -> tuple[Path, ...]:
        return self.specs or (bundled_contract_path(),)

    @property
    def admin_allowed(self) -> bool:
        """The admin API answers on loopback, or anywhere when ``--admin`` says so."""
        return self.admin or self.host in LOOPBACK_HOSTS

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``SPECMOCK_*`` variables, then ``overrides`` (None means: not given)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(f"SPECMOCK_{f.name.upper()}")
            if raw is not None and f.name != "extra":
                values[f.name] = _parse(f.name, raw)
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)


_BOOLS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def _parse(name: str, raw: str) -> Any:
    default = next(f for f in dataclasses.fields(Settings) if f.name == name).default
    if name in ("db", "fixtures"):
        return Path(raw) if raw else None
    if name == "specs":
        return tuple(Path(part) for part in raw.split(os.pathsep) if part.strip())
    if name in ("handlers", "allowed_hosts"):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if isinstance(default, bool):
        if raw.lower() not in _BOOLS:
            raise ValueError(f"SPECMOCK_{name.upper()} must be true or false, not {raw!r}")
        return _BOOLS[raw.lower()]
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise ValueError(f"SPECMOCK_{name.upper()} must be a number, not {raw!r}") from None
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"SPECMOCK_{name.upper()} must be an integer, not {raw!r}") from None
    return raw
