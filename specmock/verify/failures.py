"""The typed failures of specmock's checks: one class per rule, each with a stable code, the checks
that raise it and a title, the way Schemathesis's own failures are built.

Codes are never renumbered or reused: ``ST95x`` are the multi-user checks, ``ST96x`` lists and
paging, ``ST97x`` links, ``ST99x`` the first checks; ``ST98x`` are left to domain check modules
(a document's ``x-specmock.checks``), whose failures subclass :class:`DomainFailure` too.
"""

from __future__ import annotations

from typing import ClassVar

from schemathesis.core.failures import Failure, Severity


class DomainFailure(Failure):
    """A response breaks a rule the contract states."""

    code: ClassVar[str] = "ST990"
    kind_title: ClassVar[str] = "Domain rule broken"
    default_severity: ClassVar[Severity] = Severity.MEDIUM

    def __init__(self, *, operation: str | None, message: str, title: str | None = None) -> None:
        super().__init__(operation=operation, message=message, title=title, severity=self.default_severity)


class OtherCallerReachesItem(DomainFailure):
    code = "ST951"
    kind_title = "Another caller reached an item that is not theirs"
    checks = ("owner_only_item_access",)
    default_severity = Severity.CRITICAL


class ListShowsOthersItems(DomainFailure):
    code = "ST952"
    kind_title = "A list shows another caller's items"
    checks = ("owner_only_lists",)
    default_severity = Severity.CRITICAL


class PagingBroken(DomainFailure):
    code = "ST961"
    kind_title = "Paging loses, repeats or misplaces items"
    checks = ("paging_consistent",)
    default_severity = Severity.HIGH


class ListLagsWrites(DomainFailure):
    code = "ST962"
    kind_title = "A list does not show what a write did"
    checks = ("lists_show_writes",)
    default_severity = Severity.HIGH


class LinkBroken(DomainFailure):
    code = "ST971"
    kind_title = "A link in an answer does not lead to what the contract says"
    checks = ("links_resolve",)
    default_severity = Severity.HIGH


class ReadBackMismatch(DomainFailure):
    code = "ST992"
    kind_title = "Created resource does not read back equal"
    checks = ("created_reads_back_equal",)
