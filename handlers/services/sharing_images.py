"""Sharing images: one item per image added to a sharing, and the image file behind its url."""

from __future__ import annotations

from typing import Any

from specmock.auth import Caller
from specmock.media.rules.media import placeholder_image
from specmock.media.services.platform import (
    FORM_ARRAY,
    IMAGES,
    extra_fields,
    image_view,
    images_named,
    now_with_offset,
    unique,
)
from specmock.problems import NotFound
from specmock.store import Store, new_uuid

TABLE, SHARINGS = "sharing_images", "sharings"


def image_url(sharing_image_id: str) -> str:
    return f"/api/v1/sharing_images/{sharing_image_id}/image"


INTERNAL = ("sharing_id", "image_id")


def _view(record: dict[str, Any], image: dict[str, Any]) -> dict[str, Any]:
    return {
        **{key: value for key, value in record.items() if key not in INTERNAL},
        "id": record["id"],
        "created_at": record["created_at"],
        "url": image_url(record["id"]),
        "user": record["user"],
        "image": image_view(image),
    }


def create(store: Store, caller: Caller, sharing_id: str, form: dict[str, Any]) -> list[dict[str, Any]]:
    if not store.has(SHARINGS, sharing_id):
        raise NotFound(f"No sharing with id {sharing_id}")
    images = images_named(store, unique(form[FORM_ARRAY]))
    caller.require("Sharings", {image["album_id"] for image in images})
    records = [
        {
            **extra_fields(form),
            "id": new_uuid(),
            "created_at": now_with_offset(),
            "user": caller.key,
            "sharing_id": sharing_id,
            "image_id": image["id"],
        }
        for image in images
    ]
    store.insert_many(TABLE, records)
    return [_view(record, image) for record, image in zip(records, images, strict=True)]


def image_file(store: Store, sharing_image_id: str) -> tuple[bytes, str]:
    record = store.get(TABLE, sharing_image_id)
    image = record and store.get(IMAGES, record["image_id"])
    if not image:
        raise NotFound(f"No sharing image with id {sharing_image_id}")
    infos = image["infos"]
    return placeholder_image(image["id"], infos["format"], infos["width"], infos["height"])
