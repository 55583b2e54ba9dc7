"""The bundled media-request contract (installed as ``specmock.media.openapi``): one OpenAPI 3.0.3
file per source document plus ``common.yaml``, read with :mod:`importlib.resources`."""
