"""Wiring for a running server: the store the settings ask for, seeded, the app on it, and the
process's life around it (log output, a graceful stop that exits 0)."""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import sys
import typing as t
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

from connexion import AsyncApp

from specmock.engine.app import create_app
from specmock.settings import Settings
from specmock.storage import StorageError
from specmock.store import Store

# How long a graceful stop waits for the requests already received (then cancels what still runs:
# only a request delayed on purpose, --latency or Prefer: latency, takes that long). Measured under
# 32 connections of creates with --db: every answer sent and the journal folded in ~0.3 s.
GRACEFUL_STOP_SECONDS = 10
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def configure_logging(level: str) -> None:
    """specmock's own messages (start-up warnings, errors, the store's figures at ``info``) to stderr."""
    logger = logging.getLogger("specmock")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(level.upper())


def open_store(settings: Settings) -> Store:
    """A file store when ``--db`` is given, else a memory store (the app seeds either when empty)."""
    return Store.file(settings.db, recover=settings.db_recover) if settings.db else Store.memory()


def app_from_env() -> AsyncApp:
    """The app for ``uvicorn --factory``: settings from SPECMOCK_* variables. On a clean stop the
    store is closed, which folds a ``--db`` journal into the file."""
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    store = open_store(settings)

    @asynccontextmanager
    async def closing_store(app: object) -> AsyncIterator[None]:
        yield
        store.close()

    return create_app(settings, store, lifespan=closing_store)


def app_for_reload() -> t.Any:
    """``app_from_env`` for ``--reload``, where uvicorn builds the app in a process of its own. A
    document that does not load, or a database that cannot be opened, is printed (no traceback), and
    until a watched file changes every request is answered with a 503 saying so: a request must not
    wait, unanswered, while someone mends a file."""
    from specmock.contract import SpecError

    try:
        return app_from_env()
    except SpecError as error:
        print(f"specmock serve: {error}", file=sys.stderr)
        return unavailable(f"The contract cannot be served: {error}; it reloads once the file is mended.")
    except StorageError as error:
        print(f"specmock serve: {error}", file=sys.stderr)
        return unavailable(f"The data cannot be opened: {error}; it reloads when a watched file changes.")


def unavailable(detail: str) -> t.Callable[..., t.Awaitable[None]]:
    """An ASGI app answering every request with a 503 problem holding ``detail``."""
    from specmock.hosts import send_problem

    async def app(scope: t.Any, receive: t.Any, send: t.Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
        elif scope["type"] == "http":
            await send_problem(send, 503, detail, scope["path"], headers=((b"retry-after", b"1"),))

    return app


def uvicorn_settings(settings: Settings) -> dict[str, t.Any]:
    """What uvicorn is told of the settings, served directly or through ``--reload``'s watcher."""
    from specmock.limits import uvicorn_options

    # uvicorn writes a line per request at INFO; below that level it would build each one for nothing.
    access_log = logging.getLevelName(settings.log_level.upper()) <= logging.INFO
    return {"host": settings.host, "port": settings.port, "log_level": settings.log_level, "loop": settings.loop,
            "access_log": access_log, "timeout_graceful_shutdown": GRACEFUL_STOP_SECONDS, **uvicorn_options(settings)}


def listening_socket(settings: Settings) -> socket.socket:
    """The server's socket, bound to ``--host`` and ``--port`` (as uvicorn binds one): a port in use
    or an address this machine does not have is a ``ValueError`` saying so, before anything starts."""
    # IPPROTO_TCP named, as getaddrinfo names it: asyncio turns Nagle's algorithm off only on connections
    # of a socket whose protocol says TCP, and with it on, an answer's body waited ~40 ms for an ACK.
    sock = socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET, socket.SOCK_STREAM,
                         socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.host, settings.port))
    except OSError as error:
        sock.close()
        where = f"[{settings.host}]" if ":" in settings.host else settings.host
        reason = (error.strerror or str(error)).lower()
        raise ValueError(f"cannot listen on {where}:{settings.port}: {reason} (--host, --port)") from None
    sock.set_inheritable(True)
    return sock


def run(app: AsyncApp, settings: Settings, sock: socket.socket) -> int:
    """Serve ``app`` on ``sock`` until SIGTERM or SIGINT, then stop gracefully: no new connections,
    every request already received answered (within ``GRACEFUL_STOP_SECONDS``), the store closed.
    Exit status 0."""
    import uvicorn

    config = uvicorn.Config(app, **uvicorn_settings(settings))
    with _signals_end_gracefully():
        uvicorn.Server(config).run(sockets=[sock])
    return 0


@contextlib.contextmanager
def _signals_end_gracefully() -> Iterator[None]:
    """uvicorn answers a stop signal with its graceful shutdown, then restores the handlers it found
    and raises the signal again, so that the default action (death by the signal, status -15) runs
    after all. Found handlers that do nothing: the stop was graceful, the process ends normally."""
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
