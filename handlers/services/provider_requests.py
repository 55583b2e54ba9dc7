"""Provider requests: one record per image, for the provider in the path."""

from __future__ import annotations

from typing import Any

from specmock.auth import Caller
from specmock.media.services.platform import FORM_ARRAY, extra_fields, images_named, now_with_offset, unique, user_of
from specmock.problems import NotFound
from specmock.store import Store, new_uuid

TABLE, PROVIDERS = "provider_requests", "providers"
INTERNAL = ("user_id",)


def create(store: Store, caller: Caller, provider_id: str, form: dict[str, Any]) -> list[dict[str, Any]]:
    if not store.has(PROVIDERS, provider_id):
        raise NotFound(f"No provider with id {provider_id}")
    ids = unique(form.get(FORM_ARRAY))
    images = images_named(store, ids)
    caller.require("Providers", {image["album_id"] for image in images})
    organization_id = user_of(store, caller)["organization_id"]
    created_at = now_with_offset()
    records = [
        {
            **extra_fields(form),
            "id": new_uuid(),
            "image_id": image_id,
            "provider_id": provider_id,
            "organization_id": organization_id,
            "created_at": created_at,
            "user_id": caller.key,
        }
        for image_id in reversed(ids)
    ]
    store.insert_many(TABLE, records)
    return [{key: value for key, value in record.items() if key not in INTERNAL} for record in records]
