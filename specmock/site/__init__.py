"""The docs site: the landing page (``/``), each document's Swagger UI (``/docs/<name>/``) and the
document itself as the mock serves it (``/docs/<name>/openapi.json`` and ``openapi.yaml``)."""

from __future__ import annotations

from typing import Any

import orjson
import yaml
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

from specmock.auth import Authenticator, Credential, demo_credentials
from specmock.behaviours import Behaviours
from specmock.contract.model import Contract, Document
from specmock.problems import NotFound
from specmock.settings import Settings
from specmock.site.decisions import served
from specmock.site.landing import landing_page
from specmock.site.swagger import SWAGGER_UI_DIR, docs_page


def mock_url(settings: Settings, request: Request) -> str:
    """This mock's base URL as the browser reached it (or ``--public-url``)."""
    return (settings.public_url or str(request.base_url)).rstrip("/")


def routes(settings: Settings, contract: Contract, behaviours: Behaviours,
           credentials: dict[str, dict[str, Credential]], authenticator: Authenticator) -> list[tuple[str, Any]]:
    assets = {path.name: path for path in SWAGGER_UI_DIR.iterdir() if path.suffix in (".js", ".css", ".png")}
    demos = {name: demo_credentials(document, credentials[name], authenticator.secret)
             for name, document in contract.documents.items()}

    def document_of(request: Request) -> Document:
        name = request.path_params["api"]
        if name not in contract.documents:
            raise NotFound(f"No API named {name!r}; known: {', '.join(contract.documents)}")
        return contract.documents[name]

    async def landing(request: Request) -> Response:
        return HTMLResponse(landing_page(contract, behaviours, demos, settings.auth, settings.cors_origin,
                                         mock_url(settings, request)))

    async def docs(request: Request) -> Response:
        document = document_of(request)
        return HTMLResponse(docs_page(document, demos[document.name], settings.auth, mock_url(settings, request)))

    async def spec_json(request: Request) -> Response:
        return Response(orjson.dumps(served(document_of(request))), media_type="application/json")

    async def spec_yaml(request: Request) -> Response:
        text = yaml.safe_dump(served(document_of(request)), sort_keys=False, allow_unicode=True)
        return Response(text, media_type="application/yaml")

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
