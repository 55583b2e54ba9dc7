"""The landing page (``/``): how to use the stub, then a card for every served document with its
title, version, operations (and what answers them), base URL, credential and links to its docs."""

from __future__ import annotations

from urllib.parse import quote

from specmock.behaviours import Behaviours
from specmock.contract.model import Contract, Document, Operation
from specmock.site.html import e

KINDS = {"handler": "domain handlers", "resource": "the generic stateful resource behaviour",
         "documented": "their documented examples"}


def _operation_item(document: Document, op: Operation) -> str:
    tag = quote((op.spec.get("tags") or ["default"])[0])
    anchor = f"/docs/{document.name}/#/{tag}/{op.operation_id}"
    return (f'<li><a href="{e(anchor)}"><code>{op.method.upper()} {e(op.full_path)}</code></a> '
            f"{e(op.spec.get('summary', ''))}</li>")


def _answered_by(document: Document, contract: Contract, behaviours: Behaviours) -> str:
    counts: dict[str, int] = {}
    for op in contract.operations.values():
        if op.document is document:
            counts[behaviours.kind(op)] = counts.get(behaviours.kind(op), 0) + 1
    return "; ".join(f"{count} by {KINDS[kind]}" for kind, count in counts.items())


def _credentials(demo: dict[str, str], auth: str) -> str:
    if auth == "off" or not demo:
        return "none"
    return "".join(f'<code>{e(header)}</code>: <pre class="credential" data-header="{e(header)}">{e(value)}</pre>'
                   for header, value in demo.items())


def _card(document: Document, contract: Contract, behaviours: Behaviours, demo: dict[str, str], auth: str,
          root: str) -> str:
    info = document.spec.get("info", {})
    ops = [op for op in contract.operations.values() if op.document is document]
    items = "".join(_operation_item(document, op) for op in ops)
    source = (f'<dt>Source document</dt><dd><code class="source">{e(document.manifest.source)}</code></dd>'
              if document.manifest.source else "")
    return f"""
<section class="api" id="{e(document.name)}" data-api="{e(document.name)}">
  <h3><a class="title" href="/docs/{e(document.name)}/">{e(info.get('title', document.name))}</a>
      <span class="version">v{e(info.get('version', ''))}</span></h3>
  <dl>
    <dt>Operations</dt><dd class="count">{len(ops)}</dd>
    <dt>Answered by</dt><dd class="answered-by">{e(_answered_by(document, contract, behaviours))}</dd>
    <dt>Base URL</dt><dd><code class="base-url">{e(root + document.base_path)}</code></dd>
    <dt>Demo credential</dt><dd>{_credentials(demo, auth)}</dd>
    {source}
  </dl>
  <p class="links"><a class="docs" href="/docs/{e(document.name)}/">Interactive docs</a>
     <a class="yaml" href="/docs/{e(document.name)}/openapi.yaml">OpenAPI YAML</a>
     <a class="json" href="/docs/{e(document.name)}/openapi.json">OpenAPI JSON</a></p>
  <ul class="operations">{items}</ul>
</section>"""


def landing_page(contract: Contract, behaviours: Behaviours, demos: dict[str, dict[str, str]], auth: str,
                 cors_origin: str, root: str) -> str:
    cards = "".join(_card(document, contract, behaviours, demos[name], auth, root)
                    for name, document in contract.documents.items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>specmock</title>
<link rel="icon" href="/docs/assets/favicon-32x32.png">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }}
code, pre {{ background: #f4f4f4; padding: .1rem .3rem; border-radius: 3px; word-break: break-all; }}
pre {{ padding: .6rem; white-space: pre-wrap; user-select: all; margin: .2rem 0 .6rem; }}
section.api {{ border: 1px solid #ddd; border-radius: 6px; padding: .2rem 1rem; margin: 1rem 0; }}
section.api .version {{ color: #666; font-size: .9em; font-weight: normal; }}
dl {{ display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }}
dt {{ color: #666; }} dd {{ margin: 0; }}
.links a {{ margin-right: 1rem; }}
</style></head>
<body>
<h1>specmock</h1>
<p>A stateful stub served from its OpenAPI contract at <code>{e(root)}</code> (auth mode
<strong>{e(auth)}</strong>). What you create here can be read, changed and deleted;
<code>POST /__admin/reset</code> with the header <code>X-Specmock-Admin: 1</code> restores the seed data.</p>
<h2 id="how-to">How to use this stub</h2>
<ol>
<li>Open an API's <em>Interactive docs</em> below and press <strong>Authorize</strong>: paste the demo credential
  shown on its card, press <strong>Authorize</strong>, then <strong>Close</strong>.</li>
<li>Open an operation, press <strong>Try it out</strong>, then <strong>Execute</strong>: the request goes to this
  mock and the answer is real.</li>
<li>From your own app, send the same requests to an API's base URL (CORS allows origin
  <code>{e(cors_origin)}</code>).</li>
</ol>
<h2 id="apis">APIs</h2>
{cards}
<h2 id="steering">Steering answers</h2>
<p>Steer answers with <code>Prefer: code=404</code>, <code>Prefer: example=NAME</code>,
<code>Prefer: dynamic=true</code> or <code>Prefer: latency=500</code>;
see what your UI sent at <a href="/__admin/requests">/__admin/requests</a>.</p>
</body></html>"""
