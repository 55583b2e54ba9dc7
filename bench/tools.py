"""The external tools: wrk (Debian package) and the Node peers (npm, in a local folder), installed on
demand, and a wrk run turned into numbers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from harness import CLIENT_CPU, pinned, run_quiet

BENCH = Path(__file__).resolve().parent
PEERS_DIR = BENCH / ".peers"
LUA_SCRIPT = BENCH / "request.lua"
NODE_PACKAGES = {"@stoplight/prism-cli": "5.14.2", "json-server": "0.17.4"}
NODE_BINARIES = {"prism": "prism", "json-server": "json-server"}


class ToolMissing(RuntimeError):
    pass


def ensure_wrk(install: bool) -> str:
    """The wrk binary, installed with apt-get when missing (as root) and ``install`` allows it."""
    found = shutil.which("wrk")
    if found:
        return found
    hint = "install it with `sudo apt-get install wrk` (Debian/Ubuntu) or from https://github.com/wg/wrk"
    if not install or shutil.which("apt-get") is None or os.geteuid() != 0:
        raise ToolMissing(f"wrk is not installed: {hint}")
    print("installing wrk with apt-get ...", flush=True)
    if run_quiet(["apt-get", "install", "-y", "-qq", "wrk"]).returncode != 0:
        run_quiet(["apt-get", "update", "-qq"])
        if run_quiet(["apt-get", "install", "-y", "-qq", "wrk"]).returncode != 0:
            raise ToolMissing(f"apt-get could not install wrk: {hint}")
    return shutil.which("wrk") or "wrk"


def node_binary(name: str) -> Path:
    return PEERS_DIR / "node_modules" / ".bin" / NODE_BINARIES[name]


def ensure_peers(install: bool) -> None:
    """Prism and json-server in ``bench/.peers`` (npm install of the pinned versions when missing)."""
    if all(node_binary(name).exists() for name in NODE_BINARIES):
        return
    if not install:
        raise ToolMissing(f"the Node peers are not installed in {PEERS_DIR} (run without --no-install)")
    if shutil.which("npm") is None:
        raise ToolMissing("npm is not installed: `sudo apt-get install nodejs npm` (Node 18 or later)")
    PEERS_DIR.mkdir(parents=True, exist_ok=True)
    manifest = {"name": "specmock-bench-peers", "private": True, "dependencies": NODE_PACKAGES}
    (PEERS_DIR / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"installing {', '.join(f'{k}@{v}' for k, v in NODE_PACKAGES.items())} into {PEERS_DIR} ...", flush=True)
    done = run_quiet(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PEERS_DIR)
    if done.returncode != 0 or not all(node_binary(name).exists() for name in NODE_BINARIES):
        raise ToolMissing(f"npm install failed in {PEERS_DIR}:\n{done.stderr[-2000:]}")


def versions() -> dict[str, str]:
    """Versions of everything measured or measuring, for the results' metadata."""
    def first_line(cmd: list[str]) -> str:
        try:
            done = run_quiet(cmd, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return "missing"
        return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr) else "?"

    import starlette
    import uvicorn

    found = {
        "python": sys.version.split()[0],
        "uvicorn": uvicorn.__version__,
        "starlette": starlette.__version__,
        "wrk": first_line(["wrk", "-v"]).split(" [")[0].removeprefix("wrk "),
        "node": first_line(["node", "--version"]),
    }
    for name in NODE_BINARIES:
        found[name] = first_line([str(node_binary(name)), "--version"]) if node_binary(name).exists() else "missing"
    return found


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    non_2xx: int
    socket_errors: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def run_wrk(url: str, *, method: str = "GET", body: str = "", headers: dict[str, str] | None = None,
            connections: int = 32, seconds: int = 10) -> WrkResult:
    """wrk on the client core, one thread, ``connections`` keep-alive connections for ``seconds``."""
    cmd = pinned(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s",
                  "-s", str(LUA_SCRIPT), url], CLIENT_CPU)
    env = {**os.environ, "WRK_METHOD": method, "WRK_BODY": body,
           "WRK_HEADERS": "\n".join(f"{name}: {value}" for name, value in (headers or {}).items())}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=seconds + 60)
    line = next((line for line in done.stdout.splitlines() if line.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    latency, errors = data["latency_us"], data["errors"]
    secs = data["duration_us"] / 1e6
    return WrkResult(
        requests=data["requests"],
        seconds=round(secs, 3),
        rps=round(data["requests"] / secs, 1) if secs else 0.0,
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        max_ms=latency["max"] / 1000,
        non_2xx=errors["status"],
        socket_errors=errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
    )
