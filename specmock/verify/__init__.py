"""Contract verification: run the contract's checks against any implementation."""

from specmock.verify.runner import RunOptions
from specmock.verify.runner import verify as run
from specmock.verify.target import Target, UsageError

__all__ = ["RunOptions", "Target", "UsageError", "run"]
