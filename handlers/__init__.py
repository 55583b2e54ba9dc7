"""The media-request domain, installed as ``specmock.media``: the bundled contract's handlers.

One module per API, one plain function per operationId. The engine parses and validates the
request and passes the parameters by name, adding ``store`` (the TinyDB store), ``caller`` (who is
calling) and ``base_url`` (how the caller reached the mock). Handlers only hand over to the API's
service and say which status to answer.

In the source tree this package is the ``handlers/`` folder; its contract (``openapi/``) and seed
data (``fixtures/``) are installed beside it as ``specmock.media.openapi`` and
``specmock.media.fixtures`` (see ``pyproject.toml``).
"""
