"""Host and Origin discipline (specmock/hosts.py): a web page the developer opens cannot drive the stub.

The first tests send the exact requests of issue 16: a cross-origin "simple" reset, and a DNS-rebinding
request (a foreign name in ``Host``) for the journal.
"""

from __future__ import annotations

import socket

import httpx
import pytest

from specmock.hosts import MAX_REMEMBERED, HostGuard, HostPolicy, normal_origin, split_host
from specmock.settings import Settings
from tests.conftest import BEARER, free_port, make_client
from tests.server_process import ServerProcess

AUTH = {"Authentication": BEARER}
ADMIN = {"X-Specmock-Admin": "1"}
EVIL = "https://evil.example"
RECORD = "/api/v4/content_requests/4c38da5893b1f793"


def assert_problem(response, status: int, *words: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert not [name for name in response.headers if name.lower().startswith("access-control-")]
    body = response.json()
    assert body["status"] == status and all(word in body["detail"] for word in words), body["detail"]
    return body


def test_a_cross_origin_simple_reset_is_refused_and_resets_nothing(client):
    assert client.delete(RECORD, headers=AUTH).status_code == 200
    response = client.post("/__admin/reset", content=b"{}", headers={"Origin": EVIL, "Content-Type": "text/plain"})
    assert_problem(response, 403, "own origin", EVIL)
    assert client.get(RECORD, headers=AUTH).status_code == 404, "the store was reset"
    # The header a page cannot send unasked does not open the door to another origin either.
    forged = client.post("/__admin/reset", headers={"Origin": EVIL, **ADMIN})
    assert_problem(forged, 403, "own origin")
    assert client.get(RECORD, headers=AUTH).status_code == 404


def test_a_foreign_host_is_refused_before_routing_and_the_journal_stays_untouched(client):
    client.delete("/__admin/requests", headers=ADMIN)
    client.get(RECORD, headers=AUTH)
    body = assert_problem(client.get("/__admin/requests", headers={"Host": "evil.example:8000"}), 421,
                          "evil.example", "--allowed-host evil.example")
    assert "requests" not in body and body["instance"] == "/__admin/requests"
    api = client.get(RECORD, headers={**AUTH, "Host": "evil.example:8000", "Origin": "http://evil.example:8000"})
    assert_problem(api, 421)
    assert_problem(client.get("/", headers={"Host": "evil.example"}), 421)
    journal = client.get("/__admin/requests").json()
    assert [entry["path"] for entry in journal["requests"]] == [RECORD], "a refused request was recorded"


def test_admin_posts_and_deletes_need_the_admin_header(client):
    refused = client.post("/__admin/reset")
    assert_problem(refused, 403, "X-Specmock-Admin: 1", "curl -X POST -H 'X-Specmock-Admin: 1' http://localhost/")
    assert_problem(client.delete("/__admin/requests"), 403, "X-Specmock-Admin: 1")
    assert_problem(client.post("/__admin/reset", headers={"X-Specmock-Admin": "yes"}), 403, "X-Specmock-Admin: 1")
    # Same origin (a browser sends Origin with a POST): allowed, and the answer grants nothing cross-origin.
    done = client.post("/__admin/reset", headers={**ADMIN, "Origin": "http://localhost"})
    assert done.status_code == 200 and done.json()["reset"] is True
    assert "access-control-allow-origin" not in done.headers
    assert client.delete("/__admin/requests", headers=ADMIN).status_code == 204


def test_the_journal_is_read_with_a_plain_get_that_grants_nothing_cross_origin(client):
    assert client.get("/__admin/requests").status_code == 200  # the landing page's link
    same = client.get("/__admin/requests", headers={"Origin": "http://localhost"})
    assert same.status_code == 200 and "access-control-allow-origin" not in same.headers
    for origin in (EVIL, "http://localhost:3000", "null"):
        assert_problem(client.get("/__admin/requests", headers={"Origin": origin}), 403, "own origin")


@pytest.mark.parametrize("origin", [EVIL, "http://localhost"])
def test_a_cors_preflight_for_the_admin_api_grants_nothing(client, origin):
    preflight = client.options("/__admin/reset", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-specmock-admin"})
    assert_problem(preflight, 403, "preflight")


def test_the_api_keeps_its_cors_for_frontends(client):
    preflight = client.options("/api/v4/content_requests", headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "*"
    answer = client.get(RECORD, headers={**AUTH, "Origin": "https://frontend.example"})
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "*"


def test_admin_answers_the_public_url_origin(settings):
    with make_client(settings.replace(public_url="https://mock.example.test/")) as client:
        response = client.post("/__admin/reset", headers={
            **ADMIN, "Host": "mock.example.test", "Origin": "https://mock.example.test"})
        assert response.status_code == 200


# -- which Host values name this server ---------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("localhost", ("localhost", None)), ("LocalHost:8000", ("localhost", 8000)), ("localhost.", ("localhost", None)),
    ("[::1]:8000", ("::1", 8000)), ("[::1]", ("::1", None)), ("127.0.0.1:65535", ("127.0.0.1", 65535)),
    ("[::1", None), ("::1", None), ("[127.0.0.1]", None), ("a b", None), ("host:", None), ("host:x", None),
    ("host:70000", None), ("host:8000:1", None), ("user@host", None), (":8000", None), ("", None),
])
def test_split_host(value, expected):
    assert split_host(value) == expected


DEFAULT = HostPolicy.from_settings(Settings())


@pytest.mark.parametrize("name", [
    "localhost", "app.localhost", "a.b.localhost", "127.0.0.1", "127.8.9.10", "::1", "0.0.0.0", "192.168.1.5",
    "10.0.0.2", "fe80::1",
])
def test_the_default_policy_accepts_loopback_names_and_addresses(name):
    assert DEFAULT.allows(name)


@pytest.mark.parametrize("name", [
    "evil.example", "localhost.evil.example", "127.0.0.1.nip.io", "localhostevil", "127.1", "mylaptop", "0x7f000001",
])
def test_the_default_policy_refuses_other_names(name):
    assert not DEFAULT.allows(name)


def test_allowed_hosts_bound_host_and_public_url():
    policy = HostPolicy.from_settings(Settings(
        host="devbox.internal", public_url="https://Mock.Example.Test/api", allowed_hosts=("specmock", ".tunnel.test")))
    for name in ("devbox.internal", "mock.example.test", "specmock", "tunnel.test", "a.tunnel.test", "localhost"):
        assert policy.allows(name), name
    for name in ("evil.example", "specmock.evil", "xtunnel.test"):
        assert not policy.allows(name), name
    assert HostPolicy.from_settings(Settings(allowed_hosts=("*",))).allows("evil.example")


@pytest.mark.parametrize("entry", ["http://app.test", "app.test:8000", "app.test/", ".", "", "a b"])
def test_an_allowed_host_that_is_not_a_host_name_fails_loudly(entry):
    with pytest.raises(ValueError, match="--allowed-host takes a host name"):
        HostPolicy.from_settings(Settings(allowed_hosts=(entry,)))


def test_allowed_hosts_from_the_environment():
    settings = Settings.from_env({"SPECMOCK_ALLOWED_HOSTS": "specmock, .tunnel.test"})
    assert settings.allowed_hosts == ("specmock", ".tunnel.test")
    assert Settings(allowed_hosts=["a.test"]).allowed_hosts == ("a.test",)  # as the command line gives it


def test_origins_are_compared_in_one_spelling():
    assert normal_origin("HTTP://LocalHost:80") == "http://localhost"
    assert normal_origin("https://[::1]:8443") == "https://[::1]:8443"
    assert normal_origin("http://127.0.0.1:8000/path") == "http://127.0.0.1:8000"
    for value in ("null", "file://", "evil.example", "ftp://x"):
        assert normal_origin(value) is None


def _scope(*headers: tuple[bytes, bytes], path: str = "/", method: str = "GET") -> dict:
    return {"type": "http", "method": method, "path": path, "scheme": "http", "headers": list(headers)}


def test_missing_duplicate_and_malformed_host_headers():
    guard = HostGuard(None, Settings())
    assert guard.refusal(_scope()) is None  # HTTP/1.0 without Host
    assert guard.refusal(_scope((b"host", b"localhost"), (b"host", b"evil.example")))[0] == 400
    assert guard.refusal(_scope((b"host", b"[::1")))[0] == 400
    # No Host: the admin API takes only the configured base URL as its own origin.
    admin = _scope((b"origin", b"http://127.0.0.1:8000"), (b"x-specmock-admin", b"1"), path="/__admin/reset",
                   method="POST")
    assert guard.refusal(admin) is None


def test_host_verdicts_are_remembered_within_a_bound():
    guard = HostGuard(None, Settings())
    for number in range(3 * MAX_REMEMBERED):
        assert guard.refusal(_scope((b"host", b"name-%d.example" % number)))[0] == 421
        assert len(guard._verdicts) <= MAX_REMEMBERED
    assert guard.refusal(_scope((b"host", b"name-0.example")))[0] == 421
    assert guard.refusal(_scope((b"host", b"localhost:8000"))) is None


# -- on a real server: the command line, the environment, HTTP/1.0 ----------------------------------------


@pytest.mark.slow
def test_allowed_hosts_from_the_command_line_and_the_environment():
    with ServerProcess(free_port(), "--allowed-host", "specmock.test", "--allowed-host", ".tunnel.test",
                       env={"SPECMOCK_ALLOWED_HOSTS": "ignored.test"}) as server:
        for host, status in (("specmock.test", 200), ("a.tunnel.test:443", 200), (f"localhost:{server.port}", 200),
                             ("ignored.test", 421), ("evil.example", 421)):
            assert httpx.get(f"{server.url}/", headers={"Host": host}).status_code == status, host
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(b"GET / HTTP/1.0\r\n\r\n")  # no Host at all
            assert sock.recv(64).startswith(b"HTTP/1.1 200 ")
    with ServerProcess(free_port(), env={"SPECMOCK_ALLOWED_HOSTS": "specmock.test,.tunnel.test"}) as server:
        assert httpx.get(f"{server.url}/", headers={"Host": "b.tunnel.test"}).status_code == 200
    with pytest.raises(RuntimeError, match="--allowed-host takes a host name"):
        ServerProcess(free_port(), "--allowed-host", "http://app.test/").start()
