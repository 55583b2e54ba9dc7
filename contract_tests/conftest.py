"""Options and fixtures of the contract suite: which implementation, which APIs, which credentials.

    pytest contract_tests                                   # the in-process mock, over real HTTP
    pytest contract_tests --base-url http://127.0.0.1:8000  # any running implementation
    pytest contract_tests --base-url URL --header 'Authorization: Token token="..."' --api downloads
    pytest contract_tests --base-url URL --header 'Authentication: Bearer A' --second-header 'Authentication: Bearer B'
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from schemathesis import Config

from specmock.contract import Contract, bundled_contract_path
from specmock.engine.app import create_app
from specmock.settings import Settings
from specmock.store import Store
from specmock.verify.checks import load_domain_checks
from specmock.verify.context import ENV
from specmock.verify.local import LocalServer
from specmock.verify.runner import check_settings
from specmock.verify.settings import settings_text
from specmock.verify.target import Target, UsageError, parse_header


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("specmock", "contract verification")
    group.addoption("--base-url", default=os.environ.get("SPECMOCK_BASE_URL"),
                    help="implementation to verify (default: the in-process mock) [SPECMOCK_BASE_URL]")
    group.addoption("--header", action="append", default=[], metavar="'NAME: VALUE'",
                    help="header sent with every request (default: the mock's demo credentials)")
    group.addoption("--second-header", action="append", default=[], metavar="'NAME: VALUE'",
                    help="a second user's header, for the checks that one user cannot reach another's data")
    group.addoption("--api", action="append", default=[], help="API to verify, by document name (repeatable)")


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Target:
    options = request.config.option
    selection = {key: value for key, value in (("apis", options.api), ("headers", options.header),
                                               ("second_headers", options.second_header)) if value}
    if options.base_url:
        try:
            target = Target(options.base_url, **selection)
            target.probe()
        except UsageError as error:
            pytest.exit(f"specmock contract suite: {error}", returncode=2)
        yield target
        return
    settings = Settings(validate_responses=True)
    with LocalServer(create_app(settings, Store.memory())) as server:
        yield Target(server.url, **selection)


API_NAMES = list(Contract.load([bundled_contract_path()]).documents)


@pytest.fixture(params=API_NAMES)
def api_schema(request: pytest.FixtureRequest, target: Target, monkeypatch: pytest.MonkeyPatch
               ) -> schemathesis.BaseSchema:
    name = request.param
    if name not in target.apis:
        pytest.skip(f"{name} not selected with --api")
    # What `specmock verify` hands each run: both callers and the document's domain checks.
    settings = check_settings(target, name)
    monkeypatch.setenv(ENV, json.dumps(settings))
    load_domain_checks(settings["checks"])
    schema = schemathesis.openapi.from_dict(target.spec(name), config=Config.from_str(settings_text(target.spec(name))))
    schema.config.update(base_url=target.api_url(name),
                         headers=dict(parse_header(h) for h in target.headers_for(name)))
    return schema
