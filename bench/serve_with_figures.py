"""``specmock serve`` that also prints the ``--db`` store's group-commit figures (writes, fsyncs,
answers released) when it stops: the store logs them at ``info``, which the server's own
``--log-level info`` would bury under an access-log line per request. For ``bench/durability.py``."""

from __future__ import annotations

import logging
import sys

from specmock import cli, server

_configure = server.configure_logging


def _configure_with_figures(level: str) -> None:
    _configure(level)
    logging.getLogger("specmock.storage").setLevel(logging.INFO)


server.configure_logging = _configure_with_figures

if __name__ == "__main__":
    sys.exit(cli.main(sys.argv[1:]))
