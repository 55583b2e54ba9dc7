"""The app's own time per request, without a server or a client: ASGI calls with fixed scopes.

    python bench/inprocess.py [--only NAME ...] [--calls N] [--rounds N] [--profile NAME]

Each scenario of ``bench/servers.py`` (the request wrk sends) gets an app of its own (a fresh memory
store: creates do not grow the lists another scenario reads), 300 unmeasured calls, then ``--rounds``
rounds of ``--calls`` calls; the p50 of every call is printed, and the lowest round p50 (the least
disturbed by other work on the machine).
What it leaves out, uvicorn's HTTP parsing and the socket, is the same for every change of the app,
so this is the tool for comparing changes to the request path between full runs of ``run.py``.
``--profile NAME`` runs one scenario under cProfile and prints the top functions instead.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

warnings.filterwarnings("ignore")

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from servers import SCENARIOS, Context, Scenario, contract_args, fixture_ids  # noqa: E402

from specmock.engine.app import create_app  # noqa: E402
from specmock.settings import Settings  # noqa: E402
from specmock.store import Store  # noqa: E402

# The fixture provider user's JWT as `specmock token` mints it with the default secret (Providers ability).
PROVIDER_JWT = ("eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJleHAiOjE1NTQ3NTk1MzYsImlhdCI6MTU1NDc0NTEzNiwidXNlcl9pZCI6Im"
                "NlNTk3YWRiLWU3ZjEtNGU5Yi1hYTVhLTk1ZTJiZjgyOTcxNCIsImFiaWxpdGllcyI6eyIwMDMyNDAwMDAwNGlqV1MiOnsiUHJvdm"
                "lkZXJzIjpbInRlc3QgcHJvdmlkZXIiXX19fQ.-HgJWE0ZcIfzOzxtxY5IcqevEL47PJlVXBqUuLtPZT4")


def scope(method: str, path: str, query: str = "", headers: dict[str, str] | None = None,
          body: str = "") -> tuple[dict[str, Any], bytes]:
    raw = [(b"host", b"127.0.0.1:8000"), *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items())]
    if body:
        raw.append((b"content-length", str(len(body.encode())).encode()))
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
            "method": method, "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
            "query_string": query.encode(), "headers": raw, "server": ("127.0.0.1", 8000),
            "client": ("127.0.0.1", 50000)}, body.encode()


def new_app(api: str) -> Any:
    return create_app(Settings(specs=tuple(Path(p) for p in contract_args(api))), Store.memory())


def case(app: Any, scenario: Scenario) -> tuple[dict[str, Any], bytes]:
    """The ASGI scope and body of a scenario's request, as wrk sends it to ``specmock serve``."""
    ctx = Context(work=Path("."), specs={name: document.spec for name, document in app.contract.documents.items()},
                  ids=fixture_ids(), jwt=PROVIDER_JWT)
    path, _, query = (ctx.base_path(scenario.api) + ctx.fill(scenario.path)).partition("?")
    return scope(scenario.method, path, query, scenario.headers(ctx), ctx.fill(scenario.body))


async def call(app: Any, case: tuple[dict[str, Any], bytes]) -> int:
    template, body = case
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(dict(template, headers=list(template["headers"])), receive, send)
    return status


async def measure(app: Any, case: tuple[dict[str, Any], bytes], calls: int, rounds: int) -> tuple[float, float]:
    for _ in range(300):
        status = await call(app, case)
    if status >= 300:
        raise SystemExit(f"the scenario answered {status}")
    every, medians = [], []
    for _ in range(rounds):
        times = []
        for _ in range(calls):
            began = time.perf_counter()
            await call(app, case)
            times.append(time.perf_counter() - began)
        every += times
        medians.append(statistics.median(times))
    return statistics.median(every) * 1e6, min(medians) * 1e6


async def profile(app: Any, case: tuple[dict[str, Any], bytes], calls: int) -> None:
    for _ in range(300):
        await call(app, case)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        await call(app, case)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(45)
    stats.sort_stats("cumtime").print_stats(70)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", default=[], help="scenario names (repeatable)")
    parser.add_argument("--calls", type=int, default=2000, help="calls per round (default 2000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--profile", metavar="NAME", help="cProfile one scenario")
    args = parser.parse_args()
    for scenario in SCENARIOS:
        if (args.profile or args.only) and scenario.name not in (args.only or [args.profile]):
            continue
        app = new_app(scenario.api)
        if args.profile:
            asyncio.run(profile(app, case(app, scenario), args.calls))
            return 0
        p50, best = asyncio.run(measure(app, case(app, scenario), args.calls, args.rounds))
        print(f"{scenario.name:12} p50 {p50:6.1f} µs   best round p50 {best:6.1f} µs", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
