"""Content requests behave as the apipie page describes: CRUD, search, sort, paging, lifecycle, ownership."""

from __future__ import annotations

import hypothesis
import pytest
from connexion.exceptions import ProblemException
from hypothesis import strategies as st

from specmock.auth import Caller
from specmock.behaviours.paging import page_slice
from specmock.media.rules import content_lifecycle as rules
from specmock.media.services import content_requests as service
from specmock.store import Store
from tests.conftest import BEARER

OTHER = "Bearer someone-else"
FILES = {"media_files": [{"name": "clip", "s3_key": "k/1", "format_type": "mp4", "media_type": "video", "size": 1}]}


def create(client, auth=BEARER, **fields):
    body = {"name": "n", "recipient": "r", "prompt": "p", "expiration_date": "2099/01/01", **fields}
    response = client.post("/api/v4/content_requests", json={"content_request": body}, headers={"Authentication": auth})
    assert response.status_code == 201, response.text
    return response.json()


def listing(client, auth=BEARER, **params):
    response = client.get("/api/v4/content_requests", params={"pending": "true", **params},
                          headers={"Authentication": auth})
    assert response.status_code == 200, response.text
    return response.json()


def test_created_request_is_listed_and_readable_by_token(client):
    created = create(client, name="Birthday", time_type="multi_use")
    assert len(created["token"]) == 16 and created["time_type"] == "Multi-Use"
    assert created["id"] in [r["id"] for r in listing(client)["content_requests"]]
    public = client.get(f"/api/v4/content_requests/{created['token']}").json()
    assert public["name"] == "Birthday" and public["user"]["email"] == "kruchina.vadim@gmail.com"


def test_ids_are_sequential_and_tokens_unique(client):
    first, second = create(client), create(client)
    assert second["id"] == first["id"] + 1 and first["token"] != second["token"]


def test_pending_filter_splits_pending_from_the_rest(client):
    pending = {r["status"] for r in listing(client, pending="1")["content_requests"]}
    others = {r["status"] for r in listing(client, pending="false")["content_requests"]}
    assert pending == {"pending"} and others == {"canceled", "completed"}


def test_pending_is_required_and_validated(client):
    missing = client.get("/api/v4/content_requests", headers={"Authentication": BEARER})
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "query.pending"
    wrong = client.get("/api/v4/content_requests", params={"pending": "yes"}, headers={"Authentication": BEARER})
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["rule"] == "enum"


@pytest.mark.parametrize("query, expected", [("HOLIDAY", {"holiday videos"}), ("portrait", {"team portraits"}),
                                             ("nothing-like-this", set())])
def test_query_searches_name_recipient_and_prompt_case_insensitively(client, query, expected):
    assert {r["name"] for r in listing(client, query=query)["content_requests"]} == expected


def test_query_matches_prompt_and_recipient(client):
    create(client, name="x", recipient="Grandma Jo", prompt="Old Albums please")
    assert [r["recipient"] for r in listing(client, query="grandma")["content_requests"]] == ["Grandma Jo"]
    assert [r["prompt"] for r in listing(client, query="ALBUMS")["content_requests"]] == ["Old Albums please"]


@pytest.mark.parametrize("sort_by", ["created_at", "name", "recipient", "expiration_date"])
@pytest.mark.parametrize("sort_to", ["asc", "desc"])
def test_sorting(client, sort_by, sort_to):
    for name, day in (("b", "2030/01/03"), ("C", "2030/01/01"), ("a", "2030/01/02")):
        create(client, name=name, recipient=name.upper(), expiration_date=day)
    items = listing(client, sort_by=sort_by, sort_to=sort_to, per_page=100)["content_requests"]
    if sort_by == "created_at":
        ids = [r["id"] for r in items]
        assert ids == sorted(ids, reverse=sort_to == "desc")
        return
    values = [r[sort_by].casefold() if isinstance(r[sort_by], str) else r[sort_by] for r in items]
    assert values == sorted(values, reverse=sort_to == "desc")


def test_default_order_is_newest_first(client):
    newest = create(client)
    assert listing(client)["content_requests"][0]["id"] == newest["id"]


def test_paging_and_total_count(client):
    for _ in range(12):
        create(client, auth="Bearer pager")
    first = listing(client, auth="Bearer pager")
    assert len(first["content_requests"]) == 10 and first["meta"]["total_count"] == 12
    second = listing(client, auth="Bearer pager", page=2)
    assert len(second["content_requests"]) == 2 and second["meta"]["total_count"] == 12
    ids = [r["id"] for r in first["content_requests"] + second["content_requests"]]
    assert len(set(ids)) == 12
    assert listing(client, auth="Bearer pager", page=3)["content_requests"] == []
    assert len(listing(client, auth="Bearer pager", per_page=5)["content_requests"]) == 5


@pytest.mark.parametrize("params", [{"page": "0"}, {"page": "-1"}, {"per_page": "101"}, {"per_page": "0"},
                                    {"page": "99999999999"}, {"page": "x"}, {"sort_by": "status"},
                                    {"sort_to": "up"}])
def test_out_of_range_list_parameters_are_400(client, params):
    response = client.get("/api/v4/content_requests", params={"pending": "true", **params},
                          headers={"Authentication": BEARER})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == f"query.{next(iter(params))}"


def test_update_changes_fields_and_normalises_the_date(client):
    created = create(client)
    response = client.put(f"/api/v4/content_requests/{created['id']}", headers={"Authentication": BEARER},
                          json={"content_request": {"recipient": "Mum", "expiration_date": "2031-03-04"}})
    assert response.status_code == 200
    assert response.json()["recipient"] == "Mum"
    assert response.json()["expiration_date"] == "2031-03-04T00:00:00.000Z"
    assert client.get(f"/api/v4/content_requests/{created['token']}").json()["recipient"] == "Mum"


def test_time_type_cannot_be_changed_by_an_update(client):
    created = create(client)
    response = client.put(f"/api/v4/content_requests/{created['id']}", headers={"Authentication": BEARER},
                          json={"content_request": {"time_type": "multi_use"}})
    assert response.status_code == 400
    assert response.json()["errors"][0] == {**response.json()["errors"][0], "field": "body.content_request.time_type",
                                            "rule": "additionalProperties"}


def test_cancel_then_complete_is_refused(client):
    created = create(client)
    cancel = client.put(f"/api/v4/content_requests/{created['id']}", headers={"Authentication": BEARER},
                        json={"content_request": {"status": "canceled"}})
    assert cancel.json()["status"] == "canceled"
    again = client.put(f"/api/v4/content_requests/{created['id']}", headers={"Authentication": BEARER},
                       json={"content_request": {"status": "canceled"}})
    assert again.status_code == 409
    complete = client.put(f"/api/v4/content_requests/{created['token']}/complete", json=FILES)
    assert complete.status_code == 409 and "canceled" in complete.json()["detail"]


def test_only_canceled_is_an_allowed_status(client):
    created = create(client)
    response = client.put(f"/api/v4/content_requests/{created['id']}", headers={"Authentication": BEARER},
                          json={"content_request": {"status": "completed"}})
    assert response.status_code == 400 and response.json()["errors"][0]["rule"] == "enum"


def test_one_time_completes_once_multi_use_many_times(client):
    one = create(client)
    many = create(client, time_type="multi_use")
    assert client.put(f"/api/v4/content_requests/{one['token']}/complete", json=FILES).status_code == 200
    assert client.put(f"/api/v4/content_requests/{one['token']}/complete", json=FILES).status_code == 409
    for _ in range(3):
        assert client.put(f"/api/v4/content_requests/{many['token']}/complete", json=FILES).status_code == 200
    stored = client.get(f"/api/v4/content_requests/{many['token']}").json()
    assert stored["status"] == "completed" and len(stored["media_files"]) == 3
    assert stored["media_files"][0] == FILES["media_files"][0]


def test_completed_request_cannot_be_canceled(client):
    created = create(client, time_type="multi_use")
    client.put(f"/api/v4/content_requests/{created['token']}/complete", json=FILES)
    response = client.put(f"/api/v4/content_requests/{created['id']}", headers={"Authentication": BEARER},
                          json={"content_request": {"status": "canceled"}})
    assert response.status_code == 409


def test_expired_request_cannot_be_completed(client):
    created = create(client, expiration_date="2022/06/07")
    response = client.put(f"/api/v4/content_requests/{created['token']}/complete", json=FILES)
    assert response.status_code == 409 and "expired" in response.json()["detail"]
    assert client.get(f"/api/v4/content_requests/{created['token']}").json()["status"] == "pending"


@pytest.mark.parametrize("media_files", [[], [{"name": "x"}], [{**FILES["media_files"][0], "media_type": "audio"}],
                                        [{**FILES["media_files"][0], "size": "big"}]])
def test_complete_validates_media_files(client, media_files):
    response = client.put("/api/v4/content_requests/5b7d9f1a3c5e7092/complete", json={"media_files": media_files})
    assert response.status_code == 400 and response.json()["errors"][0]["field"].startswith("body.media_files")


def test_impossible_date_is_422_naming_the_field(client):
    body = {"content_request": {"name": "n", "recipient": "r", "prompt": "p", "expiration_date": "2023/02/29"}}
    response = client.post("/api/v4/content_requests", json=body, headers={"Authentication": BEARER})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.content_request.expiration_date"


def test_callers_see_and_change_only_their_own_requests(client):
    mine = create(client)
    theirs = create(client, auth=OTHER, name="secret")
    assert theirs["id"] not in [r["id"] for r in listing(client, per_page=100)["content_requests"]]
    assert [r["id"] for r in listing(client, auth=OTHER)["content_requests"]] == [theirs["id"]]
    for method, body in (("put", {"content_request": {"name": "hijack"}}), ("delete", None)):
        response = client.request(method, f"/api/v4/content_requests/{theirs['id']}", json=body,
                                  headers={"Authentication": BEARER})
        assert response.status_code == 404
    assert client.get(f"/api/v4/content_requests/{theirs['token']}").json()["name"] == "secret"
    assert client.delete(f"/api/v4/content_requests/{mine['id']}", headers={"Authentication": OTHER}).status_code == 404


def test_new_bearer_token_is_a_new_user_with_an_empty_list(client):
    assert listing(client, auth="Bearer brand-new") == {"content_requests": [], "meta": {"total_count": 0}}
    created = create(client, auth="Bearer brand-new")
    owner = client.get(f"/api/v4/content_requests/{created['token']}").json()["user"]
    assert owner["id"] != 1


def test_delete_removes_the_request(client):
    created = create(client)
    assert client.delete(f"/api/v4/content_requests/{created['id']}", headers={"Authentication": BEARER}).json() == {
        "success": True}
    assert client.get(f"/api/v4/content_requests/{created['token']}").status_code == 404
    assert client.delete(f"/api/v4/content_requests/{created['id']}",
                         headers={"Authentication": BEARER}).status_code == 404


@pytest.mark.parametrize("path", ["/api/v4/content_requests/nothex0000000000", "/api/v4/content_requests/abc",
                                  "/api/v4/content_requests/0000000000000000"])
def test_unknown_or_malformed_token(client, path):
    assert client.get(path).status_code in (400, 404)
    assert client.get(path).headers["content-type"] == "application/problem+json"


def test_list_create_update_delete_need_the_bearer_header(client):
    for method, path in (("get", "/api/v4/content_requests?pending=true"), ("post", "/api/v4/content_requests"),
                         ("put", "/api/v4/content_requests/1"), ("delete", "/api/v4/content_requests/1")):
        response = client.request(method, path, json={"content_request": {}})
        assert response.status_code == 401, (method, path)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    wrong_header = client.get("/api/v4/content_requests?pending=true", headers={"Authorization": BEARER})
    assert wrong_header.status_code == 401


def test_owner_may_update_and_delete_by_token_too(client):
    created = create(client)
    path = f"/api/v4/content_requests/{created['token']}"
    updated = client.put(path, json={"content_request": {"name": "by token"}}, headers={"Authentication": BEARER})
    assert updated.status_code == 200 and updated.json()["name"] == "by token"
    theirs = client.put(path, json={"content_request": {"name": "x"}}, headers={"Authentication": OTHER})
    assert theirs.status_code == 404
    assert client.delete(path, headers={"Authentication": BEARER}).json() == {"success": True}
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("method", ["put", "delete"])
@pytest.mark.parametrize("ref", ["abc", "null,null", "0", "12345678901", "ABCDEF0123456789"])
def test_malformed_ref_of_update_and_delete_is_400_naming_ref(client, method, ref):
    response = client.request(method, f"/api/v4/content_requests/{ref}", json={"content_request": {"name": "n"}},
                              headers={"Authentication": BEARER})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "ref" in response.text


@pytest.mark.parametrize("missing", [{"created_at": None}, {}])
def test_stored_requests_without_a_creation_time_sort_as_oldest(client, missing):
    newest = create(client)
    owner = client.store.find("content_requests", lambda r: r["id"] == newest["id"])[0]["owner"]
    odd = {**client.store.find("content_requests", lambda r: r["id"] == newest["id"])[0], "id": 9_999,
           "token": "00000000000000ff", **missing}
    if not missing:
        odd.pop("created_at")
    client.store.insert("content_requests", {**odd, "owner": owner})
    ids = [r["id"] for r in listing(client, per_page=100)["content_requests"]]
    assert ids[0] == newest["id"] and ids[-1] == 9_999


@hypothesis.given(st.lists(st.tuples(st.sampled_from(["create", "cancel", "complete", "delete"]), st.integers(1, 15),
                                     st.sampled_from(["ann", "bob"])), max_size=40),
                  st.sampled_from(["true", "false"]), st.sampled_from(["asc", "desc"]), st.integers(1, 4),
                  st.integers(1, 6))
def test_the_indexed_default_list_answers_what_the_scan_answers(operations, pending, sort_to, page, per_page):
    """The default list (no search, newest first or oldest first) is read from the store's sorted
    index: it answers exactly what filtering and sorting every stored request answers."""
    store = Store.memory()
    callers = {name: Caller(key=name, token=f"token-of-{name}") for name in ("ann", "bob")}
    for action, number, name in operations:
        caller = callers[name]
        try:
            if action == "create":
                service.create(store, caller, {"name": f"n{number}", "expiration_date": "2999/01/01"})
            elif action == "cancel":
                service.update(store, caller, str(number), {"status": "canceled"})
            elif action == "complete":
                record = store.get("content_requests", number)
                if record is not None:
                    service.complete(store, record["token"], [])
            else:
                service.delete(store, caller, str(number))
        except ProblemException:  # not this caller's, gone, or a refused transition
            pass
    for caller in callers.values():
        indexed = service.listing(store, caller, pending, None, "created_at", sort_to, page, per_page)
        owner = service.owner_of(store, caller)
        records = store.scan("content_requests", rules.matcher(owner["id"], pending == "true", None)) if owner else []
        everything = sorted(records, key=rules.sort_key("created_at"), reverse=sort_to == "desc")
        assert indexed["meta"]["total_count"] == len(records)
        shown = page_slice(everything, page, per_page)
        assert indexed["content_requests"] == [service.view(record) for record in shown]


def test_answers_share_nothing_with_the_store():
    store, caller = Store.memory(), Caller(key="ann", token="token-of-ann")
    created = service.create(store, caller, {"name": "n", "expiration_date": "2999/01/01"})
    created["media_files"].append("changed")
    updated = service.update(store, caller, str(created["id"]), {"name": "renamed"})
    updated["media_files"].append("changed")
    listed = service.listing(store, caller, "true", None, "created_at", "desc", 1, 10)["content_requests"]
    listed[0]["media_files"].append("changed")
    service.read(store, created["token"])["media_files"].append("changed")
    service.update(store, caller, str(created["id"]), {})["media_files"].append("changed")  # nothing to change
    assert service.read(store, created["token"])["media_files"] == []
