"""Provider requests: one record per image, for the provider in the path."""

from __future__ import annotations

import uuid
from typing import Any

from specmock.auth import Caller
from specmock.problems import NotFound
from specmock.services.platform import images_named, now_with_offset, unique, user_of
from specmock.store import Store

TABLE, PROVIDERS = "provider_requests", "providers"
FIELDS = ("image_id", "provider_id", "organization_id", "created_at", "id")


def create(store: Store, caller: Caller, provider_id: str, image_ids: list[str] | None) -> list[dict[str, Any]]:
    if not store.has(PROVIDERS, provider_id):
        raise NotFound(f"No provider with id {provider_id}")
    ids = unique(image_ids)
    images = images_named(store, ids)
    caller.require("Providers", {image["album_id"] for image in images})
    organization_id = user_of(store, caller)["organization_id"]
    created_at = now_with_offset()
    records = [
        {
            "id": str(uuid.uuid4()),
            "image_id": image_id,
            "provider_id": provider_id,
            "organization_id": organization_id,
            "created_at": created_at,
            "user_id": caller.key,
        }
        for image_id in reversed(ids)
    ]
    store.insert_many(TABLE, records)
    return [{key: record[key] for key in FIELDS} for record in records]
