"""Hostile input and credentials against the real ``specmock serve`` process.

* More hostile requests than ``tests/test_errors.py`` holds (missing Content-Type, too many form
  fields, invalid UTF-8 in the query, v1 paths, paging limits...), sent over a socket together with
  that file's battery: each one gets a 4xx ``application/problem+json`` answer and leaves the
  ``--db`` store exactly as it was. Requests the HTTP parser itself refuses get its plain 400.
* The body-size limit at its boundary, with the default 1 MiB and with ``--max-body``.
* Schemathesis in negative mode over all five APIs, and its ``ignored_auth`` and
  ``object_level_authorization`` checks with two users in strict mode.
* Strict-mode credentials ``tests/test_auth.py`` leaves out (the bearer scheme, tampered payloads,
  other algorithms, abilities of the wrong kind or album, a JWT that expires after its first use).
* One user cannot list, change or delete another's content requests in lenient, strict and off mode.
* ``/__admin`` on a server bound to 0.0.0.0 refuses unless ``--admin``.
"""

from __future__ import annotations

import collections
import json
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import jwt
import pytest

from specmock.auth import mint
from specmock.store import Store
from specmock.verify.target import CONFIG_FILE
from tests import test_errors
from tests.conftest import API_NAMES, BEARER, BUNDLED, FORM, PROVIDER_TOKEN, demo_headers, free_port
from tests.server_process import ROOT, ServerProcess

pytestmark = pytest.mark.slow

CREATE = "/api/v4/content_requests"
LIST = f"{CREATE}?pending=true"
IMAGES = "/api/v1/image_requests"
DOWNLOADS = "/api/v1/downloads"
PROVIDER_PATH = "/api/v1/providers/b870990d-396b-46ca-a92e-ba6a63bacc61/provider_requests"
SHARING_PATH = "/api/v1/sharings/b30d7017-d303-48e0-bee8-7cd95711996c/sharing_images"
SEEDED_TOKEN = "4c38da5893b1f793"
PROVIDER_IMAGE = "0d8611a7-be32-4924-b7c4-12a82ea78af8"
SHARING_IMAGE = "6203cd9f-557d-4a50-ae0d-a6e5fcd7a274"
DOWNLOAD_IMAGE = "4a911b9d-2650-4b67-87b2-d9f8850839f7"
ALBUM = "00324000004ijWS"

JSON_AUTH = {"Authentication": BEARER, "Content-Type": "application/json"}
TOKEN_AUTH = {"Authorization": PROVIDER_TOKEN}
TOKEN_JSON = {**TOKEN_AUTH, "Content-Type": "application/json"}
TOKEN_FORM = {**TOKEN_AUTH, "Content-Type": FORM}
VALID = test_errors.VALID
IMAGE_BODY = json.dumps({"name": "My image", "instance": "74089c18-f80a-11e3-8ef5-b2227cce2b54", "provider": 1,
                         "description": "d", "software": "s", "sys": "x", "exclude": "none", "tags": ["ESD"],
                         "vis": "public"})
DOWNLOAD_FORM = f"image_ids[]={DOWNLOAD_IMAGE}".encode()
MEDIA_FILE = '{"name": "i", "s3_key": "k", "format_type": "png", "media_type": "photo", "size": 1}'
MIB = 1024 * 1024


def _image(**change: object) -> bytes:
    return IMAGE_BODY.replace('"provider": 1', '"provider": ' + str(change["provider"])).encode()


HOSTILE_MORE = [
    # (name, method, path, headers, body, expected status)
    ("no content type, json operation", "post", CREATE, {"Authentication": BEARER}, VALID.encode(), 415),
    ("no content type, v1 json operation", "post", IMAGES, TOKEN_AUTH, IMAGE_BODY.encode(), 415),
    ("no content type, form operation", "post", DOWNLOADS, TOKEN_AUTH, DOWNLOAD_FORM, 415),
    ("no content type, public complete", "put", f"{CREATE}/{SEEDED_TOKEN}/complete", {},
     f'{{"media_files": [{MEDIA_FILE}]}}'.encode(), 415),
    ("empty content type", "post", CREATE, {**JSON_AUTH, "Content-Type": ""}, VALID.encode(), 415),
    ("content type without a type", "post", CREATE, {**JSON_AUTH, "Content-Type": "; charset=utf-8"},
     VALID.encode(), 415),
    ("another json media type", "post", CREATE, {**JSON_AUTH, "Content-Type": "application/merge-patch+json"},
     VALID.encode(), 415),
    ("multipart to a form operation", "post", DOWNLOADS, {**TOKEN_AUTH, "Content-Type": "multipart/form-data; b=x"},
     b'--x\r\nContent-Disposition: form-data; name="image_ids[]"\r\n\r\nx\r\n--x--\r\n', 415),
    ("byte order mark", "post", CREATE, JSON_AUTH, b"\xef\xbb\xbf" + VALID.encode(), 400),
    ("deep array nesting at the top", "post", CREATE, JSON_AUTH, b"[" * 100_000 + b"]" * 100_000, 400),
    ("deep object nesting at the top", "post", CREATE, JSON_AUTH, b'{"a":' * 50_000 + b"1" + b"}" * 50_000, 400),
    ("deep nesting in a v1 body", "post", IMAGES, TOKEN_JSON,
     IMAGE_BODY.replace('["ESD"]', "[" * 3000 + "]" * 3000).encode(), 400),
    ("integer beyond 64 bits", "post", IMAGES, TOKEN_JSON, _image(provider=10**30), 400),
    ("NaN", "post", IMAGES, TOKEN_JSON, _image(provider="NaN"), 400),
    ("infinite number", "post", IMAGES, TOKEN_JSON, _image(provider="1e400"), 400),
    ("lone surrogate", "post", CREATE, JSON_AUTH, VALID.replace('"n"', '"\\ud800"').encode(), 400),
    ("nul byte in a key", "post", CREATE, JSON_AUTH, VALID.replace('"name"', '"na\\u0000me"').encode(), 400),
    ("nul byte in a form value", "post", DOWNLOADS, TOKEN_FORM, DOWNLOAD_FORM + b"%00", 400),
    ("invalid utf-8 in a query value", "get", f"{LIST}&query=%FF%FE", JSON_AUTH, None, 400),
    ("invalid utf-8 in a query name", "get", f"{LIST}&%FF=1", JSON_AUTH, None, 400),
    ("invalid utf-8 in the path", "get", f"{CREATE}/%FF%FE", {}, None, 400),
    ("nul byte in the path", "get", f"{CREATE}/%00", {}, None, 400),
    ("negative page", "get", f"{LIST}&page=-1", JSON_AUTH, None, 400),
    ("page zero", "get", f"{LIST}&page=0", JSON_AUTH, None, 400),
    ("per_page zero", "get", f"{LIST}&per_page=0", JSON_AUTH, None, 400),
    ("huge per_page", "get", f"{LIST}&per_page=100000000000000000000000", JSON_AUTH, None, 400),
    ("per_page over the maximum", "get", f"{LIST}&per_page=101", JSON_AUTH, None, 400),
    ("fractional page", "get", f"{LIST}&page=1.5", JSON_AUTH, None, 400),
    ("NaN page", "get", f"{LIST}&page=NaN", JSON_AUTH, None, 400),
    ("v1 huge page_size", "get", f"{IMAGES}?page_size=100000000000000000000", TOKEN_AUTH, None, 400),
    ("v1 negative page", "get", f"{IMAGES}?page=-3", TOKEN_AUTH, None, 400),
    ("v1 page_size zero", "get", f"{IMAGES}?page_size=0", TOKEN_AUTH, None, 400),
    ("v1 huge page", "get", f"{IMAGES}?page=1000000000000000000000", TOKEN_AUTH, None, 400),
    ("unknown query parameter, v1 list", "get", f"{IMAGES}?debug=1", TOKEN_AUTH, None, 400),
    ("unknown query parameter, public read", "get", f"{CREATE}/{SEEDED_TOKEN}?debug=1", {}, None, 400),
    ("unknown query parameter on a create", "post", f"{CREATE}?admin=true", JSON_AUTH, VALID.encode(), 400),
    ("path traversal, image request id", "get", f"{IMAGES}/..%2F..%2Fetc%2Fpasswd", TOKEN_AUTH, None, 404),
    ("path traversal, sharing image file", "get", "/api/v1/sharing_images/..%2F..%2Fetc%2Fpasswd/image", {},
     None, 404),
    ("path traversal, zip file", "get", f"{DOWNLOADS}/..%2F..%2Fetc%2Fpasswd/zip", {}, None, 404),
    ("path traversal, docs", "get", "/docs/..%2F..%2Fetc%2Fpasswd/openapi.json", {}, None, 404),
    ("path traversal, docs assets", "get", "/docs/assets/..%2F..%2F..%2Fetc%2Fpasswd", {}, None, 404),
    ("long image request id", "get", f"{IMAGES}/{'a' * 3000}", TOKEN_AUTH, None, 400),
    ("long provider id", "post", f"/api/v1/providers/{'b' * 3000}/provider_requests", TOKEN_FORM,
     f"image_ids[]={PROVIDER_IMAGE}".encode(), 400),
    ("very long v1 url", "get", f"{IMAGES}/{'a' * 5000}", TOKEN_AUTH, None, 414),
    ("duplicate form keys, two spellings", "post", PROVIDER_PATH, TOKEN_FORM,
     f"image_ids[]={PROVIDER_IMAGE}&image_ids={PROVIDER_IMAGE}".encode(), 400),
    ("nested form brackets", "post", DOWNLOADS, TOKEN_FORM, b"image_ids[][][]=1&image_ids[a][b]=2", 400),
    ("unknown form field", "post", DOWNLOADS, TOKEN_FORM, DOWNLOAD_FORM + b"&admin=1", 400),
    ("malformed percent escape in a form", "post", DOWNLOADS, TOKEN_FORM, b"image_ids[]=%zz%", 400),
    ("more form fields than the parser takes", "post", DOWNLOADS, TOKEN_FORM, b"&".join([DOWNLOAD_FORM] * 1001), 400),
    ("body of a GET over the default limit", "get", LIST, JSON_AUTH, b" " * (MIB + 1), 413),
    ("media files over maxItems", "put", f"{CREATE}/{SEEDED_TOKEN}/complete", {"Content-Type": "application/json"},
     ('{"media_files": [' + ", ".join([MEDIA_FILE] * 101) + "]}").encode(), 400),
    ("undocumented Prefer code", "get", LIST, {**JSON_AUTH, "Prefer": "code=500"}, None, 400),
    ("negative Prefer latency", "get", LIST, {**JSON_AUTH, "Prefer": "latency=-1"}, None, 400),
]
REFUSED_IN_TEST_ERRORS = [case for case in test_errors.HOSTILE if case[5] >= 400]
BATTERY = [pytest.param(*case, id=case[0]) for case in HOSTILE_MORE] + [
    pytest.param(*case, id=f"test_errors: {case[0]}") for case in REFUSED_IN_TEST_ERRORS
]

# Byte sequences that are not HTTP requests: the HTTP parser refuses them before the app runs.
NOT_HTTP = [
    pytest.param(b"GET /api/v4/content_requests/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n", id="raw invalid utf-8 path"),
    pytest.param(b"POST /api/v4/content_requests HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                 id="content-length not a number"),
    pytest.param(b"GET /api/v4/content_requests HTTP/1.1\r\nHost: x\r\nPrefer: a\x01b\r\n\r\n",
                 id="control character in a header"),
    pytest.param(b"GET /api/v4/content_requests HTTP/1.1\r\nHost: x\r\nAuthentication Bearer x\r\n\r\n",
                 id="header without a colon"),
    pytest.param(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(32) + b"\r\n\r\n", id="tls hello"),
]


def stored(db: Path, scratch: Path) -> dict[str, list[dict]]:
    """Everything a running server's ``--db`` holds (file and journal), read from a copy of its files."""
    copy = scratch / uuid.uuid4().hex
    copy.mkdir()
    for source in db.parent.glob(f"{db.name}*"):
        shutil.copy(source, copy / source.name)
    store = Store.file(copy / db.name)
    try:
        return store.dump()
    finally:
        store.close()


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"] == "application/problem+json", response.text[:500]
    problem = response.json()
    assert {"type", "title", "status", "detail"} <= problem.keys() and problem["status"] == status


def send_raw(port: int, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(payload)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.fixture(scope="module")
def battery_server(tmp_path_factory):
    db = tmp_path_factory.mktemp("battery") / "db.json"
    with ServerProcess(free_port(), "--db", str(db)) as server:
        server.db = db  # type: ignore[attr-defined]
        yield server
    assert "Unhandled error" not in server.output, server.output[-5000:]


# -- the battery -------------------------------------------------------------------------------


@pytest.mark.parametrize("name, method, path, headers, body, status", BATTERY)
def test_hostile_request_gets_a_problem_and_changes_nothing(battery_server, tmp_path, name, method, path,
                                                            headers, body, status):
    before = stored(battery_server.db, tmp_path)
    response = httpx.request(method, battery_server.url + path, headers=headers, content=body, timeout=30)
    assert_problem(response, status)
    assert stored(battery_server.db, tmp_path) == before, "a refused request must not change the store"


@pytest.mark.parametrize("payload", NOT_HTTP)
def test_bytes_that_are_not_http_get_the_parsers_400_and_the_server_carries_on(battery_server, tmp_path, payload):
    before = stored(battery_server.db, tmp_path)
    answer = send_raw(battery_server.port, payload)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    listing = httpx.get(battery_server.url + LIST, headers={"Authentication": BEARER})
    assert listing.status_code == 200
    assert stored(battery_server.db, tmp_path) == before


def test_body_limit_default_is_one_mebibyte(battery_server, tmp_path):
    padded = VALID + " " * (MIB - len(VALID))
    before = stored(battery_server.db, tmp_path)
    over = httpx.post(battery_server.url + CREATE, content=padded + " ", headers=JSON_AUTH)
    assert_problem(over, 413)
    assert str(MIB) in over.json()["detail"]
    assert stored(battery_server.db, tmp_path) == before
    exact = httpx.post(battery_server.url + CREATE, content=padded, headers=JSON_AUTH)
    assert exact.status_code == 201, exact.text


def test_max_body_option_sets_the_limit(tmp_path):
    limit = 2048
    padded = VALID + " " * (limit - len(VALID))
    with ServerProcess(free_port(), "--max-body", str(limit)) as server:
        over = httpx.post(server.url + CREATE, content=padded + " ", headers=JSON_AUTH)
        assert_problem(over, 413)
        exact = httpx.post(server.url + CREATE, content=padded, headers=JSON_AUTH)
        assert exact.status_code == 201, exact.text
        listing = httpx.get(server.url + LIST + "&per_page=100", headers={"Authentication": BEARER}).json()
        assert listing["meta"]["total_count"] == 4, "the seeded three pending requests and the one accepted"


# -- Schemathesis ------------------------------------------------------------------------------


def base_path(api: str) -> str:
    return BUNDLED.documents[api].base_path


def schemathesis(server: ServerProcess, api: str, workdir: Path, *options: str,
                 config: Path = CONFIG_FILE) -> dict:
    """Run the Schemathesis CLI on one API of ``server`` (the spec as the server serves it); its JSON report."""
    report = workdir / f"{api}.json"
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color", "run",
               f"{server.url}/docs/{api}/openapi.json", "--url", server.url + base_path(api),
               "--report", "json", "--report-json-path", str(report), *options]
    process = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert report.exists(), process.stdout[-3000:] + process.stderr[-3000:]
    result = json.loads(report.read_text())
    result["output"] = process.stdout
    return result


def test_schemathesis_negative_mode_finds_nothing(tmp_path):
    totals = collections.Counter()
    with ServerProcess(free_port()) as server:
        for api in API_NAMES:
            headers = [option for name, value in demo_headers(api).items()
                       for option in ("--header", f"{name}: {value}")]
            result = schemathesis(server, api, tmp_path, "--mode", "negative", "--phases", "coverage,fuzzing",
                                  *headers)
            assert result["complete"] and result["operations"]["tested"] == result["operations"]["selected"] > 0
            assert result["failures"] == [] and result["errors"] == [], result["output"][-5000:]
            assert result["exit_code"] == 0, result["output"][-5000:]
            totals["cases"] += result["test_cases"]["generated"]
            totals["operations"] += result["operations"]["tested"]
    assert "Unhandled error" not in server.output and " -> 5" not in server.output, server.output[-5000:]
    assert totals["cases"] > 300
    print(f"\nnegative Schemathesis run: {totals['cases']} cases over {totals['operations']} operations, 0 failures")


SECRET = "a-reliability-secret-that-is-long-enough-for-hs256-and-for-hs512-too"
ABILITIES = {"abilities": {ALBUM: {"Providers": ["test provider"], "Sharings": {}}}, "download": True}


def strict_headers(user: str) -> dict[str, str]:
    """Valid strict-mode credentials of ``user`` for both schemes."""
    return {"Authorization": f'Token token="{mint({"user_id": user, **ABILITIES}, SECRET)}"',
            "Authentication": f"Bearer {mint({'user_id': user}, SECRET)}"}


@pytest.fixture(scope="module")
def strict_server():
    with ServerProcess(free_port(), "--auth", "strict", "--jwt-secret", SECRET) as server:
        yield server
    assert "Unhandled error" not in server.output, server.output[-5000:]


def test_schemathesis_authorization_checks_find_nothing(strict_server, tmp_path):
    users = {name: strict_headers(name) for name in ("alice", "bob")}
    wfc = tmp_path / "users.json"
    wfc.write_text(json.dumps({"auth": [
        {"name": name, "fixedHeaders": [{"name": key, "value": value} for key, value in headers.items()]}
        for name, headers in users.items()]}))
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG_FILE.read_text() + f'\n[auth.wfc]\npath = "{wfc}"\npeers = ["alice", "bob"]\n')
    probes = collections.Counter()
    for api in ("content_requests", "image_requests"):
        har = tmp_path / f"{api}.har"
        result = schemathesis(strict_server, api, tmp_path, "--checks",
                              "ignored_auth,object_level_authorization,not_a_server_error",
                              "--output-sanitize", "false", "--report", "har", "--report-har-path", str(har),
                              config=config)
        assert result["failures"] == [] and result["errors"] == [], result["output"][-5000:]
        for entry in json.loads(har.read_text())["log"]["entries"]:
            sent = {header["name"].lower(): header["value"] for header in entry["request"]["headers"]}
            who = next((name for name, headers in users.items() if sent.get("authentication") ==
                        headers["Authentication"]), "other")
            probes[(api, who, entry["request"]["method"], entry["response"]["status"])] += 1
    # Both checks did probe: reads replayed as the other user, requests without valid credentials refused.
    assert sum(n for (_, who, method, _), n in probes.items() if who == "bob" and method == "GET") > 0, probes
    assert sum(n for (api, who, _, status), n in probes.items() if who == "other" and status == 401) > 0, probes
    assert not any(status >= 500 for (_, _, _, status) in probes), probes


# -- strict-mode credentials -------------------------------------------------------------------


def signed(claims: dict, secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def tampered(token: str, **claims: object) -> str:
    """``token`` with its payload replaced and its signature kept."""
    header, _, signature = token.split(".")
    payload = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    return f"{header}.{payload}.{signature}"


def bearer_cases() -> dict[str, str]:
    soon = int(time.time()) + 600
    valid = {"user_id": "mallory", "exp": soon}
    return {
        "forged": signed(valid, secret="another-secret-that-is-long-enough-for-hs256-and-for-hs512-as-well"),
        "expired": signed({**valid, "exp": int(time.time()) - 10}),
        "no-exp": signed({"user_id": "mallory"}),
        "alg-none": jwt.encode(valid, None, algorithm="none"),
        "hs512": signed(valid, algorithm="HS512"),
        "tampered": tampered(signed(valid), user_id="1", exp=soon),
        "no-user": signed({"exp": soon}),
    }


@pytest.mark.parametrize("case", ["forged", "expired", "no-exp", "alg-none", "hs512", "tampered", "no-user"])
def test_strict_bearer_refuses_bad_jwts(strict_server, case):
    token = bearer_cases()[case]
    listing = httpx.get(strict_server.url + LIST, headers={"Authentication": f"Bearer {token}"})
    assert_problem(listing, 401)
    assert listing.headers["WWW-Authenticate"] == 'Bearer realm="specmock"'
    created = httpx.post(strict_server.url + CREATE, content=VALID,
                         headers={"Authentication": f"Bearer {token}", "Content-Type": "application/json"})
    assert_problem(created, 401)


def test_strict_token_refuses_a_tampered_payload(strict_server):
    genuine = mint({"user_id": "u1", "abilities": {}}, SECRET)
    forged = tampered(genuine, user_id="u1", exp=int(time.time()) + 600, **ABILITIES)
    response = httpx.post(strict_server.url + PROVIDER_PATH, content=f"image_ids[]={PROVIDER_IMAGE}",
                          headers={"Authorization": f'Token token="{forged}"', "Content-Type": FORM})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Token realm="specmock"'


@pytest.mark.parametrize("path, image, abilities", [
    (SHARING_PATH, SHARING_IMAGE, {ALBUM: {"Providers": ["test provider"]}}),
    (PROVIDER_PATH, PROVIDER_IMAGE, {"another-album": {"Providers": ["test provider"]}}),
    (PROVIDER_PATH, PROVIDER_IMAGE, {ALBUM: {"Sharings": {}}}),
], ids=["sharing without Sharings", "providers on another album", "providers with Sharings only"])
def test_strict_abilities_of_the_wrong_kind_or_album_are_403(strict_server, path, image, abilities):
    token = mint({"user_id": "u1", "abilities": abilities}, SECRET)
    response = httpx.post(strict_server.url + path, content=f"image_ids[]={image}",
                          headers={"Authorization": f'Token token="{token}"', "Content-Type": FORM})
    assert_problem(response, 403)


def test_strict_bearer_jwt_is_refused_once_expired_even_after_use(strict_server):
    expires = int(time.time()) + 2
    token = signed({"user_id": f"short-lived-{uuid.uuid4()}", "exp": expires})
    headers = {"Authentication": f"Bearer {token}", "Content-Type": "application/json"}
    assert httpx.post(strict_server.url + CREATE, content=VALID, headers=headers).status_code == 201
    assert httpx.get(strict_server.url + LIST, headers=headers).json()["meta"]["total_count"] == 1
    while time.time() < expires + 1:  # the token's lifetime is wall-clock time
        time.sleep(0.1)
    assert_problem(httpx.get(strict_server.url + LIST, headers=headers), 401)
    assert_problem(httpx.post(strict_server.url + CREATE, content=VALID, headers=headers), 401)


# -- one user cannot touch another's content requests -------------------------------------------


def create(url: str, headers: dict[str, str], name: str) -> dict:
    body = {"content_request": {"name": name, "recipient": "r", "prompt": "p", "expiration_date": "2099/01/01"}}
    response = httpx.post(url + CREATE, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def everything_listed(url: str, headers: dict[str, str], **params: str) -> list[dict]:
    """Every content request the caller's listing shows, pending or not, all pages."""
    items: list[dict] = []
    for pending in ("true", "false"):
        page = 1
        while True:
            response = httpx.get(url + CREATE, headers=headers,
                                 params={"pending": pending, "per_page": "100", "page": str(page), **params})
            assert response.status_code == 200, response.text
            batch = response.json()["content_requests"]
            items += batch
            if len(batch) < 100:
                break
            page += 1
    return items


def assert_untouchable(url: str, record: dict, intruder: dict[str, str]) -> None:
    """``intruder`` neither sees ``record`` in any listing nor changes or deletes it, by id or by token."""
    listed = everything_listed(url, intruder) + everything_listed(url, intruder, query=record["name"])
    assert record["id"] not in {item["id"] for item in listed}
    assert record["token"] not in {item["token"] for item in listed}
    json_headers = {**intruder, "Content-Type": "application/json"}
    for ref in (record["id"], record["token"]):
        for body in ({"content_request": {"name": "taken over"}}, {"content_request": {"status": "canceled"}}):
            assert_problem(httpx.put(f"{url}{CREATE}/{ref}", json=body, headers=json_headers), 404)
        assert_problem(httpx.delete(f"{url}{CREATE}/{ref}", headers=intruder), 404)


def assert_isolated(url: str, alice: dict[str, str], bob: dict[str, str]) -> None:
    mine = create(url, alice, f"alice's {uuid.uuid4().hex}")
    theirs = create(url, bob, f"bob's {uuid.uuid4().hex}")
    assert_untouchable(url, mine, bob)
    assert_untouchable(url, theirs, alice)
    for owner, record in ((alice, mine), (bob, theirs)):
        listed = {item["id"]: item for item in everything_listed(url, owner)}
        assert listed[record["id"]] == record, "the owner still has it, unchanged"


def test_lenient_users_are_isolated():
    with ServerProcess(free_port()) as server:
        assert_isolated(server.url, {"Authentication": f"Bearer alice-{uuid.uuid4()}"},
                        {"Authentication": f"Bearer bob-{uuid.uuid4()}"})
        seeded = everything_listed(server.url, {"Authentication": BEARER})
        assert len(seeded) == 5
        for record in seeded:
            assert_untouchable(server.url, record, {"Authentication": "Bearer someone-else"})
    assert "Unhandled error" not in server.output


def test_strict_users_are_isolated(strict_server):
    alice, bob = strict_headers(f"alice-{uuid.uuid4()}"), strict_headers(f"bob-{uuid.uuid4()}")
    assert_isolated(strict_server.url, {"Authentication": alice["Authentication"]},
                    {"Authentication": bob["Authentication"]})
    assert_isolated(strict_server.url, {"Authentication": BEARER}, {"Authentication": alice["Authentication"]})


def test_off_mode_caller_cannot_touch_other_users_requests(tmp_path):
    """With ``--auth off`` every call is the documents' user; requests other users made earlier on the
    same ``--db`` (in lenient mode) stay out of its reach, whatever credential header it sends."""
    db = tmp_path / "db.json"
    alice = {"Authentication": f"Bearer alice-{uuid.uuid4()}"}
    with ServerProcess(free_port(), "--db", str(db)) as lenient:
        record = create(lenient.url, alice, "made in lenient mode")
    with ServerProcess(free_port(), "--db", str(db), "--auth", "off") as off:
        own = everything_listed(off.url, {})
        assert len(own) == 5 and record["id"] not in {item["id"] for item in own}
        assert_untouchable(off.url, record, {})
        assert_untouchable(off.url, record, alice)
        assert create(off.url, {}, "made in off mode")["id"] != record["id"]
    assert "Unhandled error" not in off.output
    kept = {item["id"]: item for item in stored(db, tmp_path)["content_requests"]}
    assert kept[record["id"]]["name"] == "made in lenient mode" and kept[record["id"]]["status"] == "pending"


# -- the admin API on a public address ----------------------------------------------------------

ADMIN = {"X-Specmock-Admin": "1"}  # POST and DELETE on /__admin need it (specmock/hosts.py)


def test_admin_refused_when_bound_to_all_interfaces_unless_allowed():
    port = free_port()
    with ServerProcess(port, "--host", "0.0.0.0") as exposed:
        made = create(exposed.url, {"Authentication": BEARER}, "kept through a refused reset")
        assert_problem(httpx.post(f"{exposed.url}/__admin/reset", headers=ADMIN), 403)
        assert_problem(httpx.get(f"{exposed.url}/__admin/requests"), 403)
        assert_problem(httpx.delete(f"{exposed.url}/__admin/requests", headers=ADMIN), 403)
        assert httpx.get(f"{exposed.url}{CREATE}/{made['token']}").status_code == 200, "the reset did not happen"
    with ServerProcess(port, "--host", "0.0.0.0", "--admin") as allowed:
        made = create(allowed.url, {"Authentication": BEARER}, "removed by the reset")
        assert httpx.get(f"{allowed.url}/__admin/requests").status_code == 200
        assert httpx.post(f"{allowed.url}/__admin/reset", headers=ADMIN).status_code == 200
        assert httpx.get(f"{allowed.url}{CREATE}/{made['token']}").status_code == 404
