"""Any OpenAPI 3.0 contract served statefully: the team's own contracts (``tests/contracts/``), in
the shapes real APIs use, pass Schemathesis with every check (stateful phase included) against
``specmock serve``, keep what is created over real HTTP, and change with their documents, no code."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from specmock.verify import RunOptions, Target, run
from tests.conftest import free_port
from tests.server_process import ServerProcess

pytestmark = pytest.mark.slow

CONTRACTS = Path(__file__).resolve().parent / "contracts"
TEAM = ("petstore", "notes", "shop", "library")


def contract(name: str) -> Path:
    return CONTRACTS / f"{name}.yaml"


@pytest.fixture(scope="module")
def servers():
    """One real ``specmock serve <contract>`` process per team contract."""
    started = {name: ServerProcess(free_port(), str(contract(name)), "--validate-responses").start() for name in TEAM}
    yield {name: server.url for name, server in started.items()}
    for server in started.values():
        output = server.stop()
        assert "Traceback" not in output and "Unhandled error" not in output, output[-3000:]


@pytest.mark.parametrize("name", TEAM)
def test_each_team_contract_passes_schemathesis_with_every_check(name, servers):
    out = io.StringIO()
    code = run(Target(servers[name], specs=[contract(name)]), RunOptions(max_examples=8), out)
    assert code == 0, out.getvalue()[-6000:]
    assert "Stateful" in out.getvalue()


# -- CRUD round trips over real HTTP -------------------------------------------------------------


def reset(url: str) -> str:
    """The seed data back (the Schemathesis runs above change the same servers)."""
    assert httpx.post(url + "/__admin/reset", headers={"X-Specmock-Admin": "1"}).status_code == 200
    return url


def test_pets_round_trip_with_integer_ids_and_limit_offset_paging(servers):
    api = reset(servers["petstore"]) + "/v1/pets"
    seeded = httpx.get(api).json()
    assert [pet["name"] for pet in seeded] == ["Rex"]  # the contract's example is the seed
    made = [httpx.post(api, json={"name": f"pet{n}", "species": "cat", **({"status": "available"} if n else {})})
            for n in range(4)]
    assert {response.status_code for response in made} == {201}
    ids = [response.json()["id"] for response in made]
    assert ids == sorted(ids) and len(set(ids)) == 4 and all(isinstance(i, int) for i in ids)
    first = made[0].json()
    assert first["admitted_at"].endswith("Z") and "status" in first  # server-set, required fields
    assert httpx.get(f"{api}/{ids[0]}").json() == first
    page = httpx.get(api, params={"limit": 2, "offset": 1}).json()
    assert [pet["id"] for pet in page] == ids[:2]
    replaced = httpx.put(f"{api}/{ids[0]}", json={"name": "Tom", "species": "cat", "status": "reserved"}).json()
    assert replaced["name"] == "Tom" and replaced["admitted_at"] == first["admitted_at"]
    assert [pet["id"] for pet in httpx.get(api, params={"status": "reserved", "limit": 50}).json()] == [ids[0]]
    assert httpx.delete(f"{api}/{ids[0]}").status_code == 204
    gone = httpx.get(f"{api}/{ids[0]}")
    assert gone.status_code == 404 and gone.headers["content-type"] == "application/problem+json"


def test_notes_round_trip_with_uuid_ids_merge_patch_wrappers_and_owners(servers):
    api = reset(servers["notes"]) + "/api/notes"
    alice, bob = {"Authorization": "Bearer " + _jwt("alice")}, {"Authorization": "Bearer " + _jwt("bob")}
    assert httpx.get(api).status_code == 401
    created = httpx.post(api, json={"title": "shopping", "tags": ["home"]}, headers=alice)
    assert created.status_code == 201
    note = created.json()["data"]
    assert note["owner_id"] == "alice" and note["pinned"] is False and len(note["id"]) == 36
    url = f"{api}/{note['id']}"
    patched = httpx.patch(url, json={"pinned": True, "body": "milk"}, headers={
        **alice, "Content-Type": "application/merge-patch+json"}).json()["data"]
    assert (patched["pinned"], patched["body"], patched["title"]) == (True, "milk", "shopping")
    removed = httpx.patch(url, json={"body": None}, headers=alice).json()["data"]
    assert "body" not in removed  # null removes, as RFC 7386 says
    assert httpx.get(url, headers=bob).status_code == 404  # another caller's note does not exist for them
    listing = httpx.get(api, params={"per_page": 1}, headers=alice).json()
    assert listing["meta"] == {"total": 1, "page": 1, "per_page": 1} and listing["data"][0]["id"] == note["id"]
    assert httpx.get(api, headers=bob).json()["meta"]["total"] == 0
    error = httpx.get(f"{api}/{note['id'][:-1]}0", headers=alice)
    assert error.status_code == 404 and set(error.json()) == {"code", "message"}  # the contract's error shape
    assert httpx.delete(url, headers=alice).status_code == 204
    assert httpx.get(url, headers=alice).status_code == 404


def test_shop_round_trip_with_a_form_nested_orders_links_and_an_action(servers):
    api, key = reset(servers["shop"]) + "/shop", {"X-Shop-Key": _jwt("shopkeeper")}
    customer = httpx.post(f"{api}/customers", data={"name": "Ann", "email": "ann@example.com",
                                                     "newsletter": "true"}, headers=key)
    assert customer.status_code == 201 and customer.json()["newsletter"] is True
    orders = f"{api}/customers/{customer.json()['id']}/orders"
    placed = [httpx.post(orders, json={"items": [{"sku": "ABC-0001", "quantity": n}]}, headers=key).json()
              for n in range(1, 8)]
    assert {order["state"] for order in placed} == {"open"}  # the schema's default
    assert {order["customerId"] for order in placed} == {customer.json()["id"]}
    first = httpx.get(orders, params={"page_size": 3}, headers=key).json()
    assert first["count"] == 7 and first["previous"] is None and len(first["results"]) == 3
    second = httpx.get(first["next"], headers=key).json()
    third = httpx.get(second["next"], headers=key).json()
    walked = [order["id"] for page in (first, second, third) for order in page["results"]]
    assert walked == [order["id"] for order in placed] and third["next"] is None
    assert httpx.get(second["previous"], headers=key).json() == first
    cancel = f"{orders}/{placed[0]['id']}/cancel"
    assert httpx.post(cancel, headers=key).json() == {"cancelled": True, "refund": 12.5}  # its example
    assert httpx.delete(f"{orders}/{placed[0]['id']}", headers=key).status_code == 204
    gone = httpx.post(cancel, headers=key)  # an action on an item that is gone: the 404 names it
    assert gone.status_code == 404 and f"id '{placed[0]['id']}'" in gone.json()["detail"], gone.text
    assert httpx.get(f"{api}/customers/999999/orders", headers=key).status_code == 404  # unknown parent


def test_books_round_trip_with_client_ids_conflicts_and_cursor_paging(servers):
    api = reset(servers["library"]) + "/catalogue/v3/books"
    book = {"isbn": "9781111111111", "title": "Third", "author": "C. Writer"}
    assert httpx.post(api, json=book).status_code == 201
    assert httpx.post(api, json=book).status_code == 409
    seen, cursor = [], None
    while True:
        page = httpx.get(api, params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [item["isbn"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["9780000000001", "9780000000002", "9781111111111"]
    assert [b["isbn"] for b in httpx.get(api, params={"author": "C. Writer"}).json()["items"]] == [book["isbn"]]
    stored = httpx.put(f"{api}/{book['isbn']}", json={**book, "isbn": "9789999999999", "pages": 42}).json()
    assert stored == {**book, "pages": 42}  # the identifier is the path's
    assert httpx.delete(f"{api}/{book['isbn']}").json() == stored
    assert httpx.get(f"{api}/{book['isbn']}").status_code == 404


def _jwt(user: str) -> str:
    from specmock.auth import mint

    return mint({"sub": user}, "any secret: lenient mode does not check signatures")


# -- the contract changes, the mock follows -------------------------------------------------------


def _edited_petstore(folder: Path) -> Path:
    spec = yaml.safe_load(contract("petstore").read_text())
    spec["paths"]["/pets/{petId}/vaccinations"] = {"post": {
        "operationId": "vaccinatePet", "parameters": spec["paths"]["/pets/{petId}"]["parameters"],
        "responses": {"200": {"description": "Done.", "content": {"application/json": {
            "schema": {"type": "object", "properties": {"vaccine": {"type": "string"}}},
            "example": {"vaccine": "rabies"}}}}}}}
    for schema in ("NewPet", "Pet"):
        spec["components"]["schemas"][schema]["properties"]["colour"] = {"type": "string", "maxLength": 20}
    path = folder / "petstore.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def test_an_added_operation_and_property_are_served_without_code(tmp_path):
    from specmock.settings import Settings
    from tests.conftest import make_client

    with make_client(Settings(specs=(_edited_petstore(tmp_path),), validate_responses=True)) as client:
        assert client.post("/v1/pets/1/vaccinations").json() == {"vaccine": "rabies"}
        created = client.post("/v1/pets", json={"name": "Ada", "species": "dog", "colour": "brown"}).json()
        assert created["colour"] == "brown"
        assert client.get(f"/v1/pets/{created['id']}").json()["colour"] == "brown"


def test_an_added_operation_and_property_of_the_bundled_contract_are_served_without_code(tmp_path):
    from specmock.contract import bundled, bundled_contract_path
    from specmock.settings import Settings
    from tests.conftest import BEARER, make_client

    shutil.copytree(bundled_contract_path(), tmp_path / "openapi")
    shutil.copytree(bundled("specmock.media.fixtures"), tmp_path / "fixtures")
    path = tmp_path / "openapi" / "content_requests.yaml"
    spec = yaml.safe_load(path.read_text())
    spec["paths"]["/content_requests/{ref}/reminders"] = {"post": {
        "operationId": "remind_recipient", "security": [], "parameters": [{"$ref": "#/components/parameters/Id"}],
        "responses": {"200": {"description": "Sent.", "content": {"application/json": {
            "schema": {"type": "object", "properties": {"sent": {"type": "boolean"}}}, "example": {"sent": True}}}}}}}
    spec["components"]["schemas"]["ContentRequestCreate"]["properties"]["content_request"]["properties"][
        "colour"] = {"type": "string", "maxLength": 20}
    spec["components"]["schemas"]["ContentRequest"]["properties"]["colour"] = {"type": "string"}
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    with make_client(Settings(specs=(path,), validate_responses=True)) as client:
        assert client.post("/api/v4/content_requests/1/reminders").json() == {"sent": True}
        body = {"content_request": {"name": "n", "recipient": "r", "prompt": "p", "expiration_date": "2099/01/01",
                                    "colour": "teal"}}
        created = client.post("/api/v4/content_requests", json=body, headers={"Authentication": BEARER})
        assert created.status_code == 201 and created.json()["colour"] == "teal"
        assert client.get(f"/api/v4/content_requests/{created.json()['token']}").json()["colour"] == "teal"


def test_domain_handlers_from_a_module_of_ones_own():
    from specmock.settings import Settings
    from tests.conftest import make_client

    plain = Settings(specs=(contract("petstore"),), validate_responses=True)
    with make_client(plain) as client:  # without handlers: the documented answer, every time
        assert [client.post("/v1/pets/1/adopt").status_code for _ in range(2)] == [200, 200]
    handlers = plain.replace(handlers=(str(CONTRACTS / "shelter_handlers.py"),))
    with make_client(handlers) as client:
        assert [client.post("/v1/pets/1/adopt").status_code for _ in range(2)] == [200, 409]
        assert client.get("/v1/pets/1").json()["status"] == "adopted"
        assert client.post("/v1/pets/99/adopt").status_code == 404


def test_several_documents_at_once_and_their_landing_page():
    from specmock.settings import Settings
    from tests.conftest import make_client

    with make_client(Settings(specs=(CONTRACTS,), validate_responses=True)) as client:
        assert client.get("/v1/pets/1").status_code == 200
        assert client.get("/catalogue/v3/books").status_code == 200
        page = client.get("/").text
        for name in TEAM:
            assert f'data-api="{name}"' in page and client.get(f"/docs/{name}/").status_code == 200


def test_generic_resources_are_seeded_from_a_fixtures_file(tmp_path):
    import json

    from specmock.settings import Settings
    from tests.conftest import make_client

    (tmp_path / "petstore.json").write_text(json.dumps({"pets": [
        {"id": 7, "name": "Mia", "species": "rabbit", "status": "available", "admitted_at": "2026-02-01T00:00:00Z"}]}))
    with make_client(Settings(specs=(contract("petstore"),), fixtures=tmp_path, validate_responses=True)) as client:
        assert [pet["name"] for pet in client.get("/v1/pets").json()] == ["Mia"]
        assert client.post("/v1/pets", json={"name": "Ivy", "species": "cat"}).json()["id"] == 8
        client.post("/__admin/reset", headers={"X-Specmock-Admin": "1"})
        assert [pet["id"] for pet in client.get("/v1/pets").json()] == [7]


@pytest.mark.parametrize("item_id, param", [("number", "number"), ("integer", "string")])
def test_a_numeric_identifier_is_a_sequence_and_a_created_item_reads_back(tmp_path, item_id, param):
    """The answers hold the identifier the item is stored by: a `type: number` id, or an integer id
    under a plain string path parameter, counts on from the seeded items instead of colliding."""
    from specmock.settings import Settings
    from tests.conftest import make_client

    item = {"type": "object", "required": ["id", "name"],
            "properties": {"id": {"type": item_id}, "name": {"type": "string"}}}
    answer = {"description": "ok", "content": {"application/json": {"schema": item,
                                                                   "example": {"id": 19, "name": "Tea"}}}}
    spec = {"openapi": "3.0.3", "info": {"title": "shop", "version": "1"}, "paths": {
        "/products": {"post": {"requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"name": {"type": "string"}}}}}},
            "responses": {"201": answer}}},
        "/products/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": True,
                                                   "schema": {"type": param}}],
                                   "responses": {"200": answer, "404": {"description": "none"}}}}}}
    path = tmp_path / "shop.yaml"
    path.write_text(yaml.safe_dump(spec))
    with make_client(Settings(specs=(path,), validate_responses=True)) as client:
        created = client.post("/products", json={"name": "Milk"}).json()
        assert created == {"id": 20, "name": "Milk"}
        assert client.get("/products/20").json() == created
        assert client.get("/products/19").json() == {"id": 19, "name": "Tea"}


def test_an_action_under_an_item_finds_the_item_as_its_read_does(tmp_path):
    """`POST /products/20/restock` answers for the item `GET /products/20` reads, integer id under a
    string path parameter included, and 404 for one that does not exist."""
    from specmock.settings import Settings
    from tests.conftest import make_client

    by_id = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    item = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
    spec = {"openapi": "3.0.3", "info": {"title": "shop", "version": "1"}, "paths": {
        "/products": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {
            "schema": {"type": "array", "items": item}, "example": [{"id": 19, "name": "Tea"}]}}}}}},
        "/products/{id}": {"get": {"parameters": by_id, "responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": item}}},
            "404": {"description": "none"}}}},
        "/products/{id}/restock": {"post": {"parameters": by_id, "responses": {
            "200": {"description": "ok", "content": {"application/json": {"example": {"restocked": True}}}},
            "404": {"description": "none"}}}}}}
    path = tmp_path / "shop.yaml"
    path.write_text(yaml.safe_dump(spec))
    with make_client(Settings(specs=(path,), validate_responses=True)) as client:
        assert client.get("/products/19").status_code == 200
        assert client.post("/products/19/restock").json() == {"restocked": True}
        assert client.post("/products/20/restock").status_code == 404


def test_a_parent_typed_as_text_by_one_operation_and_as_a_number_by_another_is_one_parent(tmp_path):
    """`/clubs/12/members` is one collection whether the create types `club_id` as a string (an API
    Blueprint action with a URI of its own) or the list as a number."""
    from specmock.settings import Settings
    from tests.conftest import make_client

    def club(kind: str) -> list[dict]:
        return [{"name": "club_id", "in": "path", "required": True, "schema": {"type": kind}}]

    member = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
    answer = {"description": "ok", "content": {"application/json": {"schema": member}}}
    spec = {"openapi": "3.0.3", "info": {"title": "clubs", "version": "1"}, "paths": {"/clubs/{club_id}/members": {
        "get": {"parameters": club("number"), "responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": {"type": "array", "items": member}}}}}},
        "post": {"parameters": club("string"), "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"name": {"type": "string"}}}}}}, "responses": {"201": answer}}}}}
    path = tmp_path / "clubs.yaml"
    path.write_text(yaml.safe_dump(spec))
    with make_client(Settings(specs=(path,), validate_responses=True)) as client:
        created = client.post("/clubs/12/members", json={"name": "Cleo"}).json()
        assert client.get("/clubs/12/members").json() == [created]
        assert client.get("/clubs/13/members").json() == []


def test_reload_follows_edits_of_the_served_document(tmp_path):
    spec = tmp_path / "petstore.yaml"
    shutil.copy(contract("petstore"), spec)
    with ServerProcess(free_port(), str(spec), "--reload") as server:
        assert httpx.get(f"{server.url}/v1/pets/1/vaccinations").status_code == 404
        _edited_petstore(tmp_path)
        _first(server, lambda answer: answer.status_code == 200)  # the edited document is served
        # The worker's output is specmock's own: no dependency's warning from importing Connexion.
        assert "Warning" not in server.read_log(), server.read_log()[-2000:]
        # Broken while being edited: each request is answered at once, with what is wrong; mended: served.
        mended = spec.read_text()
        spec.write_text(mended + "garbage: [\n")
        assert _first(server, lambda answer: answer.status_code == 503).json()["detail"].startswith(
            "The contract cannot be served")
        spec.write_text(mended)
        _first(server, lambda answer: answer.status_code == 200)


def _first(server: ServerProcess, wanted) -> httpx.Response:
    """The first answer to ``POST /v1/pets/1/vaccinations`` that is ``wanted``, within 20 s."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            answer = httpx.post(f"{server.url}/v1/pets/1/vaccinations", timeout=2)
            if wanted(answer):
                return answer
        except httpx.HTTPError:
            pass  # restarting
        time.sleep(0.2)
    pytest.fail("no such answer within 20 s: " + server.read_log()[-2000:])


# -- documents that cannot be served ---------------------------------------------------------------

BAD = {
    "openapi-3.1.yaml": ("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {/a: {get: {responses: {'200': "
                         "{description: ok}}}}}\n", "OpenAPI 3.1.0 is not supported"),
    "swagger.yaml": ("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {/a: {get: {}}}\n", "Swagger 2.0"),
    "broken.yaml": ("openapi: 3.0.3\ninfo: [unclosed\n", "not valid YAML (line"),
    "no-version.yaml": ("openapi: 3.0.3\ninfo: {title: t}\npaths: {/a: {get: {responses: {'200': "
                        "{description: ok}}}}}\n", 'at info: "version" is a required property'),
    "dangling.yaml": ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {/a: {get: {responses: {'200': "
                      "{$ref: 'other.yaml#/components/responses/Nope'}}}}}\n", "other.yaml"),
    "remote.yaml": ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {/a: {get: {responses: {'200': "
                    "{$ref: 'https://example.com/r.yaml#/R'}}}}}\n", "remote references are not followed"),
    "escape.yaml": ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {/a: {get: {responses: {'200': "
                    "{$ref: '../../etc/passwd'}}}}}\n", "outside the document's folder"),
    "laughs.yaml": ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\nx: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
                    + "".join(f"x{i}: &a{i} [{', '.join(['*a' if i == 0 else f'*a{i - 1}'] * 10)}]\n"
                              for i in range(8))
                    + "paths: {/a: {get: {responses: {'200': {description: ok}}}}}\n", "YAML aliases"),
    "recursive.yaml": ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\nx: &a [*a]\n"
                       "paths: {/a: {get: {responses: {'200': {description: ok}}}}}\n", "recursive"),
    "list.yaml": ("- not\n- a mapping\n", "not an OpenAPI document"),
    "binary.json": ("\x00\x01\x02garbage", "binary file"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_document_that_cannot_be_served_is_refused_with_a_message(name, tmp_path):
    text, message = BAD[name]
    path = tmp_path / "spec" / name
    path.parent.mkdir()
    path.write_text(text)
    done = subprocess.run([sys.executable, "-m", "specmock", "serve", str(path), "--port", str(free_port())],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr and str(path) in done.stderr, done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_a_replace_that_leaves_out_a_required_property_keeps_it_and_reads_back_the_same(tmp_path):
    """``PUT /pets/1`` without ``status`` (optional in NewPet, required in Pet): the stored item keeps
    its status, so every read, the list filter and the answer to the replace agree."""
    from specmock.settings import Settings
    from tests.conftest import make_client

    with make_client(Settings(specs=(contract("petstore"),), validate_responses=True)) as client:
        created = client.post("/v1/pets", json={"name": "Ada", "species": "dog", "status": "reserved"}).json()
        url = f"/v1/pets/{created['id']}"
        replaced = client.put(url, json={"name": "Ada", "species": "cat"}).json()
        reads = [client.get(url).json() for _ in range(4)]
        assert replaced["status"] == "reserved" and all(read == replaced for read in reads)
        listed = client.get("/v1/pets", params={"status": "reserved", "limit": 50}).json()
        assert [pet["id"] for pet in listed] == [created["id"]]


def test_a_merge_into_an_item_whose_patch_body_is_any_object_changes_what_it_names(tmp_path):
    """A PATCH body schema that names no properties (``type: object``) may change every property
    but the read-only ones: RFC 7386, ``null`` removes."""
    from specmock.settings import Settings
    from tests.conftest import make_client

    spec = yaml.safe_load(contract("petstore").read_text())
    spec["paths"]["/pets/{petId}"]["patch"] = {
        "operationId": "patchPet",
        "requestBody": {"required": True, "content": {"application/merge-patch+json": {"schema": {"type": "object"}}}},
        "responses": {"200": {"description": "The animal as stored now.", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Pet"}}}}}}
    path = tmp_path / "petstore.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    with make_client(Settings(specs=(path,), validate_responses=True)) as client:
        created = client.post("/v1/pets", json={"name": "Ada", "species": "dog", "born": "2020-01-02"}).json()
        url = f"/v1/pets/{created['id']}"
        patched = client.patch(url, json={"name": "Tommy", "born": None, "id": 999},
                               headers={"Content-Type": "application/merge-patch+json"})
        assert patched.status_code == 200, patched.text
        assert patched.json()["name"] == "Tommy" and "born" not in patched.json()
        assert patched.json()["id"] == created["id"]  # read-only: kept
        assert client.get(url).json() == patched.json()
        # What the item schema does not allow is refused, naming the field and the rule; nothing changes.
        refused = client.patch(url, json={"name": 5, "species": "cat"},
                               headers={"Content-Type": "application/merge-patch+json"})
        assert refused.status_code == 400 and refused.headers["content-type"] == "application/problem+json"
        assert [(error["field"], error["rule"]) for error in refused.json()["errors"]] == [("body.name", "type")]
        assert client.get(url).json() == patched.json()
        replaced = client.put(url, json={"name": "Tom", "species": "cat", "status": "lost"})
        assert replaced.status_code == 400  # the request schema itself refuses it


WIDGETS = {
    "openapi": "3.0.3", "info": {"title": "Widgets", "version": "1"}, "servers": [{"url": "/v1"}],
    "paths": {
        "/widgets": {"post": {
            "operationId": "createWidget",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/Widget"}}}},
            "responses": {"201": {"description": "Made.", "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/Widget"}}}}, "400": {"description": "Refused."}}}},
        "/widgets/{slug}": {"get": {
            "operationId": "getWidget",
            "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "One.", "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/Widget"}}}}, "404": {"description": "None."}}}},
        "/gadgets": {"post": {
            "operationId": "createGadget",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/Gadget"}}}},
            "responses": {"201": {"description": "Made.", "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/Gadget"}}}}}}},
        "/gadgets/{gadgetId}": {"get": {
            "operationId": "getGadget",
            "parameters": [{"name": "gadgetId", "in": "path", "required": True,
                            "schema": {"type": "string", "format": "uuid"}}],
            "responses": {"200": {"description": "One.", "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/Gadget"}}}}, "404": {"description": "None."}}}},
    },
    "components": {"schemas": {
        "Widget": {"type": "object", "required": ["slug"], "properties": {"slug": {"type": "string"}}},
        "Gadget": {"type": "object", "properties": {
            "gadgetId": {"type": "string", "readOnly": True}, "name": {"type": "string"}}},
    }},
}


@pytest.mark.parametrize("slug", ["a/b", "", ".", ".."])
def test_a_client_chosen_identifier_that_cannot_be_a_path_segment_is_refused(tmp_path, slug):
    """An item stored under ``a/b`` could never be read (``/widgets/a%2Fb`` is ``/widgets/a/b``)."""
    from specmock.settings import Settings
    from tests.conftest import make_client

    path = tmp_path / "widgets.yaml"
    path.write_text(yaml.safe_dump(WIDGETS))
    with make_client(Settings(specs=(path,))) as client:
        before = client.store.dump()
        refused = client.post("/v1/widgets", json={"slug": slug})
        assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "body.slug", refused.text
        assert client.store.dump() == before
        assert client.post("/v1/widgets", json={"slug": "a-b"}).status_code == 201
        assert client.get("/v1/widgets/a-b").json() == {"slug": "a-b"}


def test_a_read_only_identifier_the_client_sends_is_ignored_and_the_server_assigns_one(tmp_path):
    from specmock.settings import Settings
    from tests.conftest import make_client

    path = tmp_path / "widgets.yaml"
    path.write_text(yaml.safe_dump(WIDGETS))
    with make_client(Settings(specs=(path,), validate_responses=True)) as client:
        made = client.post("/v1/gadgets", json={"gadgetId": "not-a-uuid", "name": "g"})
        assert made.status_code == 201, made.text
        assigned = made.json()["gadgetId"]
        assert assigned != "not-a-uuid" and client.get(f"/v1/gadgets/{assigned}").json() == made.json()
