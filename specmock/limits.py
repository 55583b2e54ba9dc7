"""Connection limits of ``specmock serve``: idle, slow, oversized and numerous clients get a bounded share,
so every other client keeps being answered.

uvicorn runs its httptools protocol (httptools comes with ``connexion[uvicorn]``), which on uvicorn 0.54
and httptools 0.9 bounds none of these (each one tried on a real server):

* a connection that sends nothing stays open for ever: the keep-alive timer is armed only after an answer;
* a client trickling a request's head resets that timer with every byte and stays for ever (slowloris);
* neither the size nor the number of header fields is bounded: a 1 MiB header and 10,000 headers get 200,
  and httptools keeps a header being received in memory, however long it grows;
* ``limit_concurrency`` counts open connections as well as requests: a thousand idle connections would turn
  every other client away with 503.

``GuardedHttp`` is that protocol with the bounds of ``Limits`` (from the settings):

* idle: a connection waiting for a request (new, or after an answer) is closed after ``idle_timeout`` s;
* slow: a request's head must arrive within ``header_timeout`` s of its first byte, the whole request (body
  included) within ``request_timeout`` s; otherwise it gets 408 and the connection closes;
* large: a head (request line and header fields) over ``max_header_bytes``, or with more than ``max_headers``
  fields, gets 431 and the connection closes as soon as the limit is passed, before more of it is kept;
* many: at most ``max_connections`` connections are open. One more closes the connection that has waited
  longest for a request (idle, or still sending its head), or is answered 503 when every connection has a
  request in flight. At most ``max_concurrency`` requests are handled at once; more get 503 with
  ``Retry-After: 1``.

Every refusal is an RFC 9457 problem document, written by the protocol itself.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from specmock.hosts import send_problem
from specmock.problems import PROBLEM_JSON, problem_body
from specmock.settings import Settings

logger = logging.getLogger("specmock")
# Files a server needs besides its connections: the listening socket, the event loop's, logs, a --db file.
OTHER_FILES = 64
# The listen backlog (uvicorn's default). The event loop accepts up to this many connections at a time
# before any of them runs connection_made (where one over the limit makes room), and the connections
# closed to make room hold their files until the next turn of the loop: twice this many files are kept
# free. Without that headroom, 1,500 connections at once on a limit of 1,024 files stopped all accepting
# for a second (EMFILE) and other clients timed out.
BACKLOG = 2048
# Bytes a request line adds to its URL and a header field to its name and value ("GET ", " HTTP/1.1\r\n",
# ": " and "\r\n"): the head's size is counted as sent.
LINE_BYTES = 12
FIELD_BYTES = 4
LINGER_SECONDS = 2.0
LINGER_BYTES = 1024 * 1024
RETRY = ((b"retry-after", b"1"),)


@dataclass(frozen=True)
class Limits:
    idle_timeout: float
    header_timeout: float
    request_timeout: float
    max_header_bytes: int
    max_headers: int
    max_connections: int
    max_concurrency: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(**{field.name: getattr(settings, field.name) for field in dataclasses.fields(cls)})


def problem_response(status: int, detail: str, headers: list[tuple[bytes, bytes]]) -> bytes:
    """A whole HTTP/1.1 problem answer that closes the connection, for refusals made below ASGI."""
    payload = orjson.dumps(problem_body(status, detail))
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}".encode(), *(name + b": " + value for name, value in [
        *headers, (b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(payload)).encode()),
        (b"connection", b"close")])]
    return b"\r\n".join(lines) + b"\r\n\r\n" + payload


class GuardedHttp(HttpToolsProtocol):
    """uvicorn's httptools protocol with timeouts, head limits and connection limits (see the module)."""

    def __init__(self, *args: Any, limits: Limits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self.limit_concurrency = None  # counted here, on requests in flight only
        self.idle_since = 0.0  # when this connection last started waiting for a request
        self._refused = False
        self._awaiting_head = True  # the next bytes are (part of) a request's head
        self._began: float | None = None  # when the current request's first byte came
        self._deadline: Any = None  # the timer of the current request's header or request timeout
        self._head_bytes = 0  # bytes received while waiting for the head
        self._head_size = 0  # bytes of the head parsed so far
        self._fields = 0
        self._dropped = 0  # bytes read and dropped after a refusal
        self._busy = functools.partial(_busy, detail=(
            f"This server is handling {limits.max_concurrency} requests, as many as it takes at once "
            f"(--max-concurrency); try again in a moment"))

    # -- connections ----------------------------------------------------------------------------

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.idle_since = self.loop.time()
        if len(self.connections) > self.limits.max_connections and not self._make_room():
            self._refuse(503, f"This server has {self.limits.max_connections} connections open, each with a "
                              f"request in flight (--max-connections); try again in a moment", RETRY)
            return
        self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)

    def _make_room(self) -> bool:
        """Close the connection that has waited longest for a request; False if none is waiting."""
        waiting = [c for c in self.connections
                   if c is not self and isinstance(c, GuardedHttp) and c.waiting() and not c.transport.is_closing()]
        if not waiting:
            return False
        min(waiting, key=lambda connection: connection.idle_since).transport.close()
        return True

    def waiting(self) -> bool:
        """No request in flight or queued: idle, or still receiving a request's head."""
        return self.cycle is None or self.cycle.response_complete

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        self.idle_since = self.loop.time()
        super().on_response_complete()

    # -- receiving a request ----------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._refused:  # lingering after a refusal: dropped, up to LINGER_BYTES
            self._dropped += len(data)
            if self._dropped > LINGER_BYTES:
                self.transport.close()
            return
        if self._awaiting_head:
            self._head_bytes += len(data)
            self._request_began()
        super().data_received(data)
        if self._refused:
            return
        head_due = self._awaiting_head and self._began is not None  # a request's head is still arriving
        if head_due and self._head_bytes > self.limits.max_header_bytes:
            self._too_large(f"more than {self.limits.max_header_bytes} bytes")
        elif self._deadline is None and head_due:
            self._arm(self.limits.header_timeout, (
                f"The request's head did not arrive within {self.limits.header_timeout:g} s of its first byte "
                f"(--header-timeout)"))
        elif self._deadline is None and not self._awaiting_head:  # its body is still arriving
            self._arm(self.limits.request_timeout, (
                f"The request did not arrive whole within {self.limits.request_timeout:g} s of its first byte "
                f"(--request-timeout)"))

    def _request_began(self) -> None:
        if self._began is None:
            self._began = self.loop.time()

    def _arm(self, timeout: float, detail: str) -> None:
        assert self._began is not None
        delay = max(0.0, self._began + timeout - self.loop.time())
        self._deadline = self.loop.call_later(delay, self._too_slow, timeout, detail)

    def on_message_begin(self) -> None:
        if self._refused:
            return
        self._request_began()
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        if self._refused:
            return
        self._head_size += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._refused:
            return
        self._fields += 1
        self._head_size += len(name) + len(value) + FIELD_BYTES
        if self._fields > self.limits.max_headers:
            self._too_large(f"more than {self.limits.max_headers} header fields")
            return
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self._refused:
            return
        if self._head_size + LINE_BYTES > self.limits.max_header_bytes:
            self._too_large(f"{self._head_size + LINE_BYTES} bytes")
            return
        self._awaiting_head = False
        self._head_bytes = self._head_size = self._fields = 0
        self._cancel_deadline()  # the header timeout; data_received arms the request timeout if a body is due
        if len(self.tasks) < self.limits.max_concurrency:
            super().on_headers_complete()
            return
        app, self.app = self.app, self._busy  # uvicorn starts self.app for this request
        try:
            super().on_headers_complete()
        finally:
            self.app = app

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused:
            return
        self._cancel_deadline()
        self._awaiting_head, self._began = True, None
        super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        if not self._refused:
            super().send_400_response(msg)

    # -- refusing ---------------------------------------------------------------------------------

    def _too_large(self, size: str) -> None:
        self._refuse(431, f"The request's head has {size}; this server accepts at most {self.limits.max_headers} "
                          f"header fields in {self.limits.max_header_bytes} bytes (--max-headers, --max-header-bytes)")

    def _too_slow(self, timeout: float, detail: str) -> None:
        self._deadline = None
        cycle = self.cycle
        if self.flow.read_paused or (cycle is not None and cycle.waiting_for_100_continue):
            # The server is not reading (the application has not asked for the body yet): not the client's
            # delay. The client gets a whole new period from now.
            self._began = self.loop.time()
            self._arm(timeout, detail)
            return
        self._refuse(408, detail)

    def _refuse(self, status: int, detail: str, headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
        """Answer ``status`` (unless an answer has begun) and close the connection. A client still sending
        would get a reset instead of the answer if the connection closed on unread bytes: the answer is
        followed by the end of our side of the stream, and what the client sends is read and dropped
        until it closes its side, ``LINGER_SECONDS`` pass or ``LINGER_BYTES`` came."""
        self._refused = True
        self._cancel_deadline()
        cycle = self.cycle
        if self._awaiting_head:  # a new request: the previous one's answer must be complete
            answerable = cycle is None or cycle.response_complete
        else:  # the request of the current cycle: its answer must not have begun
            answerable = cycle is not None and not cycle.response_started
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True  # the application stops waiting for the body; what it sends is dropped
            cycle.message_event.set()
        if self.transport.is_closing():
            return
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
        logger.warning("%d for %s: %s", status, client, detail)
        if not answerable:
            self.transport.close()
            return
        self.transport.write(problem_response(status, detail, [*self.server_state.default_headers, *headers]))
        if not self.transport.can_write_eof():
            self.transport.close()
            return
        self.transport.write_eof()
        self.flow.resume_reading()
        self._deadline = self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None


async def _busy(scope: Any, receive: Any, send: Any, detail: str) -> None:
    await send_problem(send, 503, detail, scope["path"], headers=RETRY)


def open_file_limit(wanted: int) -> int:
    """Raise this process's soft limit on open files to ``wanted`` if the hard limit allows; the soft limit."""
    try:
        import resource
    except ImportError:  # not a Unix: no such limit to raise
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return wanted
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The options ``uvicorn.run`` needs to serve with the limits of ``settings``. The open-file limit is
    raised for them where the hard limit allows; where it does not, fewer connections are kept open."""
    limits = Limits.from_settings(settings)
    wanted = limits.max_connections + 2 * BACKLOG + OTHER_FILES
    files = open_file_limit(wanted)
    backlog = BACKLOG if files >= wanted else min(BACKLOG, max(16, files // 8))
    room = files - 2 * backlog - OTHER_FILES
    if room < limits.max_connections:
        logger.warning("specmock: the open-file limit (%d) allows %d connections, not %d (--max-connections); "
                       "raise it with ulimit -n", files, max(room, 1), limits.max_connections)
        limits = dataclasses.replace(limits, max_connections=max(room, 1))
    return {"http": functools.partial(GuardedHttp, limits=limits), "ws": "none", "backlog": backlog,
            "timeout_keep_alive": limits.idle_timeout, "limit_concurrency": None}
