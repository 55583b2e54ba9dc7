"""Downloads: a set of images, served as a real zip archive at ``zip_url``."""

from __future__ import annotations

import time
from typing import Any

from specmock.auth import Caller
from specmock.media.rules.media import image_format, placeholder_image, zip_archive
from specmock.media.services.platform import FORM_ARRAY, extra_fields, images_named, now_with_offset, unique
from specmock.problems import NotFound
from specmock.store import Store, new_uuid

TABLE = "downloads"


def zip_url(base_url: str, download_id: str) -> str:
    return f"{base_url}/api/v1/downloads/{download_id}/zip?timestamp={int(time.time())}"


INTERNAL = ("owner", "image_ids", "created_at")


def create(store: Store, caller: Caller, base_url: str, form: dict[str, Any]) -> dict[str, Any]:
    """A new download of the form's images, or (with the form's ``id``) more images in one."""
    caller.require("download")
    ids = unique(form.get(FORM_ARRAY))
    download_id = form.get("id")
    images_named(store, ids)
    if download_id is None:
        record = {**extra_fields(form), "id": new_uuid(), "owner": caller.key, "image_ids": ids,
                  "created_at": now_with_offset()}
        store.insert(TABLE, record)
    else:
        with store.locked():
            record = store.get(TABLE, download_id)
            if record is None or record["owner"] != caller.key:
                raise NotFound(f"No download with id {download_id}")
            record = store.update(TABLE, download_id, {**extra_fields(form, "id"),
                                                       "image_ids": unique(record["image_ids"] + ids)})
    answer = {key: value for key, value in record.items() if key not in INTERNAL}
    return {**answer, "zip_url": zip_url(base_url, record["id"])}


def archive(store: Store, download_id: str) -> bytes:
    record = store.get(TABLE, download_id)
    if record is None:
        raise NotFound(f"No download with id {download_id}")
    files = []
    for image in images_named(store, record["image_ids"], field="image_ids"):
        fmt = image["infos"]["format"]
        content, _ = placeholder_image(image["id"], fmt, image["infos"]["width"], image["infos"]["height"])
        extension = image_format(fmt)[0].lower().replace("jpeg", "jpg")
        files.append((f"{image['id']}.{extension}", content))
    return zip_archive(files)
