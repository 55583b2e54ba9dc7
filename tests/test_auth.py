"""Credential emulation: lenient, strict and off modes, X-token refresh, minted tokens."""

from __future__ import annotations

import time

import jwt
import pytest

from specmock.auth import decode_unverified, mint
from specmock.cli import main
from specmock.settings import Settings
from tests.conftest import BEARER, DOWNLOAD_TOKEN, FORM, PROVIDER_TOKEN, make_client

IMAGE_REQUEST = {"name": "My image", "instance": "74089c18-f80a-11e3-8ef5-b2227cce2b54", "provider": 1,
                 "description": "d", "software": "s", "sys": "x", "exclude": "none", "tags": ["ESD"], "vis": "public"}

SECRET = "a-test-secret-that-is-long-enough-for-hs256"
PROVIDER_PATH = "/api/v1/providers/b870990d-396b-46ca-a92e-ba6a63bacc61/provider_requests"
IMAGE = "image_ids[]=0d8611a7-be32-4924-b7c4-12a82ea78af8"
PROVIDERS_ABILITY = {"00324000004ijWS": {"Providers": ["test provider"]}}


def token_header(claims, secret=SECRET):
    return f'Token token="{jwt.encode(claims, secret, algorithm="HS256")}"'


def strict_client(settings):
    return make_client(settings.replace(auth="strict", jwt_secret=SECRET))


def provider_post(client, authorization):
    return client.post(PROVIDER_PATH, content=IMAGE, headers={"Authorization": authorization, "Content-Type": FORM})


def test_lenient_accepts_the_documents_tokens_and_refreshes_x_token(client):
    response = provider_post(client, PROVIDER_TOKEN)
    assert response.status_code == 200
    refreshed = jwt.decode(response.headers["X-token"], Settings().jwt_secret, algorithms=["HS256"])
    original = decode_unverified(PROVIDER_TOKEN.split('"')[1])
    assert refreshed["user_id"] == original["user_id"] and refreshed["abilities"] == original["abilities"]
    assert refreshed["exp"] - refreshed["iat"] == 14400 and abs(refreshed["iat"] - time.time()) < 5


@pytest.mark.parametrize("header", ['Token token="abc"', "Token token=abc", "Token abc"])
def test_lenient_accepts_non_jwt_tokens_as_identity(client, header):
    response = provider_post(client, header)
    assert response.status_code == 200
    assert decode_unverified(response.headers["X-token"])["user_id"] == "abc"


@pytest.mark.parametrize("header", ["", "Bearer abc", "Basic dXNlcjpwYXNz", 'Token token=""'])
def test_malformed_credentials_are_401_with_www_authenticate(client, header):
    response = provider_post(client, header)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Token realm="specmock"'
    assert response.headers["content-type"] == "application/problem+json"
    assert "X-token" not in response.headers


def test_two_bearer_tokens_are_two_users(client):
    body = {"content_request": {"name": "n", "recipient": "r", "prompt": "p", "expiration_date": "2099/01/01"}}
    client.post("/api/v4/content_requests", json=body, headers={"Authentication": "Bearer one"})
    ones = client.get("/api/v4/content_requests?pending=true", headers={"Authentication": "Bearer one"}).json()
    twos = client.get("/api/v4/content_requests?pending=true", headers={"Authentication": "Bearer two"}).json()
    assert ones["meta"]["total_count"] == 1 and twos["meta"]["total_count"] == 0


def test_strict_accepts_a_signed_token_with_the_ability(settings):
    with strict_client(settings) as client:
        claims = {"user_id": "u1", "abilities": PROVIDERS_ABILITY, "exp": int(time.time()) + 60}
        assert provider_post(client, token_header(claims)).status_code == 200


@pytest.mark.parametrize("case", ["forged", "expired", "no-exp", "alg-none", "documents-token", "no-user"])
def test_strict_refuses_bad_tokens_with_401(settings, case):
    valid = {"user_id": "u1", "abilities": PROVIDERS_ABILITY, "exp": int(time.time()) + 60}
    header = {
        "forged": token_header(valid, secret="another-secret-of-sufficient-length-1234"),
        "expired": token_header({**valid, "exp": int(time.time()) - 10}),
        "no-exp": token_header({"user_id": "u1", "abilities": PROVIDERS_ABILITY}),
        "alg-none": f'Token token="{jwt.encode(valid, None, algorithm="none")}"',
        "documents-token": PROVIDER_TOKEN,
        "no-user": token_header({"abilities": PROVIDERS_ABILITY, "exp": int(time.time()) + 60}),
    }[case]
    with strict_client(settings) as client:
        response = provider_post(client, header)
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"]


def test_strict_requires_abilities_with_403(settings):
    no_ability = token_header({"user_id": "u1", "abilities": {}, "exp": int(time.time()) + 60})
    with strict_client(settings) as client:
        assert provider_post(client, no_ability).status_code == 403
        download = client.post("/api/v1/downloads", content=IMAGE.replace("0d8611a7-be32-4924-b7c4-12a82ea78af8",
                                                                           "4a911b9d-2650-4b67-87b2-d9f8850839f7"),
                               headers={"Authorization": no_ability, "Content-Type": FORM})
        assert download.status_code == 403 and "download" in download.json()["detail"]


def test_strict_bearer_accepts_known_tokens_and_signed_jwts_only(settings):
    with strict_client(settings) as client:
        path = "/api/v4/content_requests?pending=true"
        assert client.get(path, headers={"Authentication": BEARER}).status_code == 200
        assert client.get(path, headers={"Authentication": "Bearer unknown"}).status_code == 401
        signed = jwt.encode({"user_id": 7, "exp": int(time.time()) + 60}, SECRET, algorithm="HS256")
        assert client.get(path, headers={"Authentication": f"Bearer {signed}"}).status_code == 200


def test_off_mode_needs_no_credentials(settings):
    with make_client(settings.replace(auth="off")) as client:
        assert provider_post(client, "").status_code == 200
        listing = client.get("/api/v4/content_requests?pending=true")
        assert listing.status_code == 200 and listing.json()["meta"]["total_count"] == 3
        assert client.post("/api/v1/downloads").status_code == 200


def test_minted_tokens_work_in_strict_mode(settings, capsys):
    assert main(["token", "--user", "downloader", "--secret", SECRET]) == 0
    header = capsys.readouterr().out.splitlines()[1].split(": ", 1)[1]
    with strict_client(settings) as client:
        response = client.post("/api/v1/downloads", content="image_ids[]=4a911b9d-2650-4b67-87b2-d9f8850839f7",
                               headers={"Authorization": header, "Content-Type": FORM})
        assert response.status_code == 200


def test_token_command_lists_every_fixture_user(capsys):
    assert main(["token"]) == 0
    out = capsys.readouterr().out
    assert out.count("Authorization: Token token=") == 4 and "Authentication: Bearer TOKEN_FETCHED" in out
    assert main(["token", "--user", "nobody"]) == 2
    refusal = capsys.readouterr().err.strip()
    assert refusal.startswith("specmock token: no demo user 'nobody'; the demo users are: ")
    assert "TOKEN_FETCHED_FROM_SERVER_DURING_REGISTRATION" in refusal


def test_token_claims_that_are_not_json_are_refused_naming_the_option(capsys):
    assert main(["token", "--claims", "{user_id: u1}"]) == 2
    assert capsys.readouterr().err.strip().startswith("specmock token: --claims is not JSON: ")


def test_the_version_is_printed(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0 and capsys.readouterr().out.strip() == f"specmock {version('specmock')}"


def test_mint_sets_four_hour_lifetime():
    claims = jwt.decode(mint({"user_id": "x"}, SECRET, now=1000), SECRET, algorithms=["HS256"],
                        options={"verify_exp": False})
    assert (claims["iat"], claims["exp"]) == (1000, 1000 + 14400)


def test_public_operations_need_no_credentials(client):
    assert client.get("/api/v4/content_requests/4c38da5893b1f793").status_code == 200
    assert client.get("/api/v1/downloads/6a9c3fd5-dc41-4ac1-a8f1-5f6b80a6359f/zip").status_code == 200
    assert provider_post(client, DOWNLOAD_TOKEN).status_code == 200, "lenient mode ignores abilities"


def test_x_tokens_of_one_second_are_signed_once_and_follow_the_clock():
    claims = {"user_id": "u1", "abilities": {"album": {"Providers": ["p"]}}}
    first, again = mint(claims, SECRET, now=1_000), mint(dict(reversed(claims.items())), SECRET, now=1_000.9)
    assert first == again
    later = jwt.decode(mint(claims, SECRET, now=1_001), SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert later["iat"] == 1_001 and later["exp"] == 1_001 + 14400 and later["abilities"] == claims["abilities"]
    assert mint({"user_id": "u2"}, SECRET, now=1_000) != first and mint(claims, SECRET + "-other", now=1_000) != first


def test_claims_that_orjson_refuses_are_still_signed():
    token = mint({"user_id": "\ud800"}, SECRET, now=1_000)
    assert jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})["user_id"] == "\ud800"


def test_decoded_claims_are_the_callers_own_copy():
    token = PROVIDER_TOKEN.split('"')[1]
    decode_unverified(token)["user_id"] = "changed"
    assert decode_unverified(token)["user_id"] == "ce597adb-e7f1-4e9b-aa5a-95e2bf829714"
    assert decode_unverified("not a jwt") is None


@pytest.mark.parametrize("path, sent, reads", [
    ("/api/v4/content_requests?pending=true", {"Authorization": BEARER}, "Authentication"),
    ("/api/v1/downloads", {"Authentication": "Bearer x"}, "Authorization"),
])
def test_a_credential_in_a_similar_looking_header_is_named(client, path, sent, reads):
    response = client.request("GET" if "?" in path else "POST", path, headers=sent)
    assert response.status_code == 401
    detail = response.json()["detail"]
    other = next(iter(sent))
    assert f"`{reads}:" in detail and f"sent `{other}` instead" in detail, detail
    assert response.headers["www-authenticate"]


def test_a_credential_in_the_wrong_form_says_which_form(client):
    response = client.post("/api/v1/downloads", headers={"Authorization": "Bearer abc"})
    assert response.status_code == 401
    assert 'Token token="<token>"' in response.json()["detail"] and "Bearer" in response.json()["detail"]


def test_image_requests_as_the_document_shows_them_need_no_credential_in_lenient_mode(client):
    listing = client.get("/api/v1/image_requests")
    assert listing.status_code == 200 and listing.json()["count"] == 1
    created = client.post("/api/v1/image_requests", json=IMAGE_REQUEST)
    assert created.status_code == 200 and created.json()["created_by"] == "username"  # the API's demo user
    assert client.get(f"/api/v1/image_requests/{created.json()['id']}").status_code == 200
    spec = client.get("/docs/image_requests/openapi.json").json()
    assert {} in spec["paths"]["/image_requests"]["get"]["security"]  # the served contract says so


def test_image_requests_need_a_credential_in_strict_mode(settings):
    with strict_client(settings) as client:
        response = client.get("/api/v1/image_requests")
        assert response.status_code == 401 and "`Authorization: Token" in response.json()["detail"]
        spec = client.get("/docs/image_requests/openapi.json").json()
        assert spec["paths"]["/image_requests"]["get"]["security"] == [{"TokenAuth": []}]


def test_token_output_into_a_closed_pipe_ends_quietly():
    """``specmock token | head -1``: once the reader has gone, the rest of the output is dropped
    without a traceback."""
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-m", "specmock", "token"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdout.close()  # gone before the first line is written
    _, errors = process.communicate(timeout=60)
    assert b"Traceback" not in errors and b"BrokenPipe" not in errors, errors.decode()
    assert process.returncode == 141  # as a tool killed by SIGPIPE reports it in a shell


def test_an_empty_token_secret_is_refused_naming_the_option(capsys):
    assert main(["token", "--secret", ""]) == 2
    assert capsys.readouterr().err.strip() == "specmock token: --secret must not be empty"
