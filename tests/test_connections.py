"""Connection limits of ``specmock serve`` (specmock/limits.py), on real server processes and raw sockets.

The first test is issue 16's scenario on the default limits: while a thousand idle keep-alive
connections and a slowloris client are open and oversized heads keep coming, a normal client keeps
being answered (p99 under a generous bound; the figures are in specmock/README-security.md) and the
server's memory stays bounded. The others check each limit on servers started with small ones.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from specmock.settings import Settings
from tests.conftest import BEARER, free_port
from tests.requirements import unavailable
from tests.server_process import ServerProcess

pytestmark = pytest.mark.slow

RECORD = "/api/v4/content_requests/4c38da5893b1f793"
AUTH = {"Authentication": BEARER}
HEAD = b"HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
BIG_HEADER = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 65536 + b"\r\n\r\n"
MANY_HEADERS = (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(10_000))
                + b"\r\n")
IDLE_CONNECTIONS = 1000
P99_BOUND_S = 1.0
RSS_GROWTH_BOUND_MB = 150


# -- raw HTTP -------------------------------------------------------------------------------------


def connect(port: int, timeout: float = 10) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def read_answer(sock: socket.socket, head_only: bool = False) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 answer from ``sock``: status, headers (lower-case names), body (by Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before an answer: {data[:200]!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    length = 0 if head_only else int(headers.get("content-length", 0))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body


def ask(port: int, payload: bytes) -> tuple[int, dict[str, str], bytes]:
    with connect(port) as sock:
        sock.sendall(payload)
        return read_answer(sock)


def assert_problem(answer: tuple[int, dict[str, str], bytes], status: int, *words: str) -> dict:
    got, headers, body = answer
    assert got == status, body[:300]
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["status"] == status and all(word in problem["detail"] for word in words), problem["detail"]
    return problem


def closed_after(sock: socket.socket, limit: float) -> float | None:
    """Seconds until the server closes ``sock`` (reading and dropping what it sends), None if not within ``limit``."""
    started = time.monotonic()
    sock.settimeout(0.05)
    while time.monotonic() - started < limit:
        try:
            if not sock.recv(65536):
                return time.monotonic() - started
        except TimeoutError:
            continue
        except ConnectionError:
            return time.monotonic() - started
    return None


def is_open(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


@contextlib.contextmanager
def open_files(wanted: int) -> Iterator[None]:
    """This test process may hold ``wanted`` sockets (the soft limit raised for the test, then restored)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < wanted:
        unavailable(f"the open-file limit ({hard}) is below the {wanted} sockets this test opens")
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


# -- the scenario of issue 16, default limits ------------------------------------------------------


GET_RECORD = (b"GET " + RECORD.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthentication: " + BEARER.encode()
              + b"\r\n\r\n")


def percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {"p50_ms": 1000 * statistics.median(ordered), "p99_ms": 1000 * ordered[int(len(ordered) * 0.99)],
            "max_ms": 1000 * ordered[-1]}


def hostile_load(server: ServerProcess, seconds: float, hostile: bool = True) -> dict:
    """Open ``IDLE_CONNECTIONS`` keep-alive connections (each answered once, then silent), a slowloris
    client and a stream of oversized heads (64 KiB header, 10,000 headers); meanwhile a normal client
    reads a record, in turn on one keep-alive connection and on a new connection. Its latencies, what
    the others got, and the server's memory. ``hostile=False``: the normal client alone, for comparison."""
    stop = threading.Event()
    refusals: list[int] = []
    slowloris: list[str] = []
    idle: list[socket.socket] = []
    rss_before = rss_mb(server.process.pid)
    helpers = []
    try:
        for start in range(0, IDLE_CONNECTIONS if hostile else 0, 100):  # in batches, within the concurrency limit
            batch = [connect(server.port) for _ in range(min(100, IDLE_CONNECTIONS - start))]
            for sock in batch:
                sock.sendall(HEAD)
            for sock in batch:
                assert read_answer(sock, head_only=True)[0] == 200
            idle += batch

        def trickle() -> None:
            with connect(server.port) as sock:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                while not stop.wait(0.5):
                    try:
                        sock.sendall(b"X-Slow: 1\r\n")
                    except OSError:
                        slowloris.append("closed")
                        return
                slowloris.append("open")

        def oversized() -> None:
            while not stop.wait(0.2):
                refusals.extend(ask(server.port, payload)[0] for payload in (BIG_HEADER, MANY_HEADERS))

        helpers = [threading.Thread(target=trickle), threading.Thread(target=oversized)] if hostile else []
        for helper in helpers:
            helper.start()
        kept: list[float] = []
        new: list[float] = []
        statuses: list[int] = []
        rss_peak = rss_before
        deadline = time.monotonic() + seconds
        with connect(server.port) as keep_alive:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                keep_alive.sendall(GET_RECORD)
                statuses.append(read_answer(keep_alive)[0])
                kept.append(time.perf_counter() - started)
                started = time.perf_counter()
                statuses.append(ask(server.port, GET_RECORD)[0])
                new.append(time.perf_counter() - started)
                rss_peak = max(rss_peak, rss_mb(server.process.pid))
        stop.set()
        for helper in helpers:
            helper.join(10)
        still_open = sum(is_open(sock) for sock in idle)
    finally:
        stop.set()
        for sock in idle:
            sock.close()
    return {"requests": len(statuses), "statuses": set(statuses), "refusals": set(refusals),
            "oversized": len(refusals), "slowloris": slowloris, "idle_still_open": still_open,
            "keep_alive": percentiles(kept), "new_connection": percentiles(new), "all": percentiles(kept + new),
            "rss_before_mb": rss_before, "rss_peak_mb": rss_peak}


def test_others_are_answered_while_idle_slow_and_oversized_clients_are_open():
    with open_files(IDLE_CONNECTIONS + 200), ServerProcess(free_port()) as server:
        result = hostile_load(server, seconds=3)
    assert result["statuses"] == {200} and result["requests"] > 20, result
    assert result["refusals"] == {431} and result["oversized"] >= 4, result
    assert result["slowloris"] == ["open"], "the slowloris client was cut before the header timeout"
    assert result["all"]["p99_ms"] < 1000 * P99_BOUND_S, result
    assert result["rss_peak_mb"] - result["rss_before_mb"] < RSS_GROWTH_BOUND_MB, result
    assert "Traceback" not in server.output and "Invalid HTTP request" not in server.output


# -- each limit, on small limits -------------------------------------------------------------------


@pytest.fixture(scope="module")
def limited() -> Iterator[ServerProcess]:
    with ServerProcess(free_port(), "--idle-timeout", "2", "--header-timeout", "1", "--request-timeout", "2",
                       "--max-concurrency", "3", env={"SPECMOCK_MAX_HEADERS": "20"}) as server:
        yield server
    assert "Traceback" not in server.output


def test_a_silent_connection_and_an_idle_keep_alive_are_closed_after_the_idle_timeout(limited):
    with connect(limited.port) as silent, connect(limited.port) as answered:
        answered.sendall(HEAD)
        assert read_answer(answered, head_only=True)[0] == 200
        waited = closed_after(silent, 6)
        assert waited is not None and waited > 1, waited
        assert closed_after(answered, 3) is not None


def test_a_slowloris_head_gets_408_after_the_header_timeout(limited):
    for first, more in ((b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"X-Slow: 1\r\n"), (b"\r\n", b"\r\n")):
        with connect(limited.port) as sock:
            started = time.monotonic()
            sock.sendall(first)
            answer = b""
            sock.settimeout(0.2)
            while time.monotonic() - started < 6:
                with contextlib.suppress(OSError):
                    sock.sendall(more)  # still trickling while the server answers
                try:
                    chunk = sock.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                answer += chunk
            took = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
        assert b"--header-timeout" in answer and 0.8 < took < 5, took


def test_a_slow_body_gets_408_after_the_request_timeout(limited):
    with connect(limited.port) as sock:
        sock.sendall(b"POST /api/v4/content_requests HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Authentication: " + BEARER.encode() + b"\r\nContent-Length: 1000\r\n\r\n{")
        started = time.monotonic()
        sock.settimeout(0.3)
        answer = b""
        while time.monotonic() - started < 8 and b"\r\n\r\n" not in answer:
            with contextlib.suppress(OSError):
                sock.sendall(b" ")
            with contextlib.suppress(TimeoutError):
                answer += sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 408 ") and 1.5 < time.monotonic() - started < 6, answer[:300]


def test_a_slow_application_is_not_the_clients_delay(limited):
    """The request timeout counts only while the server reads: a body the application reads late (here
    after ``Prefer: latency``), small or larger than what uvicorn buffers, is not cut."""
    answers: list[httpx.Response] = []

    def late(padding: int) -> None:
        content = json.dumps({"content_request": {"name": "late", "recipient": "r", "prompt": "p",
                                                  "expiration_date": "2099/01/01"}}) + " " * padding
        answers.append(httpx.post(f"{limited.url}/api/v4/content_requests", content=content, timeout=20,
                                  headers={**AUTH, "Content-Type": "application/json", "Prefer": "latency=2500"}))

    threads = [threading.Thread(target=late, args=(padding,)) for padding in (0, 300_000)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answer.status_code for answer in answers) == [201, 201], [a.text[:200] for a in answers]


def test_heads_over_the_limits_get_431_and_heads_within_them_are_answered(limited):
    assert_problem(ask(limited.port, BIG_HEADER), 431, "32768 bytes", "--max-header-bytes")
    assert_problem(ask(limited.port, MANY_HEADERS), 431, "more than 20 header fields", "--max-headers")
    twenty = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(19)) + b"\r\n"
    assert ask(limited.port, twenty)[0] == 200
    cookie = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + b"c" * 30_000 + b"\r\n\r\n"
    assert ask(limited.port, cookie)[0] == 200
    # A large body sent with its head in one write is not counted as head.
    body = b"{" + b" " * 400_000 + b"}"
    big_body = (b"POST /api/v4/content_requests HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Authentication: " + BEARER.encode() + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    assert ask(limited.port, big_body)[0] == 400  # the body is read and judged: no content_request
    assert httpx.get(limited.url + RECORD, headers=AUTH).status_code == 200


def test_a_later_request_on_a_kept_connection_is_measured_afresh(limited):
    with connect(limited.port) as sock:
        for _ in range(3):
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + b"c" * 20_000 + b"\r\n\r\n")
            assert read_answer(sock)[0] == 200
        sock.sendall(MANY_HEADERS)
        assert_problem(read_answer(sock), 431, "more than 20 header fields")


def test_an_endless_header_is_cut_at_the_limit(limited):
    with connect(limited.port) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Endless: ")
        sent = 0
        with contextlib.suppress(OSError):
            while sent < 64 * 1024 * 1024:
                sock.sendall(b"a" * 65536)
                sent += 65536
        assert sent < 16 * 1024 * 1024, "the server kept reading an endless header"


def test_requests_over_the_concurrency_limit_get_503(limited):
    slow = {**AUTH, "Prefer": "latency=1500"}
    with httpx.Client(timeout=10) as client:
        threads = [threading.Thread(target=client.get, args=(limited.url + RECORD,), kwargs={"headers": slow})
                   for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        busy = ask(limited.port, b"GET " + RECORD.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthentication: "
                   + BEARER.encode() + b"\r\n\r\n")
        for thread in threads:
            thread.join()
    assert_problem(busy, 503, "--max-concurrency")
    assert busy[1]["retry-after"] == "1"
    assert httpx.get(limited.url + RECORD, headers=AUTH).status_code == 200


def test_a_malformed_request_still_gets_the_parsers_400_and_websocket_upgrades_are_not_served(limited):
    assert ask(limited.port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n")[0] == 400
    upgrade = (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
               b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
    assert ask(limited.port, upgrade)[0] == 200  # answered as plain HTTP, never 101


def test_the_uvicorn_internals_the_guard_builds_on_are_there():
    """GuardedHttp extends uvicorn's httptools protocol: its callbacks, the per-connection state it reads
    and the cycle flags it sets. An upgrade that renames any of them fails here, before the tests above."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

    from specmock.limits import GuardedHttp

    assert issubclass(GuardedHttp, HttpToolsProtocol)
    for name in ("connection_made", "connection_lost", "data_received", "on_message_begin", "on_url", "on_header",
                 "on_headers_complete", "on_body", "on_message_complete", "on_response_complete",
                 "send_400_response", "timeout_keep_alive_handler", "_unset_keepalive_if_required"):
        assert callable(getattr(HttpToolsProtocol, name)), name
    source = inspect.getsource(HttpToolsProtocol)
    for text in ("self.timeout_keep_alive_task", "app = self.app", "self.tasks", "self.connections", "self.flow",
                 "self.cycle", "server_state.default_headers", "self.send_400_response("):
        assert text in source, text
    cycle = inspect.getsource(RequestResponseCycle)
    for text in ("self.disconnected", "self.message_event", "self.response_started", "self.response_complete",
                 "self.waiting_for_100_continue"):
        assert text in cycle, text


def test_limits_are_settings_with_their_defaults_there():
    settings = Settings.from_env({"SPECMOCK_HEADER_TIMEOUT": "0.5", "SPECMOCK_MAX_CONNECTIONS": "64"})
    assert (settings.header_timeout, settings.max_connections, settings.max_headers) == (0.5, 64, 100)
    with pytest.raises(ValueError, match="SPECMOCK_IDLE_TIMEOUT must be a number"):
        Settings.from_env({"SPECMOCK_IDLE_TIMEOUT": "soon"})
    with pytest.raises(ValueError, match="max_concurrency must be positive"):
        Settings(max_concurrency=0)


# -- the connection limit and the open-file limit --------------------------------------------------------


def test_the_open_file_limit_is_raised_for_the_connections_or_fewer_are_kept(monkeypatch, caplog):
    from specmock import limits

    monkeypatch.setattr(limits, "open_file_limit", lambda wanted: wanted)
    options = limits.uvicorn_options(Settings())
    assert options["backlog"] == limits.BACKLOG and options["limit_concurrency"] is None
    assert options["http"].keywords["limits"] == limits.Limits.from_settings(Settings())
    monkeypatch.setattr(limits, "open_file_limit", lambda wanted: 1024)
    options = limits.uvicorn_options(Settings())
    assert options["backlog"] == 128 and options["http"].keywords["limits"].max_connections == 704
    assert "allows 704 connections, not 1024" in caplog.text
    # In a process of its own: the limit of this one stays as it is.
    script = ("import resource; from specmock.limits import open_file_limit; hard = resource.getrlimit("
              "resource.RLIMIT_NOFILE)[1]; resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard)); "
              "print(open_file_limit(1000), resource.getrlimit(resource.RLIMIT_NOFILE)[0])")
    raised = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    expected = 1000 if hard == resource.RLIM_INFINITY else min(1000, hard)
    assert raised == [str(expected), str(expected)]


# -- the connection limit ------------------------------------------------------------------------


def test_a_new_connection_over_the_limit_closes_the_longest_idle_one():
    with ServerProcess(free_port(), "--max-connections", "4") as server:
        idle = [connect(server.port) for _ in range(4)]
        time.sleep(0.2)
        try:
            assert httpx.get(server.url + RECORD, headers=AUTH).status_code == 200
            assert closed_after(idle[0], 2) is not None, "the longest idle connection stayed open"
            assert closed_after(idle[-1], 0.3) is None, "a newer idle connection was closed"
            # Every connection with a request in flight: a new one is told so and closed.
            with httpx.Client(timeout=10) as client:
                slow = [threading.Thread(target=lambda: httpx.get(server.url + RECORD, timeout=10,
                                                                  headers={**AUTH, "Prefer": "latency=1500"}))
                        for _ in range(4)]
                for thread in slow:
                    thread.start()
                time.sleep(0.5)
                with connect(server.port) as extra:
                    full = read_answer(extra)
                for thread in slow:
                    thread.join()
                assert client.get(server.url + RECORD, headers=AUTH).status_code == 200
        finally:
            for sock in idle:
                sock.close()
    assert_problem(full, 503, "4 connections open", "--max-connections")
