"""The floor for a Python server: a bare Starlette app answering a small JSON object on any path,
for GET and POST (the body is read), served by the same uvicorn as specmock.

    uvicorn floor_app:app --app-dir bench --port 8001 --log-level warning
"""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def hello(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"hello": "world"})


app = Starlette(routes=[Route("/{path:path}", hello, methods=["GET", "POST"])])
