"""``specmock serve`` as a real process on a real port: start-up, HTTP over a socket, persistence."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from specmock.settings import Settings
from tests.conftest import BEARER, free_port
from tests.server_process import ServerProcess

BODY = {"content_request": {"name": "kept across restarts", "recipient": "r", "prompt": "p",
                            "expiration_date": "2099/01/01"}}


def test_serve_prints_every_api_and_answers_over_a_socket():
    server = ServerProcess(free_port())
    with server:
        response = httpx.get(f"{server.url}/api/v4/content_requests", params={"pending": "true"},
                             headers={"Authentication": BEARER})
        assert response.status_code == 200 and response.json()["meta"]["total_count"] == 3
    for title in ("Provider requests", "Image requests", "Sharing images", "Downloads", "Content requests"):
        assert title in server.output
    assert f"{server.url}/docs/content_requests/" in server.output
    assert "Warning" not in server.output  # e.g. a library's deprecation notice at start-up


def test_db_file_keeps_everything_across_restarts(tmp_path):
    db = tmp_path / "specmock.json"
    port = free_port()
    with ServerProcess(port, "--db", str(db)) as server:
        created = httpx.post(f"{server.url}/api/v4/content_requests", json=BODY,
                             headers={"Authentication": BEARER}).json()
    with ServerProcess(port, "--db", str(db)) as server:
        again = httpx.get(f"{server.url}/api/v4/content_requests/{created['token']}")
        assert again.status_code == 200 and again.json()["name"] == "kept across restarts"
        later = httpx.post(f"{server.url}/api/v4/content_requests", json=BODY, headers={"Authentication": BEARER})
        assert later.json()["id"] == created["id"] + 1


def test_clean_stop_leaves_everything_in_the_db_file_itself(tmp_path):
    db = tmp_path / "specmock.json"
    with ServerProcess(free_port(), "--db", str(db)) as server:
        created = httpx.post(f"{server.url}/api/v4/content_requests", json=BODY,
                             headers={"Authentication": BEARER}).json()
    stored = json.loads(db.read_text())["content_requests"].values()
    assert created["token"] in {record["token"] for record in stored}
    assert db.with_name(db.name + ".journal").read_bytes() == b""


def test_killed_server_keeps_acknowledged_writes(tmp_path):
    db = tmp_path / "specmock.json"
    port = free_port()
    server = ServerProcess(port, "--db", str(db)).start()
    tokens = [httpx.post(f"{server.url}/api/v4/content_requests", json=BODY,
                         headers={"Authentication": BEARER}).json()["token"] for _ in range(20)]
    server.kill()
    server.stop()
    with ServerProcess(port, "--db", str(db)) as again:
        assert all(httpx.get(f"{again.url}/api/v4/content_requests/{t}").status_code == 200 for t in tokens)


def test_options_come_from_the_environment_too():
    port = free_port()
    with ServerProcess(port, env={"SPECMOCK_AUTH": "off", "SPECMOCK_LATENCY_MS": "0"}) as server:
        assert httpx.get(f"{server.url}/api/v4/content_requests", params={"pending": "true"}).status_code == 200
    assert "auth: off" in server.output


def test_chunked_body_over_the_limit_is_413():
    port = free_port()
    with ServerProcess(port, "--max-body", "1000"):
        request = (
            "POST /api/v4/content_requests HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Authentication: {BEARER}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        ).encode()
        chunk = b"{" + b" " * 599
        body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(3)) + b"0\r\n\r\n"
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(request + body)
            answer = b""
            while chunk_in := sock.recv(65536):
                answer += chunk_in
        assert answer.startswith(b"HTTP/1.1 413")
        assert b"application/problem+json" in answer


def test_chunked_body_within_the_limit_is_accepted():
    port = free_port()
    with ServerProcess(port) as server:
        def chunks():
            yield b'{"content_request": {"name": "chunked", '
            yield b'"recipient": "r", "prompt": "p", "expiration_date": "2099/01/01"}}'

        response = httpx.post(f"{server.url}/api/v4/content_requests", content=chunks(),
                              headers={"Authentication": BEARER, "Content-Type": "application/json"})
        assert response.status_code == 201 and response.json()["name"] == "chunked"


def test_either_event_loop_serves():
    for loop in ("asyncio", "uvloop"):
        with ServerProcess(free_port(), "--loop", loop) as server:
            response = httpx.get(f"{server.url}/api/v4/content_requests?pending=true",
                                 headers={"Authentication": BEARER})
            assert response.status_code == 200


def test_unknown_event_loop_is_refused():
    with pytest.raises(ValueError, match="loop must be one of asyncio, uvloop"):
        Settings.from_env({"SPECMOCK_LOOP": "trio"})


def test_an_unknown_log_level_is_refused_naming_the_setting(monkeypatch, capsys):
    from specmock.cli import main

    monkeypatch.setenv("SPECMOCK_LOG_LEVEL", "verbose")
    assert main(["serve"]) == 2
    assert capsys.readouterr().err.strip() == (
        "specmock serve: log_level must be one of critical, error, warning, info, debug, not 'verbose'")


def test_a_log_level_is_read_in_either_case():
    from specmock.cli import build_parser, settings_of

    assert Settings.from_env({"SPECMOCK_LOG_LEVEL": "INFO"}).log_level == "info"
    assert settings_of(build_parser().parse_args(["serve", "--log-level", "DEBUG"])).log_level == "debug"


def test_at_log_level_info_each_request_gets_an_access_line():
    with ServerProcess(free_port(), "--log-level", "info") as server:
        httpx.get(f"{server.url}/api/v4/content_requests?pending=true", headers={"Authentication": BEARER})
    assert '"GET /api/v4/content_requests?pending=true HTTP/1.1" 200' in server.output


@pytest.mark.parametrize("option, message", [
    ("--max-connections", "max_connections must be positive"),
    ("--max-concurrency", "max_concurrency must be positive"),
    ("--idle-timeout", "idle_timeout must be positive"),
    ("--port", "port must be between 1 and 65535"),
])
def test_an_option_given_as_zero_is_refused_not_read_as_absent(option, message, capsys):
    from specmock.cli import main

    assert main(["serve", option, "0"]) == 2
    assert capsys.readouterr().err.strip() == f"specmock serve: {message}"


def test_an_option_given_as_zero_overrides_the_environment(monkeypatch):
    from specmock.cli import build_parser, settings_of

    monkeypatch.setenv("SPECMOCK_LATENCY_MS", "500")
    assert settings_of(build_parser().parse_args(["serve"])).latency_ms == 500
    assert settings_of(build_parser().parse_args(["serve", "--latency", "0"])).latency_ms == 0


@pytest.mark.parametrize("setting, value, message", [
    ("port", 70000, "port must be between 1 and 65535"),
    ("host", "", "host must not be empty"),
    ("jwt_secret", "", "jwt_secret must not be empty"),
])
def test_settings_refuse_values_no_server_can_use(setting, value, message):
    with pytest.raises(ValueError, match=message):
        Settings(**{setting: value})


@pytest.mark.parametrize("reload", [False, True])
def test_a_port_in_use_is_refused_before_anything_is_printed(reload):
    """One line naming the address and the options, exit 2: no "serving on" banner first, no
    uvicorn error after it."""
    import socket
    import subprocess
    import sys

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        done = subprocess.run([sys.executable, "-m", "specmock", "serve", "--port", str(port),
                               *(["--reload"] if reload else [])], capture_output=True, text=True, timeout=60)
    finally:
        taken.close()
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    assert done.stderr.strip() == (f"specmock serve: cannot listen on 127.0.0.1:{port}: "
                                   "address already in use (--host, --port)")


def test_a_reload_worker_whose_document_is_broken_answers_503_naming_the_error(tmp_path, monkeypatch):
    """While a served document is broken, ``--reload``'s worker answers every request with a 503
    problem saying what is wrong (requests waited, unanswered, until the document was mended)."""
    import asyncio

    from specmock import server

    broken = tmp_path / "pets.yaml"
    broken.write_text("openapi: 3.0.3\ninfo: {title: Pets, version: '1'}\npaths: {}\ngarbage: [\n")
    monkeypatch.setenv("SPECMOCK_SPECS", str(broken))
    app = server.app_for_reload()

    async def exchange() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
            return await client.get("/v1/pets")

    response = asyncio.run(exchange())
    assert response.status_code == 503 and response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    problem = response.json()
    assert str(broken) in problem["detail"] and "line 5" in problem["detail"], problem
    assert problem["detail"].endswith("it reloads once the file is mended.")


def test_a_fixtures_folder_that_does_not_exist_is_refused(tmp_path):
    import subprocess
    import sys

    missing = tmp_path / "nodir"
    with pytest.raises(ValueError, match=f"fixtures must be a folder of <document>.json files; {missing} is none"):
        Settings(fixtures=missing)
    done = subprocess.run([sys.executable, "-m", "specmock", "serve", "--port", str(free_port()), "--fixtures",
                           str(missing)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "fixtures must be a folder" in done.stderr and done.stdout == ""


def test_the_listening_socket_is_one_asyncio_turns_nagle_off_for():
    import socket

    from specmock import server

    listening = server.listening_socket(Settings(port=free_port()))
    try:
        assert (listening.family, listening.type, listening.proto) == (socket.AF_INET, socket.SOCK_STREAM,
                                                                       socket.IPPROTO_TCP)
    finally:
        listening.close()


def test_answers_on_a_kept_alive_connection_are_not_held_back():
    """The listening socket is a TCP one as asyncio knows it (``IPPROTO_TCP``), so every accepted
    connection has Nagle's algorithm off: an answer's head and body leave at once instead of the body
    waiting ~40 ms for the client's delayed ACK (bad for every client that keeps connections open)."""
    import statistics
    import time

    with ServerProcess(free_port()) as server, httpx.Client(base_url=server.url) as client:
        client.get("/api/v4/content_requests/4c38da5893b1f793")
        took = []
        for _ in range(20):
            started = time.perf_counter()
            assert client.get("/api/v4/content_requests/4c38da5893b1f793").status_code == 200
            took.append(time.perf_counter() - started)
    assert statistics.median(took) < 0.030, took  # ~2 ms here; 43 ms with Nagle's algorithm on
