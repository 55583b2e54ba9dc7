"""Operation handlers: one module per API, one plain function per operationId.

Connexion parses and validates the request and passes the parameters by name; the engine adds
``store`` (the TinyDB store), ``caller`` (who is calling) and ``base_url`` (how the caller reached
the mock). Handlers only hand over to the API's service and say which status to answer.
"""
