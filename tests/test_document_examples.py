"""Every example request of the five documents, replayed against a fresh mock, succeeds and answers
the documented shape: the same keys, with values of the same JSON types, as the document's example.

The two request bodies the documents wrote as JavaScript object literals are replayed as the JSON
they mean (keys quoted); the image request gets the `name` its text requires. Those documents'
literal text is refused with a 400 that says why (see the last tests)."""

from __future__ import annotations

import pytest

from tests.conftest import BEARER, DOWNLOAD_TOKEN, FORM, PROVIDER_TOKEN, SHARING_TOKEN, make_client

PROVIDER_BODY = (
    "image_ids[]=0d8611a7-be32-4924-b7c4-12a82ea78af8&image_ids[]=5d780faf-8bb1-4858-92cc-e92fe2cbe971"
    "&image_ids[]=ea839caa-719d-4320-a982-08cfd703f396"
)
SHARING_BODY = (
    "image_ids[]=6203cd9f-557d-4a50-ae0d-a6e5fcd7a274&image_ids[]=4de66731-b35b-435c-8d41-c1d9d680a183"
    "&image_ids[]=499cd954-722a-4877-be8e-24d8ec4bd171"
)
DOWNLOAD_BODY = (
    "image_ids[]=4a911b9d-2650-4b67-87b2-d9f8850839f7&image_ids[]=b79bd7d7-b620-45b1-b892-ceeb72e41643"
    "&image_ids[]=6401ee88-f189-44f7-87e1-ada46ab0348e&image_ids[]=f0195ce4-4b8d-472e-a333-c9bc2674233c"
    "&image_ids[]=68a7fd8a-bf47-4fc6-8a51-e30642f33afe"
)
PROVIDER_REQUEST = {
    "image_id": "ea839caa-719d-4320-a982-08cfd703f396", "provider_id": "b870990d-396b-46ca-a92e-ba6a63bacc61",
    "organization_id": "f1fc97e3-35ce-482c-8c3a-d95f2aaf5581", "created_at": "2019-04-08T19:38:56.613+02:00",
    "id": "cae9fa9e-cc08-4a53-8007-00e5ece96743",
}
INFOS = {"bytes": 3604, "created_at": "2015-09-25T13:32:55Z", "etag": "5a98d4d3e5d39024abf237be55e99b15",
         "format": "png", "height": 48, "resource_type": "image", "tags": ["00324000004ijWS"], "type": "private",
         "width": 48, "location": {"accuracy": 36, "latitude": 48.861934399999996, "longitude": 2.348967}}
SHARING_IMAGE = {
    "id": "0e97c59e-0c09-40c2-b23b-05ba65d43ec1", "created_at": "2015-12-02T11:14:35.324+01:00",
    "url": "/sharing_images/0e97c59e-0c09-40c2-b23b-05ba65d43ec1/image", "user": "355b5f11-f1ae-4212-824a-af77dc8f4bbf",
    "image": {"infos": INFOS, "public_id": "6203cd9f-557d-4a50-ae0d-a6e5fcd7a274", "width": 48, "height": 48,
              "rotation": 0, "album_id": "00324000004ijWS"},
}
IMAGE = {
    "id": "bdc31c14-f807-11e3-8ef5-b2227cce2b54", "icon": None, "created_by": "username",
    "name": "Ubuntu 12.04 Updated NoGUI v1", "tags": ["Ubuntu", "Featured"],
    "description": "Descriptiong for Ubuntu 12.04 Updated NoGUI v1", "start_date": "2014-02-05T01:03:27.903Z",
    "end_date": None, "private": False,
    "versions": [{"alias": "813557f2-f808-11e3-8ef5-b2227cce2b54", "version": "1",
                  "start_date": "2014-02-04T23:56:40.077Z", "end_date": None, "provider": 1}],
}
CONTENT_REQUEST = {
    "id": 1, "name": "content_request", "recipient": "content_request", "prompt": "content_request",
    "expiration_date": "2022-06-07T00:00:00.000Z", "status": "pending", "time_type": "One-Time",
    "link_for_copy": "/content_requests/4c38da5893b1f793", "token": "4c38da5893b1f793",
}
LIST_ITEM = {key: value for key, value in CONTENT_REQUEST.items() if key != "prompt"}
USER = {"id": 1, "email": "kruchina.vadim@gmail.com", "first_name": "Vadim", "last_name": "Kruchina",
        "avatar_image": None}


def assert_shape(actual, documented, where="body"):
    """``actual`` has every key of ``documented``, each value of the same JSON type (null matches anything
    the document shows as null: it is nullable)."""
    if documented is None:
        return
    assert type(actual) is type(documented) or (isinstance(documented, float) and isinstance(actual, int)), (
        f"{where}: {actual!r} is not like {documented!r}"
    )
    if isinstance(documented, dict):
        assert set(documented) <= set(actual), f"{where}: missing {set(documented) - set(actual)}"
        for key, value in documented.items():
            assert_shape(actual[key], value, f"{where}.{key}")
    elif isinstance(documented, list) and documented and actual:
        for item in actual:
            assert_shape(item, documented[0], f"{where}[]")


def test_create_provider_requests(settings):
    # The document's request as written, Host included: a name the mock answers only when allowed.
    with make_client(settings.replace(allowed_hosts=("example.org",))) as client:
        response = client.post(
            "/api/v1/providers/b870990d-396b-46ca-a92e-ba6a63bacc61/provider_requests",
            content=PROVIDER_BODY,
            headers={"Authorization": PROVIDER_TOKEN, "Host": "example.org", "Content-Type": FORM, "Cookie": ""},
        )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    for header in ("X-token", "Cache-Control", "Pragma", "Expires"):
        assert response.headers[header]
    assert response.headers["Cache-Control"] == "no-cache, no-store"
    assert len(response.json()) == 3
    assert_shape(response.json(), [PROVIDER_REQUEST])


def test_create_sharing_images(client):
    response = client.post(
        "/api/v1/sharings/b30d7017-d303-48e0-bee8-7cd95711996c/sharing_images",
        content=SHARING_BODY, headers={"Authorization": SHARING_TOKEN, "Content-Type": FORM},
    )
    assert response.status_code == 200
    assert response.headers["X-token"] and response.headers["ETag"].startswith('W/"')
    assert response.headers["Cache-Control"] == "max-age=0, private, must-revalidate"
    assert len(response.json()) == 3
    assert_shape(response.json(), [SHARING_IMAGE])
    assert response.json()[0]["image"]["infos"] == INFOS


def test_create_download(client):
    response = client.post("/api/v1/downloads", content=DOWNLOAD_BODY,
                           headers={"Authorization": DOWNLOAD_TOKEN, "Content-Type": FORM})
    assert response.status_code == 200
    assert response.headers["X-token"]
    assert_shape(response.json(), {"id": "6a9c3fd5-dc41-4ac1-a8f1-5f6b80a6359f", "zip_url": "https://x"})


def test_image_requests_collection_and_item(client):
    listing = client.get("/api/v1/image_requests", headers={"Authorization": PROVIDER_TOKEN})
    assert listing.status_code == 200
    assert_shape(listing.json(), {"count": 1, "next": None, "previous": None, "results": [IMAGE]})
    assert IMAGE in listing.json()["results"]
    item = client.get(f"/api/v1/image_requests/{IMAGE['id']}", headers={"Authorization": PROVIDER_TOKEN})
    assert item.status_code == 200 and item.json() == IMAGE


def test_request_an_image(client):
    body = {
        "name": "Ubuntu 12.04 Updated NoGUI v1", "instance": "74089c18-f80a-11e3-8ef5-b2227cce2b54",
        "ip_address": "127.0.0.1", "provider": 1,
        "description": "I would like to request an image of this instance for [reasons].",
        "software": "Description of software installed on the machine.", "sys": "I'm not sure what this field means.",
        "exclude": "I do not need any files excluded from the image.",
        "tags": ["ESD", "BGF", "apache2", "SpliceGrapher"], "vis": "public",
    }
    response = client.post("/api/v1/image_requests", json=body, headers={"Authorization": PROVIDER_TOKEN})
    assert response.status_code == 200
    assert_shape(response.json(), IMAGE)


def test_list_content_requests(client):
    response = client.get("/api/v4/content_requests", params={"pending": "true"}, headers={"Authentication": BEARER})
    assert response.status_code == 200
    assert_shape(response.json(), {"content_requests": [LIST_ITEM], "meta": {"total_count": 5}})
    assert LIST_ITEM.items() <= next(r for r in response.json()["content_requests"] if r["id"] == 1).items()


def test_get_content_request_by_token(client):
    response = client.get("/api/v4/content_requests/4c38da5893b1f793")
    assert response.status_code == 200
    assert_shape(response.json(), {**LIST_ITEM, "user": USER})
    assert response.json()["user"] == USER


def test_create_content_request(client):
    body = {"content_request": {"name": "content_request", "recipient": "content_request", "prompt": "content_request",
                                "expiration_date": "2022/06/07", "time_type": "one_time"}}
    response = client.post("/api/v4/content_requests", json=body, headers={"Authentication": BEARER})
    assert response.status_code == 201
    assert_shape(response.json(), CONTENT_REQUEST)
    created = response.json()
    assert created["expiration_date"] == "2022-06-07T00:00:00.000Z" and created["time_type"] == "One-Time"
    assert created["status"] == "pending" and created["link_for_copy"] == f"/content_requests/{created['token']}"


def test_update_content_request(client):
    body = {"content_request": {"name": "updated_content_request", "recipient": "content_request",
                                "prompt": "content_request", "expiration_date": "2022/07/07", "status": "canceled"}}
    response = client.put("/api/v4/content_requests/1", json=body, headers={"Authentication": BEARER})
    assert response.status_code == 200
    assert response.json() == {**CONTENT_REQUEST, "name": "updated_content_request",
                               "expiration_date": "2022-07-07T00:00:00.000Z", "status": "canceled",
                               "media_files": []}


def test_complete_content_request(client):
    body = {"media_files": [{"name": "image", "s3_key": "s3_key", "format_type": "png", "media_type": "photo",
                             "size": 53324, "note": "SOME NOTES"}]}
    response = client.put("/api/v4/content_requests/5b7d9f1a3c5e7092/complete", json=body)
    assert response.status_code == 200 and response.json() == {"success": True}


def test_destroy_content_request(client):
    response = client.delete("/api/v4/content_requests/1", headers={"Authentication": BEARER})
    assert response.status_code == 200 and response.json() == {"success": True}


@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/v4/content_requests",
         '{\n  content_request: {\n    name: "content_request",\n    recipient: "content_request",\n'
         '    "prompt": "content_request",\n    "expiration_date": "2022/06/07",\n    "time_type": "one_time"\n  }\n}'),
        ("/api/v1/image_requests",
         '{\n    instance: "74089c18-f80a-11e3-8ef5-b2227cce2b54",\n    provider: 1,\n    vis: "public"\n}'),
    ],
)
def test_the_documents_javascript_literals_are_refused_with_a_json_error(client, path, body):
    headers = {"Content-Type": "application/json", "Authentication": BEARER, "Authorization": PROVIDER_TOKEN}
    response = client.post(path, content=body, headers=headers)
    assert response.status_code == 400
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["errors"][0] == {**problem["errors"][0], "field": "body", "rule": "json"}


def test_the_image_request_without_a_name_is_refused_naming_the_field(client):
    body = {"instance": "74089c18-f80a-11e3-8ef5-b2227cce2b54", "provider": 1, "description": "d", "software": "s",
            "sys": "s", "exclude": "e", "tags": [], "vis": "public"}
    response = client.post("/api/v1/image_requests", json=body, headers={"Authorization": PROVIDER_TOKEN})
    assert response.status_code == 400
    assert {"field": "body.name", "rule": "required"}.items() <= response.json()["errors"][0].items()
