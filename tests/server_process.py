"""Run ``specmock serve`` as a real process on a free loopback port (for tests and benchmarks)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


class ServerProcess:
    def __init__(self, port: int, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.args = ["--port", str(port), *args]
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[str] | None = None
        # A file, not a pipe: a chatty server must never block on a full pipe nobody reads.
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115  (closed in stop())
        self.output = ""

    def start(self, timeout: float = 20.0) -> ServerProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "specmock", "serve", *self.args], cwd=ROOT, env=self.env,
            stdout=self.log, stderr=subprocess.STDOUT, text=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"specmock serve exited: {self.read_log()}")
            try:
                if httpx.get(f"{self.url}/", timeout=0.5).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"specmock serve did not answer within {timeout} s")

    def kill(self) -> None:
        """SIGKILL: no chance to clean up."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> str:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        if not self.log.closed:
            self.output = self.read_log()
            self.log.close()
        return self.output

    def read_log(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
