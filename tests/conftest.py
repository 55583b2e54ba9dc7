"""Shared fixtures: settings, stores on both backends, and an in-process client of the mock."""

from __future__ import annotations

import warnings

import hypothesis
import pytest

from specmock.behaviours import arguments
from specmock.contract import Contract, bundled_contract_path
from specmock.engine import routes
from specmock.engine.app import create_app
from specmock.settings import Settings
from specmock.store import Store
from specmock.verify.local import free_port  # noqa: F401  (re-exported for the tests)

# Every handler call the in-process tests make is also worked out Connexion's way and compared.
arguments.CROSS_CHECK = True
routes.CROSS_CHECK = True  # and every route Connexion's router is asked for too

# Property tests explore the same examples on every run: CI results do not depend on luck.
hypothesis.settings.register_profile("specmock", derandomize=True, deadline=None, database=None)
hypothesis.settings.load_profile("specmock")

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
from starlette.testclient import TestClient  # noqa: E402

# Credentials exactly as the documents show them.
PROVIDER_TOKEN = (
    'Token token="eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJleHAiOjE1NTQ3NTk1MzYsImlhdCI6MTU1NDc0NTEzNiwidXNlcl9pZCI6Im'
    "NlNTk3YWRiLWU3ZjEtNGU5Yi1hYTVhLTk1ZTJiZjgyOTcxNCIsImFiaWxpdGllcyI6eyIwMDMyNDAwMDAwNGlqV1MiOnsiUHJvdmlkZXJzIjpbInR"
    'lc3QgcHJvdmlkZXIiXX19fQ.-HgJWE0ZcIfzOzxtxY5IcqevEL47PJlVXBqUuLtPZT4"'
)
SHARING_TOKEN = (
    'Token token="eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJleHAiOjE0NDkwNjU2NzUsImFiaWxpdGllcyI6eyIwMDMyNDAwMDAwNGlqV1'
    "MiOnsiU2hhcmluZ3MiOnsic2hhcmluZyI6IntcImVuXCI6IFwiSG9tZXBhZ2VcIiwgXCJmclwiOiBcIlBhZ2UgZCdhY2NldWlsXCJ9In19fSwid"
    'XNlcl9pZCI6IjM1NWI1ZjExLWYxYWUtNDIxMi04MjRhLWFmNzdkYzhmNGJiZiJ9.LmKa9Pw5ByOSWvL4i7-EjYtyG4enXJSy2YfAT9t20yI"'
)
DOWNLOAD_TOKEN = (
    'Token token="eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiNTRkMzdhODMtMDQxZC00YWIwLWJjOTYtNzE2MmYzYzU3Zm'
    "M4IiwiYWJpbGl0aWVzIjp7IjAwMTAwMDAwMTIzQkI2NiI6eyJBY2Nlc3MiOnsiaW1hZ2VfbGlzdCI6dHJ1ZX19fSwiZG93bmxvYWQiOnRydWUsI"
    'mlzcyI6Ijk3ZWZkMTE5LTU0NzAtNDIwMi05YjQyLTU2NzI3ZWU2NjgyMiJ9.Msem0FCLGFckNdjrz35LWwyNOgHAsFbvKcMtJ38A3VM"'
)
BEARER = "Bearer TOKEN_FETCHED_FROM_SERVER_DURING_REGISTRATION"
# The bundled contract, as the mock serves it by default (lenient mode).
BUNDLED = Contract.load([bundled_contract_path()])
API_NAMES = tuple(BUNDLED.documents)


def demo_headers(api: str) -> dict[str, str]:
    """The demo credentials of one bundled API, as its docs page shows them."""
    from specmock.auth import credentials_of, demo_credentials

    document = BUNDLED.documents[api]
    return demo_credentials(document, credentials_of(document), Settings().jwt_secret)
FORM = "application/x-www-form-urlencoded"


def make_client(settings: Settings, store: Store | None = None) -> TestClient:
    """An in-process client of the mock on ``store`` (a new memory store by default; the app seeds
    an empty store)."""
    store = store if store is not None else Store.memory()
    # Host "localhost": the mock answers only Host values that name it (specmock/hosts.py).
    client = TestClient(create_app(settings, store), base_url="http://localhost", raise_server_exceptions=False)
    client.store = store  # type: ignore[attr-defined]
    return client


@pytest.fixture
def settings() -> Settings:
    return Settings(validate_responses=True)


@pytest.fixture
def client(settings: Settings) -> TestClient:
    with make_client(settings) as test_client:
        yield test_client


@pytest.fixture(params=["memory", "file"])
def store(request, tmp_path) -> Store:
    """Every store test runs on both backends."""
    backend = Store.memory() if request.param == "memory" else Store.file(tmp_path / "db.json")
    yield backend
    backend.close()


