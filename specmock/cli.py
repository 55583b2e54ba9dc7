"""The ``specmock`` command: parses options and wires the pieces; no logic of its own."""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import typing as t
import warnings
from pathlib import Path

from specmock.settings import AUTH_MODES, LOG_LEVELS, LOOPS, Settings

USAGE_ERRORS: tuple[type[Exception], ...] = (ValueError,)


def _serve_parser(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="start the mock server", description=(
        "Serve OpenAPI 3.0 contracts as a stateful mock: each SPEC is a document (YAML or JSON) or a folder "
        "of them; without one, the bundled media-request contract. Each option can also be set with the "
        "environment variable named in brackets."))
    serve.add_argument("specs", nargs="*", type=Path, metavar="SPEC",
                       help="contract documents or folders of them [SPECMOCK_SPECS] (default: the bundled contract)")
    serve.add_argument("--handlers", action="append", metavar="MODULE",
                       help="module of domain handlers, functions named by operationId: a dotted name or a .py file "
                            "(repeatable) [SPECMOCK_HANDLERS]")
    serve.add_argument("--host", help="address to bind [SPECMOCK_HOST] (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port [SPECMOCK_PORT] (default 8000)")
    serve.add_argument("--db", type=Path, help="TinyDB file to persist to [SPECMOCK_DB] (default: in memory)")
    serve.add_argument("--db-recover", dest="db_recover", action="store_const", const=True,
                       help="open a damaged --db anyway: keep what is sound, move the damaged file aside to "
                            "<file>.damaged-<time> [SPECMOCK_DB_RECOVER]")
    serve.add_argument("--fixtures", type=Path,
                       help="folder of <document>.json seed files [SPECMOCK_FIXTURES] (default: each document's own)")
    serve.add_argument("--auth", choices=AUTH_MODES, help="credential checks [SPECMOCK_AUTH] (default lenient)")
    serve.add_argument("--jwt-secret", dest="jwt_secret",
                       help="HS256 secret for strict mode and X-token [SPECMOCK_JWT_SECRET]")
    serve.add_argument("--cors-origin", dest="cors_origin",
                       help="allowed CORS origin [SPECMOCK_CORS_ORIGIN] (default *)")
    serve.add_argument("--latency", dest="latency_ms", type=int, metavar="MS",
                       help="delay every answer [SPECMOCK_LATENCY_MS]")
    serve.add_argument("--max-body", dest="max_body_bytes", type=int, metavar="BYTES",
                       help="largest accepted request body [SPECMOCK_MAX_BODY_BYTES] (default 1048576)")
    serve.add_argument("--validate-responses", dest="validate_responses", action="store_const", const=True,
                       help="check every answer against the contract [SPECMOCK_VALIDATE_RESPONSES]")
    serve.add_argument("--admin", action="store_const", const=True,
                       help="allow /__admin on a non-loopback address [SPECMOCK_ADMIN]")
    serve.add_argument("--public-url", dest="public_url",
                       help="URL clients use to reach the mock [SPECMOCK_PUBLIC_URL]")
    serve.add_argument("--reload", action="store_const", const=True, help="restart when specs or code change")
    serve.add_argument("--log-level", dest="log_level", choices=LOG_LEVELS, type=str.lower,
                       help="log level [SPECMOCK_LOG_LEVEL] (default warning; info and debug log each request)")
    serve.add_argument("--loop", choices=LOOPS, help="event loop [SPECMOCK_LOOP] (default asyncio: fairer under load)")
    _safety_options(serve)


def _safety_options(serve: argparse.ArgumentParser) -> None:
    """Host checks and connection limits (specmock/hosts.py, specmock/limits.py); defaults in Settings."""
    defaults = Settings()
    serve.add_argument("--allowed-host", dest="allowed_hosts", action="append", metavar="HOST",
                       help="also answer requests whose Host is HOST (repeatable; .example.test: that domain and "
                            "its subdomains; *: any host) [SPECMOCK_ALLOWED_HOSTS, comma-separated]")
    for flag, name, metavar, text in (
        ("--idle-timeout", "idle_timeout", "S", "close a connection idle for S seconds"),
        ("--header-timeout", "header_timeout", "S", "a request's head must arrive within S seconds (408)"),
        ("--request-timeout", "request_timeout", "S", "a whole request must arrive within S seconds (408)"),
        ("--max-header-bytes", "max_header_bytes", "BYTES", "largest request head (431)"),
        ("--max-headers", "max_headers", "N", "most header fields in a request (431)"),
        ("--max-connections", "max_connections", "N", "most open connections (the longest idle one makes room)"),
        ("--max-concurrency", "max_concurrency", "N", "most requests handled at once (503)"),
    ):
        default = getattr(defaults, name)
        serve.add_argument(flag, dest=name, type=type(default), metavar=metavar,
                           help=f"{text} [SPECMOCK_{name.upper()}] (default {default:g})")


def _token_parser(sub: argparse._SubParsersAction) -> None:
    token = sub.add_parser("token", help="print ready-made credentials for the contract's demo users", description=(
        "Print each document's demo credential (signed with the server's secret, so it passes strict mode); "
        "--claims mints a JWT with the claims you give instead."))
    token.add_argument("specs", nargs="*", type=Path, metavar="SPEC", help="contract documents (default: bundled)")
    token.add_argument("--user", help="only the credentials of this user (user_id, sub or username)")
    token.add_argument("--claims", help="mint a JWT with these claims (JSON), for every header scheme")
    token.add_argument("--secret", help="HS256 secret [SPECMOCK_JWT_SECRET]")


def _verify_parser(sub: argparse._SubParsersAction) -> None:
    verify = sub.add_parser("verify", help="check an implementation against the contract", description=(
        "Run Schemathesis (examples, coverage, fuzzing and stateful phases, every check, plus specmock's domain "
        "checks) against a running implementation. Exit 0: honours the contract; 1: violates it; 2: usage or "
        "connection error."))
    verify.add_argument("--base-url", dest="base_url", default=os.environ.get("SPECMOCK_BASE_URL"),
                        help="where the implementation answers, e.g. http://127.0.0.1:8000 [SPECMOCK_BASE_URL]")
    verify.add_argument("--spec", dest="specs", action="append", type=Path, metavar="SPEC",
                        help="contract document or folder to verify against (repeatable; default: the bundled one)")
    verify.add_argument("--api", dest="apis", action="append", metavar="NAME",
                        help="document to verify, by name (repeatable; default: all)")
    verify.add_argument("-H", "--header", dest="headers", action="append", metavar="'NAME: VALUE'",
                        help="header sent with every request (repeatable; default: the mock's demo credentials)")
    verify.add_argument("--second-header", "--header2", dest="second_headers", action="append",
                        metavar="'NAME: VALUE'",
                        help="a second user's header, sent in place of the --header of the same name by the checks "
                             "that one user cannot reach another's data (repeatable; default with no --header: a "
                             "second demo user of the mock)")
    verify.add_argument("--phases", help="comma-separated subset of examples,coverage,fuzzing,stateful")
    verify.add_argument("-n", "--max-examples", dest="max_examples", type=_count, help="examples per operation")
    verify.add_argument("--seed", type=int, help="random seed (default: fixed in specmock/verify/schemathesis.toml)")
    verify.add_argument("-w", "--workers", type=_count, help="concurrent workers per API")
    verify.add_argument("--junit", type=Path, help="write a JUnit XML file")
    verify.add_argument("--report", type=Path, help="write a report: Markdown for .md, HTML otherwise")


def _count(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, not {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    from importlib.metadata import version

    parser = argparse.ArgumentParser(prog="specmock", description="Spec-driven contract mock and test harness.")
    parser.add_argument("--version", action="version", version=f"specmock {version('specmock')}")
    sub = parser.add_subparsers(dest="command", required=True)
    _serve_parser(sub)
    _token_parser(sub)
    _verify_parser(sub)
    imp = sub.add_parser("import", help="convert legacy API documents into an OpenAPI draft")
    imp.add_argument("files", nargs="+")
    imp.add_argument("--format", default="auto", metavar="FORMAT",
                     help="auto (detect each file's), or one reader by name; an unknown name lists them")
    imp.add_argument("-o", "--output")
    imp.add_argument("--report")
    return parser


def banner(settings: Settings, contract: t.Any) -> str:
    lines = [f"specmock serving on {settings.base_url} (auth: {settings.auth}, data: {settings.db or 'in memory'})"]
    for name, document in contract.documents.items():
        api = f"{settings.base_url}{document.base_path}"
        lines.append(f"  {document.title:<18} {api:<32} docs: {settings.base_url}/docs/{name}/")
    lines.append(f"  {'landing page':<18} {settings.base_url}/")
    return "\n".join(lines)


# Connexion imports Starlette's test client, which warns about its httpx backend on import.
STARLETTE_TESTCLIENT_WARNING = "Using `httpx` with `starlette.testclient` is deprecated"
QUIET_IMPORT_WARNING = f"ignore:{STARLETTE_TESTCLIENT_WARNING}"
GC_THRESHOLDS = (50_000, 20, 100)


def reload_dirs(settings: Settings) -> list[str]:
    """What ``--reload`` watches: specmock's code, the served documents' folders, the handler
    modules' and the fixtures."""
    from specmock.contract import bundled

    folders = {bundled("specmock"), bundled("specmock.media")}
    folders |= {path if path.is_dir() else path.parent for path in map(Path.resolve, settings.contract_sources)}
    folders |= {Path(name).resolve().parent for name in settings.handlers if name.endswith(".py")}
    if settings.fixtures:
        folders.add(settings.fixtures.resolve())
    return sorted(map(str, folders))


def _environment(key: str, value: t.Any) -> str:
    if key == "specs":
        return os.pathsep.join(str(Path(path).resolve()) for path in value)
    if key in ("handlers", "allowed_hosts"):
        return ",".join(value)
    return str(value)


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings of ``serve``: the environment's, then the options given (an option not given is
    None; one given as 0 or "" is given, and checked). They are put in the environment too, where a
    ``--reload`` worker reads them."""
    options = {k: v for k, v in vars(args).items() if k not in ("command", "reload")}
    options["specs"] = tuple(args.specs) or None
    options["handlers"] = tuple(args.handlers or ()) or None
    settings = Settings.from_env(**options)
    for key, value in options.items():
        if value is not None:
            os.environ[f"SPECMOCK_{key.upper()}"] = _environment(key, value)
    return settings


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from specmock import server
    from specmock.contract import Contract

    settings = settings_of(args)
    # A broken contract, or a damaged, locked or unwritable --db, is refused here with its message
    # (main prints it): no traceback, no watcher started. With --reload the worker opens the store
    # again, once this check has closed it.
    if args.reload:
        contract = Contract.load(list(settings.contract_sources), settings.auth)
        if settings.db:
            server.open_store(settings).close()
        server.listening_socket(settings).close()  # the watcher binds it again, now known to be free
    else:
        app = server.app_from_env()
        contract = app.contract
    sock = None if args.reload else server.listening_socket(settings)
    print(banner(settings, contract), flush=True)
    gc.freeze()  # the specs and fixtures live as long as the server: keep them out of every collection
    # Requests allocate many short-lived containers; collecting every 700 allocations cost ~3 % of a
    # create's time and made some answers wait for a collection (measured with wrk, 32 connections:
    # create 3,242 -> 3,337 req/s, p99 19.3 -> 10.4 ms).
    gc.set_threshold(*GC_THRESHOLDS)
    if not args.reload:
        return server.run(app, settings, sock)
    # The worker is a new interpreter: it hears the warning filter through the environment.
    os.environ["PYTHONWARNINGS"] = ",".join(filter(None, (os.environ.get("PYTHONWARNINGS"), QUIET_IMPORT_WARNING)))
    uvicorn.run("specmock.server:app_for_reload", factory=True, reload=True, reload_dirs=reload_dirs(settings),
                reload_includes=["*.py", "*.yaml", "*.yml", "*.json"], **server.uvicorn_settings(settings))
    return 0


def token(args: argparse.Namespace) -> int:
    from specmock.auth import credentials_of, demo_credentials, mint
    from specmock.contract import Contract

    if args.secret == "":
        raise ValueError("--secret must not be empty")
    settings = Settings.from_env(jwt_secret=args.secret, specs=tuple(args.specs) or None)
    contract = Contract.load(list(settings.contract_sources), settings.auth)
    try:
        claims = json.loads(args.claims) if args.claims else None
    except json.JSONDecodeError as error:
        raise ValueError(f"--claims is not JSON: {error}") from None
    if claims is not None and not isinstance(claims, dict):
        raise ValueError("--claims must be a JSON object")
    printed: set[str] = set()
    users: list[str] = []
    for document in contract.documents.values():
        credentials = credentials_of(document)
        values = demo_credentials(document, credentials, settings.jwt_secret)
        if claims is not None:
            values = {credential.field: credential.written(mint(claims, settings.jwt_secret))
                      for credential in credentials.values() if credential.location == "header"}
        for header, value in values.items():
            credential = next(c for c in credentials.values() if c.field == header)
            who = _who(credential.token(value))
            users.extend(name for name in who[-1:] if name not in users)
            if (args.user is None or args.user in who) and value not in printed:
                printed.add(value)
                print(f"# {document.title}: {who[-1] if who else 'demo'}\n{header}: {value}")
    if not printed:
        print(f"specmock token: no demo user {args.user!r}; the demo users are: {', '.join(users)}", file=sys.stderr)
        return 2
    return 0


def _who(token: str) -> list[str]:
    """What names the user behind a token: its claims' user_id, sub and username, else the token."""
    from specmock.auth import decode_unverified

    claims = decode_unverified(token)
    if claims is None:
        return [token]
    return [str(claims[key]) for key in ("user_id", "sub", "username") if key in claims]


def verify(args: argparse.Namespace) -> int:
    from specmock.verify import RunOptions, Target, UsageError, run

    if not args.base_url:
        print("specmock verify: --base-url (or SPECMOCK_BASE_URL) is required", file=sys.stderr)
        return 2
    try:
        target = Target(args.base_url, **{key: value for key, value in (
            ("specs", args.specs), ("apis", args.apis), ("headers", args.headers),
            ("second_headers", args.second_headers),
            ("phases", args.phases.split(",") if args.phases else None)) if value})
    except UsageError as error:
        print(f"specmock verify: {error}", file=sys.stderr)
        return 2
    return run(target, RunOptions(max_examples=args.max_examples, seed=args.seed, workers=args.workers,
                                  junit=args.junit, report=args.report))


def import_(args: argparse.Namespace) -> int:
    from specmock.importers.cli import import_command

    return import_command(args.files, args.format, args.output, args.report)


def main(argv: list[str] | None = None) -> int:
    # A tool's output starts with its own words: Connexion imports Starlette's test client, which
    # warns about its httpx backend on import.
    warnings.filterwarnings("ignore", message=STARLETTE_TESTCLIENT_WARNING)
    args = build_parser().parse_args(argv)
    from specmock.contract.loading import SpecError
    from specmock.storage import StorageError

    try:
        status = {"serve": serve, "token": token, "verify": verify, "import": import_}[args.command](args)
        sys.stdout.flush()  # a reader that has gone shows here, not as an error at exit
        return status
    except (*USAGE_ERRORS, SpecError, StorageError) as exc:
        print(f"specmock {args.command}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader of the output has gone (``specmock token | head -1``): the rest is dropped, as
        # by a tool that SIGPIPE ends, and so is what is still buffered when the interpreter exits.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
