"""Provider requests, sharing images, downloads and image requests behave like the real platform."""

from __future__ import annotations

import io
import re
import uuid
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from tests.conftest import DOWNLOAD_TOKEN, FORM, PROVIDER_TOKEN, SHARING_TOKEN

PROVIDER = "b870990d-396b-46ca-a92e-ba6a63bacc61"
SHARING = "b30d7017-d303-48e0-bee8-7cd95711996c"
IMAGES = ["0d8611a7-be32-4924-b7c4-12a82ea78af8", "5d780faf-8bb1-4858-92cc-e92fe2cbe971",
          "ea839caa-719d-4320-a982-08cfd703f396"]
DOWNLOAD_IMAGES = ["4a911b9d-2650-4b67-87b2-d9f8850839f7", "b79bd7d7-b620-45b1-b892-ceeb72e41643"]


def form(ids):
    return "&".join(f"image_ids[]={i}" for i in ids)


def post_form(client, path, body, token=PROVIDER_TOKEN):
    return client.post(path, content=body, headers={"Authorization": token, "Content-Type": FORM})


# -- provider requests -----------------------------------------------------------------------------

def test_one_provider_request_per_image_in_document_order(client):
    before = client.store.count("provider_requests")
    response = post_form(client, f"/api/v1/providers/{PROVIDER}/provider_requests", form(IMAGES))
    records = response.json()
    assert [r["image_id"] for r in records] == IMAGES[::-1]
    assert {r["provider_id"] for r in records} == {PROVIDER}
    assert {r["organization_id"] for r in records} == {"f1fc97e3-35ce-482c-8c3a-d95f2aaf5581"}
    assert all(r["created_at"][-6] in "+-" and "." in r["created_at"] for r in records), "offset and milliseconds"
    assert client.store.count("provider_requests") == before + 3


def test_unknown_image_ids_are_422_naming_them_and_store_nothing(client):
    unknown = str(uuid.uuid4())
    before = client.store.count("provider_requests")
    response = post_form(client, f"/api/v1/providers/{PROVIDER}/provider_requests", form([IMAGES[0], unknown]))
    assert response.status_code == 422
    assert unknown in response.json()["detail"]
    assert response.json()["errors"] == [{"field": "body.image_ids[]", "rule": "exists",
                                          "message": f"no image with public_id {unknown}"}]
    assert client.store.count("provider_requests") == before


def test_malformed_image_ids_are_400(client):
    response = post_form(client, f"/api/v1/providers/{PROVIDER}/provider_requests", "image_ids[]=not-a-uuid")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body.image_ids[][0]"
    assert response.json()["errors"][0]["rule"] in ("pattern", "format")  # a uuid by both rules


@pytest.mark.parametrize("path", [f"/api/v1/providers/{PROVIDER}/provider_requests", "/api/v1/downloads",
                                  f"/api/v1/sharings/{SHARING}/sharing_images"])
def test_comma_joined_ids_are_400_the_key_must_repeat(client, path):
    before = client.store.dump()
    response = post_form(client, path, f"image_ids[]={IMAGES[0]},{IMAGES[1]}", token=DOWNLOAD_TOKEN
                         if "downloads" in path else SHARING_TOKEN if "sharings" in path else PROVIDER_TOKEN)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == "body.image_ids[]"
    assert response.json()["errors"][0]["rule"] == "explode"
    assert client.store.dump() == before


def test_unknown_provider_is_404_and_malformed_provider_400(client):
    assert post_form(client, f"/api/v1/providers/{uuid.uuid4()}/provider_requests", form(IMAGES)).status_code == 404
    assert post_form(client, "/api/v1/providers/nope/provider_requests", form(IMAGES)).status_code == 400


def test_no_image_ids_creates_nothing(client):
    response = client.post(f"/api/v1/providers/{PROVIDER}/provider_requests", headers={"Authorization": PROVIDER_TOKEN})
    assert response.status_code == 200 and response.json() == []


def test_caller_without_fixture_record_gets_a_stable_organization(client):
    from specmock.auth import mint
    token = f'Token token="{mint({"user_id": "stranger"}, "any-secret-the-lenient-mode-ignores")}"'
    first = post_form(client, f"/api/v1/providers/{PROVIDER}/provider_requests", form(IMAGES[:1]), token).json()
    second = post_form(client, f"/api/v1/providers/{PROVIDER}/provider_requests", form(IMAGES[:1]), token).json()
    assert first[0]["organization_id"] == second[0]["organization_id"] != "f1fc97e3-35ce-482c-8c3a-d95f2aaf5581"


def test_unknown_form_fields_are_400(client):
    response = post_form(client, f"/api/v1/providers/{PROVIDER}/provider_requests", form(IMAGES) + "&extra=1")
    assert response.status_code == 400 and response.json()["errors"][0] == {
        "field": "body.extra", "rule": "unknown", "message": "not a field of this operation"}


# -- sharing images --------------------------------------------------------------------------------

SHARED = ["6203cd9f-557d-4a50-ae0d-a6e5fcd7a274", "4de66731-b35b-435c-8d41-c1d9d680a183"]


def test_sharing_images_carry_image_infos_and_a_url_serving_a_real_image(client):
    response = post_form(client, f"/api/v1/sharings/{SHARING}/sharing_images", form(SHARED), SHARING_TOKEN)
    items = response.json()
    assert [item["image"]["public_id"] for item in items] == SHARED
    assert {item["user"] for item in items} == {"355b5f11-f1ae-4212-824a-af77dc8f4bbf"}
    image = client.get(items[0]["url"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    picture = Image.open(io.BytesIO(image.content))
    assert picture.format == "PNG" and picture.size == (48, 48)


def test_fixture_sharing_image_is_served(client):
    assert client.get("/api/v1/sharing_images/0e97c59e-0c09-40c2-b23b-05ba65d43ec1/image").status_code == 200
    assert client.get(f"/api/v1/sharing_images/{uuid.uuid4()}/image").status_code == 404


def test_sharing_errors(client):
    assert post_form(client, f"/api/v1/sharings/{uuid.uuid4()}/sharing_images", form(SHARED)).status_code == 404
    assert post_form(client, f"/api/v1/sharings/{SHARING}/sharing_images", form([str(uuid.uuid4())])).status_code == 422
    missing = client.post(f"/api/v1/sharings/{SHARING}/sharing_images", content="",
                          headers={"Authorization": SHARING_TOKEN, "Content-Type": FORM})
    assert missing.status_code == 400


# -- downloads -------------------------------------------------------------------------------------

def test_download_zip_url_serves_a_zip_with_one_file_per_image(client):
    created = post_form(client, "/api/v1/downloads", form(DOWNLOAD_IMAGES), DOWNLOAD_TOKEN).json()
    assert created["zip_url"].startswith("http://localhost/api/v1/downloads/")
    archive = client.get(created["zip_url"])
    assert archive.status_code == 200 and archive.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert names == [f"{image}.png" for image in DOWNLOAD_IMAGES]


def test_posting_an_existing_download_id_adds_images(client):
    created = post_form(client, "/api/v1/downloads", form(DOWNLOAD_IMAGES[:1]), DOWNLOAD_TOKEN).json()
    again = post_form(client, "/api/v1/downloads", f"id={created['id']}&{form(DOWNLOAD_IMAGES)}", DOWNLOAD_TOKEN)
    assert again.status_code == 200 and again.json()["id"] == created["id"]
    names = zipfile.ZipFile(io.BytesIO(client.get(again.json()["zip_url"]).content)).namelist()
    assert names == [f"{image}.png" for image in DOWNLOAD_IMAGES]


def test_another_users_download_cannot_be_extended(client):
    created = post_form(client, "/api/v1/downloads", form(DOWNLOAD_IMAGES[:1]), DOWNLOAD_TOKEN).json()
    response = post_form(client, "/api/v1/downloads", f"id={created['id']}", PROVIDER_TOKEN)
    assert response.status_code == 404


def test_unknown_download_zip_is_404(client):
    assert client.get(f"/api/v1/downloads/{uuid.uuid4()}/zip").status_code == 404


# -- image requests --------------------------------------------------------------------------------

IMAGE_REQUEST = {
    "name": "My image", "instance": "74089c18-f80a-11e3-8ef5-b2227cce2b54", "provider": 3, "description": "d",
    "software": "s", "sys": "x", "exclude": "e", "tags": ["t"], "vis": "private",
}


def test_created_image_is_readable_and_listed_first(client):
    created = client.post("/api/v1/image_requests", json=IMAGE_REQUEST, headers={"Authorization": PROVIDER_TOKEN})
    image = created.json()
    assert image["private"] is True and image["versions"][0]["provider"] == 3
    assert image["created_by"] == "provider.manager"
    read = client.get(f"/api/v1/image_requests/{image['id']}", headers={"Authorization": PROVIDER_TOKEN})
    assert read.json() == image
    assert client.get("/api/v1/image_requests", headers={"Authorization": PROVIDER_TOKEN}).json()["results"][0] == image


def test_private_images_are_invisible_to_others_and_user_lists_share(client):
    private = client.post("/api/v1/image_requests", json=IMAGE_REQUEST, headers={"Authorization": PROVIDER_TOKEN})
    shared = client.post("/api/v1/image_requests", json={**IMAGE_REQUEST, "vis": ["sharing.editor"]},
                         headers={"Authorization": PROVIDER_TOKEN})
    path = f"/api/v1/image_requests/{private.json()['id']}"
    assert client.get(path, headers={"Authorization": SHARING_TOKEN}).status_code == 404
    assert client.get(f"/api/v1/image_requests/{shared.json()['id']}",
                      headers={"Authorization": SHARING_TOKEN}).status_code == 200
    assert client.get(f"/api/v1/image_requests/{shared.json()['id']}",
                      headers={"Authorization": DOWNLOAD_TOKEN}).status_code == 404


def test_collection_pages_with_working_links(client):
    for n in range(5):
        client.post("/api/v1/image_requests", json={**IMAGE_REQUEST, "name": f"i{n}", "vis": "public"},
                    headers={"Authorization": PROVIDER_TOKEN})
    auth = {"Authorization": PROVIDER_TOKEN}
    page = client.get("/api/v1/image_requests", params={"page_size": 2}, headers=auth).json()
    assert page["count"] == 6 and len(page["results"]) == 2 and page["previous"] is None
    seen = [r["id"] for r in page["results"]]
    while page["next"]:
        page = client.get(page["next"], headers={"Authorization": PROVIDER_TOKEN}).json()
        seen += [r["id"] for r in page["results"]]
    assert len(seen) == len(set(seen)) == 6 and page["previous"].endswith("page=2")


@pytest.mark.parametrize("change", [{"vis": "friends"}, {"vis": []}, {"provider": "1"}, {"provider": 0},
                                    {"tags": "a,b"}, {"ip_address": "999.1.1.1"}, {"unknown": 1}])
def test_image_request_fields_are_validated(client, change):
    response = client.post("/api/v1/image_requests", json={**IMAGE_REQUEST, **change},
                           headers={"Authorization": PROVIDER_TOKEN})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"].startswith("body")


def test_unknown_image_request_is_404_malformed_400(client):
    auth = {"Authorization": PROVIDER_TOKEN}
    assert client.get(f"/api/v1/image_requests/{uuid.uuid4()}", headers=auth).status_code == 404
    assert client.get("/api/v1/image_requests/42", headers=auth).status_code == 400


def test_server_time_carries_the_local_offset_like_the_documents():
    import datetime as dt
    import time

    from specmock.media.services.platform import now_with_offset

    stamp = now_with_offset()
    parsed = dt.datetime.fromisoformat(stamp)
    assert parsed.utcoffset() == dt.timedelta(seconds=time.localtime().tm_gmtoff)
    assert abs(parsed.timestamp() - time.time()) < 5 and len(stamp.split(".")[1]) == 3 + 6  # ms + "+HH:MM"


@given(st.floats(min_value=0, max_value=4_000_000_000, allow_nan=False))
def test_server_time_reads_as_the_standard_library_formats_it(now):
    import datetime as dt
    import time
    from unittest import mock

    from specmock.media.services.platform import now_with_offset

    with mock.patch("specmock.media.services.platform.time.time", return_value=now):
        stamp = now_with_offset()
    zone = dt.timezone(dt.timedelta(seconds=time.localtime(int(now)).tm_gmtoff))
    expected = dt.datetime.fromtimestamp(now, zone)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", stamp), stamp
    assert abs(dt.datetime.fromisoformat(stamp) - expected) <= dt.timedelta(milliseconds=1)  # float rounding
    assert dt.datetime.fromisoformat(stamp).utcoffset() == expected.utcoffset()
