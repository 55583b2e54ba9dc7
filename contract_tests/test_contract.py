"""Every operation of every API, through Schemathesis's phases and checks, plus the stateful chains
that follow the specs' links (create -> read -> update -> complete -> delete)."""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from schemathesis.core.errors import NoLinksFound

schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_operation_honours_the_contract(case: schemathesis.Case) -> None:
    case.call_and_validate()


def test_stateful_chains_honour_the_contract(api_schema: schemathesis.BaseSchema) -> None:
    config = api_schema.config
    settings = hypothesis.settings(
        derandomize=True, database=None, deadline=None, suppress_health_check=list(hypothesis.HealthCheck),
        max_examples=config.generation.max_examples, stateful_step_count=config.phases.stateful.max_steps,
    )
    try:
        api_schema.as_state_machine().run(settings=settings)
    except NoLinksFound:
        pytest.skip("this API has a single operation: no links to follow")
