"""The ``specmock`` command: parses options and wires the pieces; no logic of its own."""

from __future__ import annotations

import argparse
import gc
import os
import sys
import warnings
from pathlib import Path

from specmock.settings import AUTH_MODES, LOOPS, Settings
from specmock.spec import API_NAMES


def _serve_parser(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="start the mock server", description=(
        "Serve every API of the contract as a stateful mock. Each option can also be set with the "
        "environment variable named in brackets."))
    serve.add_argument("--host", help="address to bind [SPECMOCK_HOST] (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port [SPECMOCK_PORT] (default 8000)")
    serve.add_argument("--db", type=Path, help="TinyDB file to persist to [SPECMOCK_DB] (default: in memory)")
    serve.add_argument("--db-recover", dest="db_recover", action="store_const", const=True,
                       help="open a damaged --db anyway: keep what is sound, move the damaged file aside to "
                            "<file>.damaged-<time> [SPECMOCK_DB_RECOVER]")
    serve.add_argument("--fixtures", type=Path, help="seed data directory [SPECMOCK_FIXTURES] (default: fixtures/)")
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
    serve.add_argument("--log-level", dest="log_level", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--loop", choices=LOOPS, help="event loop [SPECMOCK_LOOP] (default asyncio: fairer under load)")


def _token_parser(sub: argparse._SubParsersAction) -> None:
    token = sub.add_parser("token", help="mint credentials for the fixture users")
    token.add_argument("--user", help="user id or username (default: every fixture user)")
    token.add_argument("--secret", help="HS256 secret [SPECMOCK_JWT_SECRET]")
    token.add_argument("--fixtures", type=Path, help="seed data directory [SPECMOCK_FIXTURES]")


def _verify_parser(sub: argparse._SubParsersAction) -> None:
    verify = sub.add_parser("verify", help="check an implementation against the contract", description=(
        "Run Schemathesis (examples, coverage, fuzzing and stateful phases, every check, plus specmock's domain "
        "checks) against a running implementation. Exit 0: honours the contract; 1: violates it; 2: usage or "
        "connection error."))
    verify.add_argument("--base-url", dest="base_url", default=os.environ.get("SPECMOCK_BASE_URL"),
                        help="where the implementation answers, e.g. http://127.0.0.1:8000 [SPECMOCK_BASE_URL]")
    verify.add_argument("--api", dest="apis", action="append", choices=API_NAMES,
                        help="API to verify (repeatable; default: all)")
    verify.add_argument("-H", "--header", dest="headers", action="append", metavar="'NAME: VALUE'",
                        help="header sent with every request (repeatable; default: the mock's demo credentials)")
    verify.add_argument("--phases", help="comma-separated subset of examples,coverage,fuzzing,stateful")
    verify.add_argument("-n", "--max-examples", dest="max_examples", type=int, help="examples per operation")
    verify.add_argument("--seed", type=int, help="random seed (default: fixed in contract_tests/schemathesis.toml)")
    verify.add_argument("-w", "--workers", type=int, help="concurrent workers per API")
    verify.add_argument("--junit", type=Path, help="write a JUnit XML file")
    verify.add_argument("--report", type=Path, help="write a report: Markdown for .md, HTML otherwise")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="specmock", description="Spec-driven contract mock and test harness.")
    sub = parser.add_subparsers(dest="command", required=True)
    _serve_parser(sub)
    _token_parser(sub)
    _verify_parser(sub)
    imp = sub.add_parser("import", help="convert legacy API documents into an OpenAPI draft")
    imp.add_argument("files", nargs="+")
    imp.add_argument("--format", default="auto", choices=["auto", "apiblueprint", "rspec-doc", "apipie"])
    imp.add_argument("-o", "--output")
    imp.add_argument("--report")
    return parser


def banner(settings: Settings) -> str:
    from specmock.contract import Contract

    lines = [f"specmock serving on {settings.base_url} (auth: {settings.auth}, data: {settings.db or 'in memory'})"]
    for name, spec in Contract(settings.apis, settings.auth).specs.items():
        api = f"{settings.base_url}{spec['servers'][0]['url']}"
        lines.append(f"  {spec['info']['title']:<18} {api:<32} docs: {settings.base_url}/docs/{name}/")
    lines.append(f"  {'landing page':<18} {settings.base_url}/")
    return "\n".join(lines)


GC_THRESHOLDS = (50_000, 20, 100)


def serve(args: argparse.Namespace) -> int:
    # Connexion imports Starlette's test client, which warns about its httpx backend on import.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    import uvicorn

    from specmock import server
    from specmock.storage import StorageError

    options = {k: v for k, v in vars(args).items() if k not in ("command", "reload")}
    settings = Settings.from_env(**options)
    for key, value in options.items():
        if value is not None:
            os.environ[f"SPECMOCK_{key.upper()}"] = str(value)
    if not args.reload:
        try:
            app = server.app_from_env()
        except StorageError as error:  # a damaged, locked or unwritable --db: say so, no traceback
            print(f"specmock serve: {error}", file=sys.stderr)
            return 2
    print(banner(settings), flush=True)
    gc.freeze()  # the specs and fixtures live as long as the server: keep them out of every collection
    # Requests allocate many short-lived containers; collecting every 700 allocations cost ~3 % of a
    # create's time and made some answers wait for a collection (measured with wrk, 32 connections:
    # create 3,242 -> 3,337 req/s, p99 19.3 -> 10.4 ms).
    gc.set_threshold(*GC_THRESHOLDS)
    if not args.reload:
        return server.run(app, settings)
    uvicorn.run("specmock.server:app_for_reload", factory=True, reload=True, host=settings.host,
                port=settings.port, log_level=settings.log_level, loop=settings.loop,
                reload_dirs=[str(Path(__file__).resolve().parent.parent)])
    return 0


def token(args: argparse.Namespace) -> int:
    from specmock.auth import mint
    from specmock.fixtures import load_fixtures

    settings = Settings.from_env(jwt_secret=args.secret, fixtures=args.fixtures)
    tables = load_fixtures(settings.fixtures, API_NAMES)
    found = 0
    for user in tables.get("users", []):
        if args.user in (None, user["id"], user.get("username")):
            claims = {"user_id": user["id"], "abilities": user.get("abilities", {})}
            if user.get("download"):
                claims["download"] = True
            header = f'Authorization: Token token="{mint(claims, settings.jwt_secret)}"'
            print(f"# {user.get('username', user['id'])}\n{header}")
            found += 1
    for user in tables.get("content_request_users", []):
        if args.user in (None, str(user["id"]), user.get("email")):
            print(f"# {user['email']}\nAuthentication: Bearer {user['token']}")
            found += 1
    if not found:
        print(f"specmock token: no fixture user {args.user!r}", file=sys.stderr)
        return 2
    return 0


def verify(args: argparse.Namespace) -> int:
    from specmock.verify import RunOptions, Target, UsageError, run

    if not args.base_url:
        print("specmock verify: --base-url (or SPECMOCK_BASE_URL) is required", file=sys.stderr)
        return 2
    try:
        target = Target(args.base_url, **{key: value for key, value in (
            ("apis", args.apis), ("headers", args.headers),
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
    args = build_parser().parse_args(argv)
    try:
        return {"serve": serve, "token": token, "verify": verify, "import": import_}[args.command](args)
    except ValueError as exc:
        print(f"specmock {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
