"""The contract: OpenAPI 3.0 documents loaded, bundled and checked (``loading``), what specmock reads
from their ``x-specmock`` extension (``manifest``), the questions the engine asks of them
(``model``) and the resources inferred from their paths (``resources``). Nothing here knows an API
by name."""

from specmock.contract.loading import SpecError, bundled, load_document, operations
from specmock.contract.manifest import Manifest, Note
from specmock.contract.model import AUTH_MODES, Contract, Document, Operation

BUNDLED = "specmock.media.openapi"


def bundled_contract_path():
    """The folder of the contract specmock serves when it is given none: the media-request APIs."""
    return bundled(BUNDLED)


__all__ = ["AUTH_MODES", "BUNDLED", "Contract", "Document", "Manifest", "Note", "Operation", "SpecError",
           "bundled", "bundled_contract_path", "load_document", "operations"]
