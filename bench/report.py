"""Where results go: one section per script in ``bench/RESULTS.md`` (between markers, so each script
rewrites only its own) and one key per script in ``bench/results.json``."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from harness import run_quiet
from tools import BENCH

RESULTS_MD = BENCH / "RESULTS.md"
RESULTS_JSON = BENCH / "results.json"
SECTIONS = ("run", "durability", "scaling", "profile")  # their order in RESULTS.md
HEADER = ("# specmock benchmark results\n\nWritten by `bench/run.py`, `bench/durability.py`, `bench/scaling.py` and "
          "`bench/profile_server.py` (see `bench/README.md`). Each section is replaced by the script that owns it.\n")


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def commit() -> str:
    """The checked-out commit, with ``+changes`` when the server's code differs from it."""
    head = run_quiet(["git", "rev-parse", "--short", "HEAD"], cwd=BENCH.parent).stdout.strip() or "?"
    dirty = run_quiet(["git", "status", "--porcelain", "--", "specmock", "handlers", "openapi", "fixtures"],
                      cwd=BENCH.parent).stdout.strip()
    return head + ("+changes" if dirty else "")


def machine() -> dict[str, Any]:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "?")
    return {"cpu": model, "cores": os.cpu_count(), "commit": commit(), "when": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def load_json() -> dict[str, Any]:
    try:
        return json.loads(RESULTS_JSON.read_text())
    except (OSError, ValueError):
        return {}


def save(section: str, data: Any, markdown: str) -> None:
    """Replace ``section`` in results.json and RESULTS.md."""
    everything = load_json()
    everything[section] = data
    RESULTS_JSON.write_text(json.dumps(everything, indent=2) + "\n")
    text = RESULTS_MD.read_text() if RESULTS_MD.exists() else HEADER
    begin, end = f"<!-- begin {section} -->", f"<!-- end {section} -->"
    block = f"{begin}\n{markdown.strip()}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = _insert_in_order(text, section, block)
    RESULTS_MD.write_text(text.rstrip() + "\n")


def _insert_in_order(text: str, section: str, block: str) -> str:
    for later in SECTIONS[SECTIONS.index(section) + 1 :]:
        marker = f"<!-- begin {later} -->"
        if marker in text:
            head, rest = text.split(marker, 1)
            return f"{head}{block}\n\n{marker}{rest}"
    return f"{text.rstrip()}\n\n{block}\n"


def ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else "met" if ok else "**missed**"
