"""Noticing other load on the machine while a measurement runs.

The benchmark uses both cores of a two-core machine (server on one, load generator on the other), so
there is no idle core to watch. Instead every process's CPU time is read from ``/proc/<pid>/stat``
before and after (utime and stime, plus cutime and cstime: the children it reaped, so processes that
start and end within the measurement are counted too) and split three ways: this process and its
descendants (the servers, wrk), kernel threads, and everything else. The last, in cores (CPU seconds
per wall second), is the foreign load; a measurement during which it exceeds a threshold is flagged
as measured under load and repeated. ``/proc/stat``'s machine-wide busy time is recorded too, but not
used for the decision: it is sampled at each timer tick and under-counts a bursty process such as
wrk, while a process's own times add up to its exact run time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

TICK = os.sysconf("SC_CLK_TCK")
INTERPRETERS = ("python", "node", "bash", "sh")
T = TypeVar("T")


@dataclass(frozen=True)
class _Proc:
    pid: int
    name: str
    ppid: int
    ticks: int
    born: int  # start time in ticks since boot: with the pid, identifies the process


def _machine_busy_ticks() -> int:
    with open("/proc/stat") as handle:
        fields = [int(value) for value in handle.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return user + nice + system + irq + softirq + steal


def _loadavg() -> float:
    with open("/proc/loadavg") as handle:
        return float(handle.read().split()[0])


def _read_proc(pid: int) -> _Proc | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            raw = handle.read()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    rest = raw[raw.rindex(")") + 2 :].split()
    # Fields after the name, counted from state = 0: ppid 1, utime 11, stime 12, cutime 13, cstime 14, starttime 19.
    return _Proc(pid, name, int(rest[1]), sum(int(value) for value in rest[11:15]), int(rest[19]))


def _processes() -> dict[int, _Proc]:
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (proc := _read_proc(int(entry))) is not None:
            table[int(entry)] = proc
    return table


def _descendants(table: dict[int, _Proc], root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, proc in table.items():
        children.setdefault(proc.ppid, []).append(pid)
    found, todo = {root}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


@dataclass
class Snapshot:
    at: float
    busy: int
    procs: dict[int, _Proc]

    @classmethod
    def take(cls) -> Snapshot:
        return cls(time.perf_counter(), _machine_busy_ticks(), _processes())


@dataclass
class Load:
    """What the machine did during a measurement, in cores (1.0 = one core fully busy)."""

    seconds: float
    machine_cores: float
    own_cores: float
    kernel_cores: float
    foreign_cores: float
    loadavg_1m: float
    top_foreign: list[tuple[str, float]] = field(default_factory=list)

    def describe(self) -> str:
        top = ", ".join(f"{name} {cores:.2f}" for name, cores in self.top_foreign[:3])
        return f"other load {self.foreign_cores:.2f} cores" + (f" ({top})" if top else "")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _category(pid: int, proc: _Proc, ours: set[int]) -> str:
    return "own" if pid in ours else "kernel" if 2 in (pid, proc.ppid) else "foreign"


def _label(pid: int, name: str) -> str:
    """A process's name, with the script or subcommand it runs for interpreters and shells."""
    if not name.startswith(INTERPRETERS):
        return name
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            words = handle.read().decode(errors="replace").split("\0")[1:]
    except OSError:
        return name
    detail = [word for word, previous in zip(words, ["", *words], strict=False)
              if word and not word.startswith("-") and previous not in ("-W", "-X")][:2]
    return f"{name} {' '.join(Path(word).name if '/' in word else word for word in detail)}".strip()[:60]


def _reaper(before: Snapshot, after: Snapshot, proc: _Proc) -> _Proc | None:
    """The nearest ancestor of a process that ended, still alive at the end: its cutime holds the
    ended process's time."""
    seen: set[int] = set()
    pid = proc.ppid
    while pid and pid not in seen:
        seen.add(pid)
        alive, earlier = after.procs.get(pid), before.procs.get(pid)
        if alive is not None and (earlier is None or earlier.born == alive.born):
            return alive
        if earlier is None:
            return None
        pid = earlier.ppid
    return None


def compare(before: Snapshot, after: Snapshot) -> Load:
    seconds = max(after.at - before.at, 1e-6)
    ours = _descendants(after.procs, os.getpid()) | _descendants(before.procs, os.getpid())
    totals = {"own": 0, "kernel": 0, "foreign": 0}
    per_name: dict[str, int] = {}
    for pid, proc in after.procs.items():
        earlier = before.procs.get(pid)
        delta = proc.ticks - (earlier.ticks if earlier and earlier.born == proc.born else 0)
        category = _category(pid, proc, ours)
        totals[category] += delta
        if category == "foreign" and delta > 0:
            label = _label(pid, proc.name)
            per_name[label] = per_name.get(label, 0) + delta
    # A process that ended and was reaped is counted whole in its parent's cutime/cstime: what it had
    # used before the window is not load during it.
    for pid, proc in before.procs.items():
        if pid not in after.procs or after.procs[pid].born != proc.born:
            category = _category(pid, proc, ours)
            totals[category] -= proc.ticks
            reaper = _reaper(before, after, proc)
            if category == "foreign" and reaper is not None:
                label = _label(reaper.pid, reaper.name)
                if label in per_name:
                    per_name[label] -= proc.ticks
    cores = seconds * TICK
    top = sorted(((name, ticks / cores) for name, ticks in per_name.items() if ticks > 0), key=lambda item: -item[1])
    return Load(
        seconds=round(seconds, 3),
        machine_cores=round((after.busy - before.busy) / cores, 3),
        own_cores=round(max(totals["own"], 0) / cores, 3),
        kernel_cores=round(max(totals["kernel"], 0) / cores, 3),
        foreign_cores=round(max(totals["foreign"], 0) / cores, 3),
        loadavg_1m=_loadavg(),
        top_foreign=[(name, round(value, 3)) for name, value in top[:5] if value >= 0.005],
    )


def watched(measure: Callable[[], T]) -> tuple[T, Load]:
    """Run ``measure`` and return its result with the machine's load meanwhile."""
    before = Snapshot.take()
    result = measure()
    return result, compare(before, Snapshot.take())


@dataclass
class Attempt:
    result: Any
    load: Load


def repeat_while_loaded(attempt: Callable[[], tuple[T, Load]], attempts: int, max_foreign: float, *,
                        pause: float = 3.0, say: Callable[[str], None] = print) -> tuple[list[Attempt], int]:
    """Run ``attempt`` (a measurement that reports its own ``watched`` load) up to ``attempts`` times,
    until one ran with at most ``max_foreign`` cores of other load. Returns every attempt and the
    index of the one to report: the first quiet one, else the one with the least other load."""
    done: list[Attempt] = []
    for number in range(1, attempts + 1):
        result, load = attempt()
        done.append(Attempt(result, load))
        if load.foreign_cores <= max_foreign:
            return done, len(done) - 1
        say(f"    attempt {number}: {load.describe()} > {max_foreign:.2f}; "
            + ("repeating" if number < attempts else "keeping the least loaded attempt"))
        if number < attempts:
            time.sleep(pause)
    return done, min(range(len(done)), key=lambda index: done[index].load.foreign_cores)
