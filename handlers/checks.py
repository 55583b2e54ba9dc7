"""The media-request domain's checks for ``specmock verify`` (loaded through the documents'
``x-specmock.checks``): the content-request lifecycle and the photo platform's rotating ``X-token``."""

from specmock.verify.checks import (  # noqa: F401  (registered with Schemathesis when imported)
    created_reads_back_equal,
    list_agrees_with_query,
    status_transitions_enforced,
    xtoken_same_user,
)
