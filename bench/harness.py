"""Processes and HTTP for the benchmarks: free ports, servers started pinned to a core in their own
process group, readiness polling, and a small keep-alive HTTP client.

Every process started here is registered and stopped by ``stop_all`` (called at exit, on Ctrl-C and
on SIGTERM), so an interrupted run leaves nothing listening.
"""

from __future__ import annotations

import atexit
import contextlib
import http.client
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

HOST = "127.0.0.1"
SERVER_CPU, CLIENT_CPU = 0, 1
_RUNNING: dict[int, subprocess.Popen] = {}




def pinning_available() -> bool:
    return shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2


def pinned(cmd: list[str], cpu: int) -> list[str]:
    """``cmd`` run on one core (unchanged when the machine has one core or no ``taskset``)."""
    return ["taskset", "-c", str(cpu), *cmd] if pinning_available() else cmd


@dataclass
class Started:
    """A running server: its process, where it listens, when it was started and where it logs."""

    proc: subprocess.Popen
    port: int
    log: Path
    started: float = field(default_factory=time.perf_counter)
    ready_seconds: float = 0.0

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def rss_mib(self) -> float | None:
        """The server process's resident memory now, in MiB (Linux ``/proc``; None elsewhere)."""
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return None
        kib = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), None)
        return None if kib is None else round(kib / 1024, 1)

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def start(cmd: list[str], port: int, log: Path, *, cwd: Path | None = None, env: dict[str, str] | None = None,
          quiet_stdout: bool = True) -> Started:
    """Start ``cmd`` on the server core in a process group of its own; stderr (and stdout unless
    ``quiet_stdout``) go to ``log``."""
    handle: IO[bytes] = log.open("wb")
    stdout: int | IO[bytes] = subprocess.DEVNULL if quiet_stdout else handle
    began = time.perf_counter()
    proc = subprocess.Popen(pinned(cmd, SERVER_CPU), cwd=cwd, env={**os.environ, **(env or {})}, stdout=stdout,
                            stderr=handle, stdin=subprocess.DEVNULL, start_new_session=True)
    handle.close()
    _RUNNING[proc.pid] = proc
    return Started(proc, port, log, began)


def stop(server: Started | subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM to the whole process group, SIGKILL after ``grace`` seconds."""
    proc = server.proc if isinstance(server, Started) else server
    _RUNNING.pop(proc.pid, None)
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def stop_all() -> None:
    for proc in list(_RUNNING.values()):
        stop(proc, grace=3.0)


def _on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


atexit.register(stop_all)
signal.signal(signal.SIGTERM, _on_sigterm)


class NotReady(RuntimeError):
    """A server exited or did not answer in time."""


@dataclass
class Answer:
    status: int
    body: bytes
    seconds: float


class Client:
    """One keep-alive HTTP/1.1 connection, reopened when the server closes it."""

    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, headers: dict[str, str] | None = None, body: str = "") -> Answer:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            began = time.perf_counter()
            try:
                self.conn.request(method, path, body=body.encode() or None, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
            except (ConnectionError, http.client.HTTPException, OSError):
                self.close()
                if attempt == 2:
                    raise
                continue
            if response.getheader("connection", "").lower() == "close":
                self.close()
            return Answer(response.status, data, time.perf_counter() - began)
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def wait_ready(server: Started, path: str = "/", *, want_ok: bool = False, timeout: float = 90.0) -> float:
    """Seconds from process start until ``path`` answers (any status, or only 200 with ``want_ok``)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if server.proc.poll() is not None:
            raise NotReady(f"server exited with {server.proc.returncode}:\n{server.log_tail()}")
        client = Client(server.port, timeout=2.0)
        try:
            answer = client.request("GET", path)
            if not want_ok or answer.status == 200:
                return time.perf_counter() - server.started
        except OSError:
            pass
        finally:
            client.close()
        time.sleep(0.005)
    raise NotReady(f"no answer on {path} after {timeout:.0f} s:\n{server.log_tail()}")


def run_main(main: Callable[[], int]) -> None:
    """Exit with ``main()``'s code; Ctrl-C stops every started process and exits with 130, quietly."""
    try:
        code = main()
    except KeyboardInterrupt:
        stop_all()
        print("interrupted", file=sys.stderr)
        code = 130
    sys.exit(code)


def run_quiet(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
