"""Each API's interactive docs: Swagger UI at ``/docs/<api>/`` on the document as this mock serves
it, adapted so that "Try it out" works on the mock as it stands: its server is this mock's absolute
URL, each security scheme names the demo credential to paste, each form body starts from the body's
example (Swagger UI ignores a form body's example and would send an empty array field), and
form fields left empty stay out of the body. The page's header shows the credential and the
contract decisions (``specmock.site.decisions``)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import swagger_ui_bundle

from specmock.contract.loading import operations
from specmock.contract.model import Document
from specmock.site.decisions import decisions_table
from specmock.site.html import e

FORM = "application/x-www-form-urlencoded"
SWAGGER_UI_DIR = Path(swagger_ui_bundle.swagger_ui_path)


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
    fields go out as repeated keys (``tags[]=a&tags[]=b``: the OpenAPI default, which
    Swagger UI follows only when it is written out; otherwise it sends ``tags[]=a,b``)."""
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


def _name_credentials(spec: dict[str, Any], demo: dict[str, str]) -> None:
    """Append the demo credential to each header scheme's description (shown when authorising)."""
    for scheme in spec.get("components", {}).get("securitySchemes", {}).values():
        name = scheme.get("name", "Authorization" if scheme.get("type") == "http" else None)
        if name in demo:
            scheme["description"] = (scheme.get("description", "").rstrip()
                                     + f"\n\n**On this mock**, paste: `{demo[name]}`")


def docs_spec(document: Document, demo: dict[str, str], root: str) -> dict[str, Any]:
    """The document as Swagger UI shows it: served by this mock, credentials named, forms prefilled."""
    shown = copy.deepcopy(document.spec)
    servers = shown.get("servers") or [{"url": "/"}]
    shown["servers"] = [{"url": root + document.base_path, "description": "this mock"}] + [
        {**server, "description": server.get("description", "as the contract states it")}
        for server in servers if str(server.get("url", "")).startswith(("http://", "https://"))]
    _name_credentials(shown, demo)
    _prepare_forms(shown)
    return shown


SWAGGER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - specmock</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"><link rel="icon" href="/docs/assets/favicon-32x32.png">
<style>
.specmock-bar {{ font-family: sans-serif; max-width: 1460px; margin: 0 auto; padding: .6rem 20px;
  border-bottom: 1px solid #ddd; }}
.specmock-bar a {{ margin-right: 1rem; }}
.specmock-bar code {{ background: #f4f4f4; padding: .1rem .3rem; border-radius: 3px; word-break: break-all;
  user-select: all; }}
table.decisions {{ border-collapse: collapse; width: 100%; font-size: .9rem; margin: .4rem 0 1rem; }}
table.decisions th, table.decisions td {{ border: 1px solid #ddd; padding: .35rem .5rem; text-align: left;
  vertical-align: top; }}
table.decisions th {{ background: #f6f6f6; }}
table.decisions tr:target {{ background: #fff8d6; }}
table.decisions a.anchor {{ color: #999; text-decoration: none; margin-left: .3rem; }}
details.decisions summary {{ cursor: pointer; font-weight: bold; margin: .4rem 0; }}
</style></head><body>
<header class="specmock-bar">
<p><a href="/">&larr; all APIs</a> <strong>{title}</strong> served by this mock at <code>{server}</code>
  &middot; spec: <a href="/docs/{name}/openapi.yaml">YAML</a> <a href="/docs/{name}/openapi.json">JSON</a></p>
{credentials}
{decisions}
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
// A link to one decision (#decision-...) is not a Swagger UI route: open the table and leave the hash.
const decisionsTable = document.querySelector("details.decisions");
const decision = window.location.hash.startsWith("#decision-") && decisionsTable !== null;
if (decision) {{ decisionsTable.open = true; }}
window.ui = SwaggerUIBundle({{
  spec: {spec}, dom_id: "#swagger-ui", deepLinking: !decision, presets: [SwaggerUIBundle.presets.apis],
  plugins: [LeaveOutEmptyFormFields], layout: "BaseLayout", persistAuthorization: true,
  displayRequestDuration: true, tryItOutEnabled: false
}});
</script></body></html>"""


def _credentials_hint(demo: dict[str, str], auth: str) -> str:
    if auth == "off" or not demo:
        return "<p>No credential needed on this mock.</p>"
    hints = " ".join(f'header <code>{e(header)}</code>: <code class="credential" data-header="{e(header)}">'
                     f"{e(value)}</code>" for header, value in demo.items())
    return f"<p>Press <strong>Authorize</strong> and paste the demo credential, {hints}</p>"


def docs_page(document: Document, demo: dict[str, str], auth: str, root: str) -> str:
    shown = docs_spec(document, demo, root)
    return SWAGGER_PAGE.format(
        title=e(document.title), name=e(document.name), server=e(shown["servers"][0]["url"]),
        credentials=_credentials_hint(demo, auth), decisions=decisions_table(document),
        # A JSON string cannot hold "</" outside a string, and "<\/" inside one reads the same.
        spec=orjson.dumps(shown).decode().replace("</", "<\\/"),
    )
