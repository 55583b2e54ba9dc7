"""Wiring for a running server: the store the settings ask for, seeded, and the app on it."""

from __future__ import annotations

from connexion import AsyncApp

from specmock.admin import seed
from specmock.app import create_app
from specmock.settings import Settings
from specmock.store import Store


def open_store(settings: Settings) -> Store:
    """A file store when ``--db`` is given (seeded only when new), else a seeded memory store."""
    store = Store.file(settings.db) if settings.db else Store.memory()
    if not store.tables():
        seed(store, settings)
    return store


def app_from_env() -> AsyncApp:
    """The app for ``uvicorn --factory`` (used by ``--reload``): settings from SPECMOCK_* variables."""
    settings = Settings.from_env()
    return create_app(settings, open_store(settings))
