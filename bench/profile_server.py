"""Where specmock's time goes under load: py-spy samples ``specmock serve`` while wrk drives one
scenario, and the samples are summarised by function (own time and inclusive time) and by package.

    python bench/profile_server.py [--scenario cr-list --scenario cr-create] [--duration S] [--rate HZ]
                                   [--stored N]

Only samples of the thread holding the GIL are kept (``py-spy --gil``): the server is CPU-bound on
one core, so these are where its CPU time goes. Per scenario it writes a flame graph
(bench/profiles/<scenario>.svg) and the folded stacks (bench/profiles/<scenario>.txt), and the summary
to bench/RESULTS.md and bench/results.json. Needs py-spy (``pip install py-spy``) and ptrace rights
(root, or ``kernel.yama.ptrace_scope=0``).
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from harness import CLIENT_CPU, pinned, run_main
from report import load_json, machine, save, table
from run import probe
from scaling import fixtures_with
from servers import SCENARIOS, SERVERS, Context, Scenario, prepare
from tools import BENCH, ToolMissing, WrkResult, ensure_wrk, run_wrk

OUT = BENCH / "profiles"
TOP = 12
_ENTRY = re.compile(r"\(specmock/(cli|__main__)\.py\)")  # the process's entry frames: on every stack
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^():]*)(?::\d+)?\)$")
# A frame as py-spy writes one it read whole: a Python file (or `<frozen runpy>`, `<string>`) and a line
# number that is not negative. With --nonblocking py-spy reads the stack while the server changes it,
# and a sample read in the middle of a change holds made-up frames (`__package__ (__doc__:-16449535)`).
_WHOLE = re.compile(r"^.+ \((?:[^():;]+\.py|<[^<>():;]+>)(?::\d+)?\)$")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    names = [scenario.name for scenario in SCENARIOS]
    parser.add_argument("--scenario", action="append", choices=names, help="default: cr-list and cr-create")
    parser.add_argument("--duration", type=int, default=10, help="seconds of sampling per scenario (default 10)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rate", type=int, default=250, help="samples per second (default 250)")
    parser.add_argument("--stored", type=int, default=0, metavar="N",
                        help="preload N more content requests (as bench/scaling.py does)")
    args = parser.parse_args(argv)
    args.scenario = args.scenario or ["cr-list", "cr-create"]
    return args


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(found).exists():
        raise ToolMissing("py-spy is not installed: `pip install py-spy`")
    return found


def record(pid: int, seconds: int, rate: int, outputs: dict[str, Path]) -> None:
    """py-spy record on ``pid``, once per output format, all at the same time, on the client core."""
    spies = [subprocess.Popen(pinned([py_spy(), "record", "--pid", str(pid), "--duration", str(seconds),
                                      "--rate", str(rate), "--gil", "--nonblocking", "--format", kind,
                                      "-o", str(path)], CLIENT_CPU),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for kind, path in outputs.items()]
    for spy in spies:
        _, errors = spy.communicate(timeout=seconds + 60)
        if spy.returncode != 0:
            raise RuntimeError(f"py-spy failed: {errors.strip()[-1000:]}")


def profile(ctx: Context, scenario: Scenario, args: argparse.Namespace) -> tuple[WrkResult, Path]:
    server = next(server for server in SERVERS if server.name == "specmock")
    path = server.route(ctx, scenario)
    request = {"method": scenario.method, "body": ctx.fill(scenario.body), "headers": scenario.headers(ctx)}
    OUT.mkdir(exist_ok=True)
    name = scenario.name + (f"-{args.stored}" if args.stored else "")
    folded, svg = OUT / f"{name}.txt", OUT / f"{name}.svg"
    with server.running(ctx, scenario.api) as started:
        probe(ctx, started, path, scenario)
        run_wrk(started.url(path), connections=args.connections, seconds=1, **request)
        loads: list[WrkResult] = []
        driver = threading.Thread(target=lambda: loads.append(run_wrk(
            started.url(path), connections=args.connections, seconds=args.duration + 3, **request)))
        driver.start()
        try:
            record(started.proc.pid, args.duration, args.rate, {"raw": folded, "flamegraph": svg})
        finally:
            driver.join()
    return loads[0], folded


# -- the summary ---------------------------------------------------------------------------------------


def _function(frame: str) -> str:
    match = _FRAME.match(frame)
    return f"{match['function']} ({match['file']})" if match else frame


def _package(frame: str) -> str:
    match = _FRAME.match(frame)
    if not match:
        return frame
    top = match["file"].split("/", 1)[0]
    return top.removesuffix(".py")


def summarise(folded: Path) -> dict[str, Any]:
    """Samples per function (own: the frame running; inclusive: anywhere on the stack) and per package.
    Samples py-spy read torn (a frame that is not a real one) are counted apart and left out."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    packages: collections.Counter[str] = collections.Counter()
    total = torn = 0
    for line in folded.read_text(encoding="utf-8", errors="replace").split("\n"):
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames, samples = stack.split(";"), int(count)
        if not all(_WHOLE.match(frame) for frame in frames):
            torn += samples
            continue
        total += samples
        own[_function(frames[-1])] += samples
        packages[_package(frames[-1])] += samples
        for function in {_function(frame) for frame in frames}:
            inclusive[function] += samples
    project = collections.Counter({name: n for name, n in inclusive.items()
                                   if re.search(r"\((specmock|handlers)/", name) and not _ENTRY.search(name)})
    return {"samples": total, "torn": torn, "own": _shares(own, total), "packages": _shares(packages, total),
            "project_inclusive": _shares(project, total)}


def _shares(counter: collections.Counter[str], total: int) -> list[tuple[str, float]]:
    return [(name, round(100 * n / total, 1)) for name, n in counter.most_common(TOP)] if total else []


def markdown(results: dict[str, dict[str, Any]]) -> str:
    parts = ["## Profile (`bench/profile_server.py`)",
             "py-spy, GIL-holding thread only, on `specmock serve` (memory) under wrk. Flame graphs: "
             "`bench/profiles/<name>.svg`; folded stacks: `bench/profiles/<name>.txt` (not committed). A profile "
             "named `<scenario>-<N>` ran with N more content requests preloaded."]
    for name, data in results.items():
        summary, meta = data["summary"], data["meta"]
        parts += [
            f"### {name}: {data['rps']:,.0f} req/s while sampled, {summary['samples']} samples"
            f" ({summary.get('torn', 0)} read torn, left out)",
            f"Commit {meta['commit']}, {meta['when']}; {meta['rate']} Hz for {meta['duration']} s, "
            f"{meta['connections']} connections, {meta['stored']:,} preloaded content requests.",
            "Top functions by own time (% of samples):",
            table(["function (file)", "own %"], summary["own"]),
            "By package (own time): " + ", ".join(f"{package} {pct}%" for package, pct in summary["packages"]) + ".",
            "specmock and handler functions by inclusive time (own plus callees; a middleware's share includes "
            "everything inside it):",
            table(["function (file)", "inclusive %"], summary["project_inclusive"]),
        ]
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        ensure_wrk(True)
        py_spy()
    except ToolMissing as exc:
        print(f"bench/profile_server.py: {exc}", file=sys.stderr)
        return 2
    scenarios = [scenario for scenario in SCENARIOS if scenario.name in args.scenario]
    found = machine()
    meta = {"commit": found["commit"], "when": found["when"], "rate": args.rate,
            "duration": args.duration, "connections": args.connections, "stored": args.stored}
    # Profiles of other scenarios (or sizes) from earlier runs stay in the report.
    results = dict(load_json().get("profile", {}).get("results", {}))
    with tempfile.TemporaryDirectory(prefix="specmock-profile-") as work:
        ctx = prepare(Path(work), {scenario.api for scenario in scenarios})
        if args.stored:
            ctx.specmock_extra = ["--fixtures", str(fixtures_with(args.stored, Path(work)))]
        for scenario in scenarios:
            print(f"profiling {scenario.name} for {args.duration} s ...", flush=True)
            load, folded = profile(ctx, scenario, args)
            results[folded.stem] = {"rps": load.rps, "summary": summarise(folded), "meta": meta}
    text = markdown(results)
    save("profile", {"results": results}, text)
    print("\n" + text)
    return 0


if __name__ == "__main__":
    run_main(main)
