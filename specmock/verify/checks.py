"""specmock's checks, registered with Schemathesis: the module ``specmock/verify/schemathesis.toml``
names as its ``hooks``.

Importing it registers the generic checks, each derived from the contract's resources, paging,
links and media types (so they apply to any contract specmock serves), then the domain check
modules the document under test names in ``x-specmock.checks`` (``specmock verify`` passes them in
``SPECMOCK_VERIFY``). Every check is a small function ``(ctx, response, case)`` that returns
silently when the response honours its rule and raises a typed failure
(:mod:`specmock.verify.failures`) naming the rule when it does not.

Generic checks: ``created_reads_back_equal``, ``lists_show_writes`` (:mod:`specmock.verify.writes`),
``paging_consistent`` (:mod:`specmock.verify.paging`), ``links_resolve``
(:mod:`specmock.verify.links`), ``owner_only_lists``, ``owner_only_item_access``
(:mod:`specmock.verify.ownership`).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

# Importing registers them; checks run in the order they were registered, and ownership imports
# writes, so a write's read-back and lists are checked before another caller tries the item.
from specmock.verify import links, ownership, paging, writes  # noqa: F401
from specmock.verify.context import settings
from specmock.verify.failures import DomainFailure


def load_domain_checks(modules: Iterable[str]) -> None:
    """Import (and so register) domain check modules, each once."""
    for name in dict.fromkeys(modules):
        importlib.import_module(name)


load_domain_checks(settings().get("checks") or [])

__all__ = ["DomainFailure", "load_domain_checks"]
