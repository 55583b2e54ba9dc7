"""Wiring for a running server: the store the settings ask for, seeded, and the app on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from connexion import AsyncApp

from specmock.engine.app import create_app
from specmock.settings import Settings
from specmock.store import Store


def open_store(settings: Settings) -> Store:
    """A file store when ``--db`` is given, else a memory store (the app seeds either when empty)."""
    return Store.file(settings.db) if settings.db else Store.memory()


def app_from_env() -> AsyncApp:
    """The app for ``uvicorn --factory``: settings from SPECMOCK_* variables. On a clean stop the
    store is closed, which folds a ``--db`` journal into the file."""
    settings = Settings.from_env()
    store = open_store(settings)

    @asynccontextmanager
    async def closing_store(app: object) -> AsyncIterator[None]:
        yield
        store.close()

    return create_app(settings, store, lifespan=closing_store)
