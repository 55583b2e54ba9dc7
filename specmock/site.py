"""The landing page (``/``) and each API's docs: Swagger UI at ``/docs/<api>/`` and the spec at
``/docs/<api>/openapi.json`` and ``openapi.yaml``."""

from __future__ import annotations

import html
from pathlib import Path

import orjson
import swagger_ui_bundle
import yaml
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

from specmock.auth import mint
from specmock.contract import DEMO_CALLERS, Contract
from specmock.problems import NotFound
from specmock.settings import Settings

DEMO_BEARER = DEMO_CALLERS["content_requests"].key


def demo_token(settings: Settings) -> str:
    """A JWT for the provider-requests demo user, signed with the server's secret."""
    return mint({"user_id": DEMO_CALLERS["provider_requests"].key,
                 "abilities": {"00324000004ijWS": {"Providers": ["test provider"], "Sharings": {}}},
                 "download": True}, settings.jwt_secret)


def _card(name: str, spec: dict, contract: Contract) -> str:
    info = spec["info"]
    base = contract.base_path(name)
    count = sum(1 for op in contract.operations.values() if op.api == name)
    docs = f"/docs/{name}/"
    rows = "".join(
        f"<li><code>{op.method.upper()} {html.escape(base + op.path)}</code> "
        f"{html.escape(op.spec.get('summary', ''))}</li>"
        for op in contract.operations.values() if op.api == name
    )
    return f"""
<section class="api" id="{name}">
  <h2><a href="{docs}">{html.escape(info['title'])}</a> <small>v{html.escape(info['version'])}</small></h2>
  <p>{count} operations under <code>{base}</code> &middot; source document
     <code>{html.escape(info.get('x-specmock-source', ''))}</code></p>
  <p class="links"><a class="docs" href="{docs}">Interactive docs</a>
     <a href="/docs/{name}/openapi.yaml">OpenAPI YAML</a> <a href="/docs/{name}/openapi.json">OpenAPI JSON</a></p>
  <ul>{rows}</ul>
</section>"""


def landing_page(settings: Settings, contract: Contract) -> str:
    cards = "".join(_card(name, spec, contract) for name, spec in contract.specs.items())
    token = demo_token(settings)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>specmock</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }}
code, pre {{ background: #f4f4f4; padding: .1rem .3rem; border-radius: 3px; word-break: break-all; }}
pre {{ padding: .6rem; white-space: pre-wrap; }}
section.api {{ border: 1px solid #ddd; border-radius: 6px; padding: .2rem 1rem; margin: 1rem 0; }}
.links a {{ margin-right: 1rem; }}
</style></head>
<body>
<h1>specmock</h1>
<p>A stateful stub of the media-request APIs, served from their OpenAPI contract
(auth mode <strong>{settings.auth}</strong>). What you create here can be read, changed and deleted;
<code>POST /__admin/reset</code> restores the seed data.</p>
{cards}
<h2 id="how-to">How to use this stub</h2>
<ol>
<li>Open an API's <em>Interactive docs</em>, press <strong>Authorize</strong> and paste a credential below.</li>
<li>Pick an operation, press <strong>Try it out</strong>, then <strong>Execute</strong>: the mock answers for real.</li>
</ol>
<p>Demo credentials:</p>
<ul>
<li>v1 APIs, header <code>Authorization</code>: <pre>Token token="{token}"</pre></li>
<li>Content requests, header <code>Authentication</code>: <pre>Bearer {DEMO_BEARER}</pre>
 (any other bearer token is another user)</li>
</ul>
<p>Steer answers with <code>Prefer: code=404</code>, <code>Prefer: example=NAME</code>,
<code>Prefer: dynamic=true</code> or <code>Prefer: latency=500</code>;
see what your UI sent at <a href="/__admin/requests">/__admin/requests</a>.</p>
</body></html>"""


SWAGGER_UI_DIR = Path(swagger_ui_bundle.swagger_ui_path)
SWAGGER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - specmock</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"><link rel="icon" href="/docs/assets/favicon-32x32.png">
</head><body>
<p style="font-family: sans-serif; margin: .5rem 1rem"><a href="/">&larr; all APIs</a></p>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
<script>
window.ui = SwaggerUIBundle({{
  url: "/docs/{name}/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout",
  persistAuthorization: true, displayRequestDuration: true, tryItOutEnabled: false
}});
</script></body></html>"""


def routes(settings: Settings, contract: Contract) -> list[tuple[str, object]]:
    page = landing_page(settings, contract)
    assets = {path.name: path for path in SWAGGER_UI_DIR.iterdir() if path.suffix in (".js", ".css", ".png")}

    def spec_of(request: Request) -> tuple[str, dict]:
        name = request.path_params["api"]
        if name not in contract.specs:
            raise NotFound(f"No API named {name!r}; known: {', '.join(contract.specs)}")
        return name, contract.specs[name]

    async def landing(request: Request) -> Response:
        return HTMLResponse(page)

    async def docs(request: Request) -> Response:
        name, spec = spec_of(request)
        return HTMLResponse(SWAGGER_PAGE.format(title=html.escape(spec["info"]["title"]), name=name))

    async def spec_json(request: Request) -> Response:
        return Response(orjson.dumps(spec_of(request)[1]), media_type="application/json")

    async def spec_yaml(request: Request) -> Response:
        document = yaml.safe_dump(spec_of(request)[1], sort_keys=False, allow_unicode=True)
        return Response(document, media_type="application/yaml")

    async def asset(request: Request) -> Response:
        path = assets.get(request.path_params["file"])
        if path is None:
            raise NotFound(f"No asset {request.path_params['file']}")
        return FileResponse(path)

    return [
        ("/", landing),
        ("/docs/assets/{file}", asset),
        ("/docs/{api}/", docs),
        ("/docs/{api}/openapi.json", spec_json),
        ("/docs/{api}/openapi.yaml", spec_yaml),
    ]
