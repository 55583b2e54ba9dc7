"""The landing page (``/``) and each API's docs: Swagger UI at ``/docs/<api>/`` and the spec at
``/docs/<api>/openapi.json`` and ``openapi.yaml``.

The spec files are served as the contract states them. The copy that Swagger UI shows is adapted
so that "Try it out" works on this mock as it stands: its server is this mock's absolute URL, each
security scheme names the demo credential to paste, each form body starts from the body's example
(Swagger UI ignores a form body's example and would send an empty ``image_ids[]``), and form
fields left empty stay out of the body.
"""

from __future__ import annotations

import copy
import html
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
import swagger_ui_bundle
import yaml
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

from specmock.auth import mint
from specmock.contract import DEMO_CALLERS, Contract, Operation
from specmock.problems import NotFound
from specmock.settings import Settings
from specmock.spec import operations

DEMO_BEARER = DEMO_CALLERS["content_requests"].key
FORM = "application/x-www-form-urlencoded"
CREDENTIAL_NOTES = {
    "Authorization": "the caller is the JWT's <code>user_id</code>",
    "Authentication": "note the name, not <code>Authorization</code>; any other bearer token is another user",
}


def demo_token(settings: Settings) -> str:
    """A JWT for the provider-requests demo user, signed with the server's secret."""
    return mint({"user_id": DEMO_CALLERS["provider_requests"].key,
                 "abilities": {"00324000004ijWS": {"Providers": ["test provider"], "Sharings": {}}},
                 "download": True}, settings.jwt_secret)


def demo_credentials(settings: Settings) -> dict[str, str]:
    """The value to send in each credential header, by header name; it passes every auth mode."""
    return {"Authorization": f'Token token="{demo_token(settings)}"', "Authentication": f"Bearer {DEMO_BEARER}"}


def credential_headers(spec: dict[str, Any]) -> list[str]:
    """The headers the API's security schemes read, in the order the spec declares them."""
    schemes = spec.get("components", {}).get("securitySchemes", {}).values()
    return list(dict.fromkeys(scheme["name"] for scheme in schemes if scheme.get("in") == "header"))


def mock_url(settings: Settings, request: Request) -> str:
    """This mock's base URL as the browser reached it (or ``--public-url``)."""
    return (settings.public_url or str(request.base_url)).rstrip("/")


def e(value: Any) -> str:
    return html.escape(str(value))


# -- landing page ------------------------------------------------------------------------------


def _operation_item(name: str, op: Operation, base: str) -> str:
    tag = quote((op.spec.get("tags") or ["default"])[0])
    anchor = f"/docs/{name}/#/{tag}/{op.spec['operationId']}"
    return (f'<li><a href="{e(anchor)}"><code>{op.method.upper()} {e(base + op.path)}</code></a> '
            f"{e(op.spec.get('summary', ''))}</li>")


def _card(name: str, spec: dict[str, Any], contract: Contract, root: str) -> str:
    info = spec["info"]
    base = contract.base_path(name)
    ops = [op for op in contract.operations.values() if op.api == name]
    headers = ", ".join(f"<code>{e(header)}</code>" for header in credential_headers(spec)) or "none"
    items = "".join(_operation_item(name, op, base) for op in ops)
    return f"""
<section class="api" id="{name}" data-api="{name}">
  <h3><a class="title" href="/docs/{name}/">{e(info['title'])}</a>
      <span class="version">v{e(info['version'])}</span></h3>
  <dl>
    <dt>Operations</dt><dd class="count">{len(ops)}</dd>
    <dt>Base URL</dt><dd><code class="base-url">{e(root + base)}</code></dd>
    <dt>Credential header</dt><dd>{headers}</dd>
    <dt>Source document</dt><dd><code class="source">{e(info.get('x-specmock-source', ''))}</code></dd>
  </dl>
  <p class="links"><a class="docs" href="/docs/{name}/">Interactive docs</a>
     <a class="yaml" href="/docs/{name}/openapi.yaml">OpenAPI YAML</a>
     <a class="json" href="/docs/{name}/openapi.json">OpenAPI JSON</a></p>
  <ul class="operations">{items}</ul>
</section>"""


def _credentials_list(settings: Settings, contract: Contract) -> str:
    if settings.auth == "off":
        return "<p>This mock runs with <code>--auth off</code>: no credential is needed.</p>"
    values = demo_credentials(settings)
    users = {header: [spec["info"]["title"] for spec in contract.specs.values() if header in credential_headers(spec)]
             for header in values}
    items = "".join(
        f"<li>Header <code>{e(header)}</code> ({CREDENTIAL_NOTES[header]}), for {e(', '.join(titles))}:"
        f'<pre class="credential" data-header="{e(header)}">{e(values[header])}</pre></li>'
        for header, titles in users.items() if titles
    )
    return f"""<p>Demo credentials (press <strong>Authorize</strong> in the docs and paste the value):</p>
<ul class="credentials">{items}</ul>"""


def landing_page(settings: Settings, contract: Contract, root: str) -> str:
    cards = "".join(_card(name, spec, contract, root) for name, spec in contract.specs.items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>specmock</title>
<link rel="icon" href="/docs/assets/favicon-32x32.png">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }}
code, pre {{ background: #f4f4f4; padding: .1rem .3rem; border-radius: 3px; word-break: break-all; }}
pre {{ padding: .6rem; white-space: pre-wrap; user-select: all; }}
section.api {{ border: 1px solid #ddd; border-radius: 6px; padding: .2rem 1rem; margin: 1rem 0; }}
section.api .version {{ color: #666; font-size: .9em; font-weight: normal; }}
dl {{ display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }}
dt {{ color: #666; }} dd {{ margin: 0; }}
.links a {{ margin-right: 1rem; }}
</style></head>
<body>
<h1>specmock</h1>
<p>A stateful stub of the media-request APIs, served from their OpenAPI contract at <code>{e(root)}</code>
(auth mode <strong>{e(settings.auth)}</strong>). What you create here can be read, changed and deleted;
<code>POST /__admin/reset</code> restores the seed data.</p>
<h2 id="how-to">How to use this stub</h2>
<ol>
<li>Open an API's <em>Interactive docs</em> below and press <strong>Authorize</strong>: paste the credential
  for its header, press <strong>Authorize</strong>, then <strong>Close</strong>.</li>
<li>Open an operation, press <strong>Try it out</strong>, then <strong>Execute</strong>: the request goes to this
  mock and the answer is real.</li>
<li>From your own app, send the same requests to an API's base URL (CORS allows origin
  <code>{e(settings.cors_origin)}</code>).</li>
</ol>
{_credentials_list(settings, contract)}
<h2 id="apis">APIs</h2>
{cards}
<h2 id="steering">Steering answers</h2>
<p>Steer answers with <code>Prefer: code=404</code>, <code>Prefer: example=NAME</code>,
<code>Prefer: dynamic=true</code> or <code>Prefer: latency=500</code>;
see what your UI sent at <a href="/__admin/requests">/__admin/requests</a>.</p>
</body></html>"""


# -- Swagger UI --------------------------------------------------------------------------------


def _resolved(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``node`` with its local ``$ref`` followed (one level: nested references stay)."""
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return copy.deepcopy(node)


def _prepare_forms(spec: dict[str, Any]) -> None:
    """Form bodies as Swagger UI needs them: each field starts from the body's example, and array
    fields go out as repeated keys (``image_ids[]=a&image_ids[]=b``: the OpenAPI default, which
    Swagger UI follows only when it is written out; otherwise it sends ``image_ids[]=a,b``)."""
    for _, _, op in operations(spec):
        media = op.get("requestBody", {}).get("content", {}).get(FORM)
        if not media:
            continue
        schema = _resolved(spec, media["schema"])
        example = media.get("example") if isinstance(media.get("example"), dict) else {}
        fields = {name: _resolved(spec, field) for name, field in schema.get("properties", {}).items()}
        for name, field in fields.items():
            if name in example:
                field["example"] = example[name]
            if field.get("type") == "array":
                media.setdefault("encoding", {}).setdefault(name, {"style": "form", "explode": True})
        media["schema"] = {**schema, "properties": fields}


def _name_credentials(spec: dict[str, Any], settings: Settings) -> None:
    """Append the demo credential to each header scheme's description (shown when authorising)."""
    values = demo_credentials(settings)
    for scheme in spec.get("components", {}).get("securitySchemes", {}).values():
        if scheme.get("name") in values:
            scheme["description"] = (scheme.get("description", "").rstrip()
                                     + f"\n\n**On this mock**, paste: `{values[scheme['name']]}`")


def docs_spec(spec: dict[str, Any], settings: Settings, root: str) -> dict[str, Any]:
    """The spec as Swagger UI shows it: served by this mock, credentials named, forms prefilled."""
    shown = copy.deepcopy(spec)
    shown["servers"] = [{"url": root + server["url"], "description": "this mock"} for server in spec["servers"]]
    _name_credentials(shown, settings)
    _prepare_forms(shown)
    return shown


SWAGGER_UI_DIR = Path(swagger_ui_bundle.swagger_ui_path)
SWAGGER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - specmock</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"><link rel="icon" href="/docs/assets/favicon-32x32.png">
<style>
.specmock-bar {{ font-family: sans-serif; max-width: 1460px; margin: 0 auto; padding: .6rem 20px;
  border-bottom: 1px solid #ddd; }}
.specmock-bar a {{ margin-right: 1rem; }}
.specmock-bar code {{ background: #f4f4f4; padding: .1rem .3rem; border-radius: 3px; word-break: break-all;
  user-select: all; }}
</style></head><body>
<header class="specmock-bar">
<p><a href="/">&larr; all APIs</a> <strong>{title}</strong> served by this mock at <code>{server}</code>
  &middot; spec: <a href="/docs/{name}/openapi.yaml">YAML</a> <a href="/docs/{name}/openapi.json">JSON</a></p>
{credentials}
</header>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>
// A form field left empty is left out of the body unless its "Send empty value" box is ticked;
// Swagger UI ticks every box at first, and would send e.g. an empty optional id.
const LeaveOutEmptyFormFields = () => ({{ statePlugins: {{ oas3: {{ wrapActions: {{
  setRequestBodyInclusion: (action, system) => (change) => {{
    const setting = system.oas3Selectors.requestBodyInclusionSetting(...change.pathMethod);
    return action(setting.has(change.name) ? change : {{ ...change, value: false }});
  }}
}} }} }} }});
window.ui = SwaggerUIBundle({{
  spec: {spec}, dom_id: "#swagger-ui", deepLinking: true, presets: [SwaggerUIBundle.presets.apis],
  plugins: [LeaveOutEmptyFormFields], layout: "BaseLayout", persistAuthorization: true,
  displayRequestDuration: true, tryItOutEnabled: false
}});
</script></body></html>"""


def _credentials_hint(spec: dict[str, Any], settings: Settings) -> str:
    headers = credential_headers(spec)
    if settings.auth == "off" or not headers:
        return "<p>No credential needed on this mock.</p>"
    values = demo_credentials(settings)
    hints = " ".join(f'header <code>{e(header)}</code>: <code class="credential" data-header="{e(header)}">'
                     f"{e(values[header])}</code>" for header in headers if header in values)
    return f"<p>Press <strong>Authorize</strong> and paste the demo credential, {hints}</p>"


def docs_page(name: str, spec: dict[str, Any], settings: Settings, root: str) -> str:
    shown = docs_spec(spec, settings, root)
    return SWAGGER_PAGE.format(
        title=e(spec["info"]["title"]), name=name, server=e(shown["servers"][0]["url"]),
        credentials=_credentials_hint(spec, settings),
        # A JSON string cannot hold "</" outside a string, and "<\/" inside one reads the same.
        spec=orjson.dumps(shown).decode().replace("</", "<\\/"),
    )


def routes(settings: Settings, contract: Contract) -> list[tuple[str, object]]:
    assets = {path.name: path for path in SWAGGER_UI_DIR.iterdir() if path.suffix in (".js", ".css", ".png")}

    def spec_of(request: Request) -> tuple[str, dict]:
        name = request.path_params["api"]
        if name not in contract.specs:
            raise NotFound(f"No API named {name!r}; known: {', '.join(contract.specs)}")
        return name, contract.specs[name]

    async def landing(request: Request) -> Response:
        return HTMLResponse(landing_page(settings, contract, mock_url(settings, request)))

    async def docs(request: Request) -> Response:
        name, spec = spec_of(request)
        return HTMLResponse(docs_page(name, spec, settings, mock_url(settings, request)))

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
