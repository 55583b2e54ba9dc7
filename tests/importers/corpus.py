"""The importer's corpus: sample documents written for these tests (each reproduces constructs found
in real legacy documentation), with what their drafts must promise.

:data:`CORPUS` is a plain list so that other tests can iterate it (serve each draft, verify it);
each :class:`Sample` names its file under ``samples/`` and the operations its draft must hold,
stated as facts (see :mod:`tests.importers.draft_facts`): parameters and response statuses exactly,
request and response properties as a subset, plus the warning kinds the report must contain.
:data:`REFUSED` lists the documents that must not be imported, with the kind of failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from specmock.importers.problems import Kind

SAMPLES = Path(__file__).resolve().parent / "samples"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Call:
    """What one operation of a draft must promise."""

    parameters: dict[str, str] = field(default_factory=dict)
    """Every parameter: ``"path 0"`` (by position), ``"query page"``, ``"header X-Id"`` -> fact."""
    security: tuple[str, ...] = ()
    request: dict[str, str] = field(default_factory=dict)
    """Request body properties (of ``request_type``) that must be present, with their facts."""
    request_type: str | None = None
    responses: dict[int, dict[str, str]] = field(default_factory=dict)
    """Every response status, with JSON body properties that must be present (``""``: the body)."""


@dataclass(frozen=True)
class Sample:
    name: str
    format: str
    calls: dict[str, Call]
    """``"GET /messages/{}"`` (path as served, variables unnamed) -> what it promises."""
    warnings: frozenset[Kind] = frozenset()
    servers: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        return SAMPLES / self.name


CORPUS: list[Sample] = [
    Sample(
        "catalog.apib",
        "apiblueprint",
        {
            "GET /widgets/{}": Call(
                {"path 0": "string(uuid)!"},
                responses={
                    200: {"": "object", "id": "string(uuid)!", "label": "string!", "released": "string(date)"},
                    404: {},
                },
            ),
            "PUT /widgets/{}": Call(
                {"path 0": "string(uuid)!"},
                ("BearerAuth",),
                {"label": "string!", "price": "integer!"},
                JSON,
                {200: {"id": "string(uuid)!"}},
            ),
            "PATCH /widgets/{}": Call(
                {"path 0": "string(uuid)!"},
                request={"stock": "number!", "reason": "string:restock,correction"},
                request_type=JSON,
                responses={204: {}},
            ),
            "GET /widgets": Call(
                {"query page": "number", "query per_page": "number:10,20"},
                responses={200: {"": "array", "[]/id": "string(uuid)!", "[]/owner/email": "string(email)!"}},
            ),
            "POST /widgets": Call(
                request={"label": "string!", "dimensions": "object", "dimensions/width": "number!"},
                request_type=JSON,
                responses={201: {}},
            ),
        },
        frozenset({Kind.SKIPPED, Kind.LENIENT_EXAMPLE, Kind.INCOMPLETE}),
        ("https://api.example.com/api/v2",),
    ),
    Sample(
        "albums.apib",
        "apiblueprint",
        {
            "GET /albums/{}": Call(
                {"path 0": "string(uuid)!"},
                ("XAlbumToken",),
                responses={
                    200: {
                        "id": "string(uuid)!",
                        "created_on": "string(date)!",  # a sample with hyphens keeps its `required`
                        "visibility": "string!:public,members,private",
                        "cover/lat": "number!",  # a named type (Data Structures)
                        "photos": "array!",
                        "photos/[]/taken_at": "string(date-time)!",
                        "photos/[]/sizes/[]/width": "number!",  # an unnamed member `+ (object)`
                        "tags": "array",
                        "owner/name": "string!",
                        "owner/email": "string(email)",
                    },
                    404: {},
                },
            ),
            "PATCH /albums/{}": Call(
                {"path 0": "string(uuid)!"},
                ("XAlbumToken",),
                {"title": "string", "visibility": "string:public,private"},
                JSON,
                {200: {"photos/[]/id": "string(uuid)!"}},
            ),
            "GET /albums/{}/photos": Call(
                {"path 0": "string(uuid)!", "query taken_after": "string(date)", "query limit": "number"},
                responses={200: {"": "array", "[]/id": "string(uuid)!", "[]/location/lng": "number!"}},
            ),
            "POST /albums/{}/photos": Call(
                {"path 0": "string!"},
                request={"id": "string(uuid)!", "caption": "string", "sizes/[]/height": "number!"},
                request_type=JSON,
                responses={201: {"taken_at": "string(date-time)!"}},
            ),
        },
        servers=("https://photos.example.net/api/v2",),
    ),
    Sample(
        "members.apib",
        "apiblueprint",
        {
            "GET /clubs/{}/members": Call(
                {"path 0": "number!", "query status": "string:active,lapsed,banned", "query page": "number"},
                ("TokenAuth",),
                responses={
                    200: {"": "array", "[]/id": "integer!", "[]/card/expires_on": "string(date)!"},
                    401: {"error": "string!"},
                },
            ),
            "POST /clubs/{}/members": Call(
                {"path 0": "string!"},
                request={"name": "string!", "interests[]": "array!"},
                request_type=FORM,
                responses={201: {"name": "string!", "id": "number!", "status": "string!:active,lapsed,banned"}},
            ),
            "PUT /clubs/{}/members/{}": Call(
                {"path 0": "number!", "path 1": "number!"},
                request={"name": "string!", "status": "string:active,banned", "reason": "string"},
                request_type=JSON,
                responses={200: {"nickname": "string", "card/number": "string!", "interests": "array"}},
            ),
            "DELETE /clubs/{}/members/{}": Call({"path 0": "number!", "path 1": "number!"}, responses={204: {}}),
        },
        frozenset({Kind.INCOMPLETE}),
    ),
    Sample(
        "projects.apipie.html",
        "apipie",
        {
            "PUT /projects/{}": Call(
                {"path 0": "integer!"},  # "Must be a Integer" inside <li><p>
                ("XWorkbenchToken",),
                {"project": "object!", "project/name": "string", "project/state": "string:active,paused,done,null"},
                JSON,
                {200: {}, 401: {}, 422: {}},  # no example of its own: a success is assumed
            ),
            "PATCH /projects/{}": Call(
                {"path 0": "integer!"},
                ("XWorkbenchToken",),
                {"project/member_ids": "array"},
                JSON,
                {200: {"id": "integer!", "archived_at": "any"}, 401: {}, 422: {"errors/state": "array!"}},
            ),
            "DELETE /projects/{}": Call({"path 0": "integer!"}, responses={204: {}}),
        },
        frozenset({Kind.ASSUMED, Kind.INCOMPLETE}),
        ("/api/v1",),
    ),
    Sample(
        "oauth.apipie.txt",
        "apipie",
        {
            "POST /oauth/token": Call(
                request={
                    "grant_type": "string!",
                    "username": "string(email)",  # required by one grant type only
                    "client_secret": "string",
                },
                request_type=JSON,
                responses={200: {"access_token": "string!", "refresh_token": "any"}, 401: {"error": "string!"}},
            ),
            "DELETE /oauth/token": Call({"query token": "string!"}, responses={204: {}, 401: {}}),
        },
        frozenset({Kind.MERGED, Kind.ASSUMED}),
        ("/api/v2",),
    ),
    Sample(
        "library.schema_apipie.json",
        "apipie-json",
        {
            "GET /books": Call(
                {"query genre": "string:fiction,poetry,science", "query page": "integer"},
                responses={200: {"": "array", "[]/published_on": "string(date)!"}},
            ),
            "POST /books": Call(
                security=("XLibrarianKey",),
                request={"book/title": "string!", "book/authors/[]/name": "string!", "book/copies": "number"},
                request_type=JSON,
                responses={201: {}, 401: {}, 422: {}},
            ),
            "PUT /loans/{}": Call(
                {"path 0": "integer!"}, request={"due_on": "string!"}, request_type=JSON, responses={200: {}, 404: {}}
            ),
            "PATCH /loans/{}": Call(
                {"path 0": "integer!"},
                request={"due_on": "string(date)!"},
                request_type=JSON,
                responses={200: {"id": "integer!", "returned_at": "any"}, 404: {}},
            ),
        },
        frozenset({Kind.ASSUMED}),
        ("/api/v1",),
    ),
    Sample(
        "rspec_json/index.json",
        "rspec-json",
        {
            "GET /invoices": Call(
                {"query status": "string:draft,sent,paid", "query per_page": "integer"},
                ("XBillingToken",),
                responses={200: {"invoices/[]/number": "string!", "invoices/[]/paid_at": "string"}},
            ),
            "POST /invoices": Call(
                security=("XBillingToken",),
                request={
                    "invoice/customer_id": "integer!",
                    "invoice/due_on": "string(date)!",
                    "invoice/lines": "array!",
                    "invoice/lines/[]/description": "string!",
                },
                request_type=JSON,
                responses={201: {"number": "string!"}, 422: {"errors/lines": "array!"}},
            ),
            "POST /invoices/{}/payments": Call(
                {"path 0": "string!"},
                ("XBillingToken",),
                {"amount_cents": "integer!", "method": "string!:card,transfer,cash"},
                FORM,
                {204: {}},
            ),
        },
        frozenset({Kind.INCOMPLETE}),
        ("/api/v3",),
    ),
    Sample(
        "rspec_json/payments/recording_a_payment.json",
        "rspec-json",
        {
            "POST /invoices/{}/payments": Call(
                {"path 0": "string!"},
                ("XBillingToken",),
                {"amount_cents": "integer!", "method": "string!:card,transfer,cash"},
                FORM,
                {204: {}},
            ),
        },
        servers=("/api/v3",),
    ),
    Sample(
        "status.apib",
        "apiblueprint",
        {
            "GET /status": Call(responses={200: {"services/[]/up": "boolean!"}}),
            "GET /status/{}": Call(
                {"path 0": "string!", "query verbose": "boolean"},
                responses={200: {"name": "string!", "checks": "array!"}, 404: {}},
            ),
            "POST /status/{}/silence": Call(
                {"path 0": "string!"}, ("XOperatorKey",), {"minutes": "integer!"}, JSON, {202: {}}
            ),
        },
    ),
    Sample(
        "shop.apib",
        "apiblueprint",
        {
            "GET /products": Call(responses={200: {"": "array", "[]/price": "number!", "[]/barcode": "string"}}),
            "POST /products": Call(
                security=("XShopApiKey",),
                request={"name": "string!", "price": "number!", "tags": "array", "barcode": "string"},
                request_type=JSON,
                responses={201: {"id": "integer!", "barcode": "any"}, 400: {"message": "string!"}},
            ),
            "GET /products/{}": Call({"path 0": "number!"}, responses={200: {"tags": "array", "name": "string!"}}),
        },
        frozenset({Kind.SKIPPED}),
        ("https://shop.example.com/v1",),
    ),
    Sample(
        "notes.md",
        "rspec-doc",
        {
            "GET /notebooks/{}": Call(
                {"path 0": "string!"},
                ("XSessionToken",),
                responses={200: {"title": "string!", "page_count": "integer!", "id": "integer"}, 404: {}},
            ),
            "DELETE /notebooks/{}/pages/{}": Call(
                {"path 0": "string!", "path 1": "string!"}, ("XSessionToken",), responses={204: {}}
            ),
        },
        frozenset({Kind.INCOMPLETE}),
        ("/api/v2",),
    ),
    Sample(
        "signups.md",
        "rspec-doc",
        {
            "GET /admin/signups": Call(
                {"query plan": "string:free,team,enterprise", "query countries[]": "array"},
                ("XAdminSession",),
                responses={200: {"": "array", "[]/email": "string(email)!", "[]/confirmed_at": "any"}},
            ),
            "POST /signups": Call(
                request={
                    "user[email]": "string(email)!",
                    "user[plan]": "string!:free,team",
                    "user[address][city]": "string",
                },
                request_type=FORM,
                responses={201: {"email": "string(email)!"}},
            ),
        },
    ),
    Sample(
        "combined.json",
        "rspec-json",
        {
            "GET /fleet/vehicles/{}": Call(
                {"path 0": "string!"},
                ("BearerAuth",),
                responses={
                    200: {"seats": "integer!", "fuel": "string!:petrol,diesel,electric", "serviced_on": "string(date)"},
                    404: {"error": "string!"},
                },
            ),
            "PUT /fleet/vehicles/{}/driver": Call(
                {"path 0": "string!"},
                ("BearerAuth",),
                {"driver_id": "integer!", "until": "string(date-time)"},
                JSON,
                {200: {"driver_id": "integer!"}},
            ),
        },
    ),
    Sample(
        "tasks.apipie.txt",
        "apipie",
        {
            "GET /projects/{}/tasks": Call(
                {"path 0": "integer!", "query done": "boolean"},
                ("XTeamToken",),
                responses={200: {"tasks/[]/due_on": "string(date)!", "meta/total_count": "integer!"}},
            ),
            "POST /projects/{}/tasks": Call(
                {"path 0": "integer!"},
                ("XTeamToken",),
                {"task/title": "string!", "task/labels": "array", "task/checklist/[]/text": "string!"},
                JSON,
                {200: {"id": "integer!"}, 401: {}, 422: {}},
            ),
        },
        frozenset({Kind.ASSUMED, Kind.LENIENT_EXAMPLE}),
        ("/api/v1",),
    ),
    Sample(
        "rooms.apipie.html",
        "apipie",
        {
            "POST /rooms/{}/bookings": Call(
                {"path 0": "integer!"},
                request={"booking/starts_at": "string(date-time)!", "booking/attendees": "integer"},
                request_type=JSON,
                responses={201: {"id": "integer!"}, 409: {"error": "string!"}},
            ),
        },
    ),
    Sample(
        "alerts.schema_apipie.json",
        "apipie-json",
        {
            "GET /alerts": Call(
                {"query severity": "string:low,high,critical"},
                ("XAlertingKey",),
                responses={200: {"": "array", "[]/id": "string(uuid)!"}, 401: {}},
            ),
            "POST /alerts/{}/acknowledgement": Call(
                {"path 0": "string!"},
                ("XAlertingKey",),
                {"note": "string"},
                JSON,
                {201: {"acknowledged_at": "string(date-time)!"}, 409: {}},
            ),
        },
        frozenset({Kind.SKIPPED}),
        ("/api",),
    ),
    Sample(
        "orders.md",
        "rspec-doc",
        {
            "GET /shops/{}/orders": Call(
                {"path 0": "string!", "query page": "string", "query state[]": "array"},
                responses={200: {"": "array", "[]/state": "string!", "[]/id": "string(uuid)"}},
            ),
            "POST /shops/{}/orders": Call(
                {"path 0": "string!", "header X-Client-Version": "string", "header X-Request-Id": "string"},
                ("TokenAuth",),
                {"order": "object!", "order/quantity": "integer!", "order/note": "string"},
                JSON,
                {201: {"id": "string(uuid)!"}, 422: {"errors": "array!"}},
            ),
            "POST /shops/{}/orders/{}/tags": Call(
                {"path 0": "string!", "path 1": "string(uuid)!"},
                request={"tag_ids[]": "array!", "notes": "string"},
                request_type=FORM,
                responses={204: {}},
            ),
        },
        frozenset({Kind.CONTRADICTION, Kind.INCOMPLETE, Kind.SKIPPED}),
        ("/api/v1",),
    ),
    Sample(
        "messages.md",
        "rspec-doc",
        {
            "GET /workspaces/{}/messages": Call(
                {"path 0": "string!", "query page": "integer", "query state": "string:unread,read,archived"},
                ("XWorkspaceToken",),
                responses={
                    200: {
                        "messages": "array!",
                        "messages/[]/id": "string(uuid)!",
                        "messages/[]/subject": "string!",
                        "messages/[]/sent_at": "string(date-time)",  # not listed in Response Fields
                        "messages/[]/read_at": "any",  # null in every example
                    }
                },
            ),
            "POST /workspaces/{}/messages": Call(
                {"path 0": "string!"},
                ("XWorkspaceToken",),
                {
                    "message/subject": "string!",
                    "message/recipients": "array|object!",  # documented Array[String], shown as an object
                    "message/priority": "string:low,normal,high",
                },
                JSON,
                {201: {"id": "string(uuid)!", "read_at": "any"}},
            ),
            "PATCH /workspaces/{}/messages/{}": Call(
                {"path 0": "string!", "path 1": "string(uuid)!"},
                ("XWorkspaceToken",),
                {"message/state": "string!:read,unread"},
                JSON,
                {204: {}},
            ),
        },
        frozenset({Kind.CONTRADICTION, Kind.INCOMPLETE}),
        ("/api/v1",),
    ),
    Sample(
        "tickets.apipie.txt",
        "apipie",
        {
            "GET /tickets": Call(
                {"query state": "string:open,closed", "query page": "integer"},
                ("XApiKey",),
                responses={200: {"tickets/[]/id": "integer!", "tickets/[]/closed_at": "any"}},
            ),
            "POST /tickets": Call(
                request={
                    "ticket": "object!",
                    "ticket/title": "string!",
                    "ticket/priority": "string|integer",
                    "ticket/labels/[]/name": "string!",
                    "ticket/owner": "string",
                },
                request_type=JSON,
                responses={200: {"id": "integer!"}, 422: {}},
            ),
            "DELETE /tickets/{}": Call({"path 0": "integer!"}, responses={200: {"success": "boolean!"}}),
        },
        frozenset({Kind.ASSUMED, Kind.LENIENT_EXAMPLE, Kind.CONTRADICTION}),
        ("/api/v3",),
    ),
    Sample(
        "tickets.apipie.html",
        "apipie",
        {
            "GET /tickets/{}": Call(
                {"path 0": "integer!", "query expand": "string:labels,owner,null"},
                ("XApiKey",),
                responses={200: {"labels/[]/name": "string!", "reporter": "string(email)!"}, 404: {}},
            ),
            "DELETE /tickets/{}": Call({"path 0": "string!"}, responses={204: {}}),
        },
        servers=("/api/v3",),
    ),
]

REFUSED: dict[str, Kind] = {
    "unfamiliar.raml": Kind.UNFAMILIAR,
    "no_actions.apib": Kind.EMPTY,
}
