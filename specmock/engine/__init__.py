"""The engine: the app factory (``app``), the request path of every operation (``pipeline``, with
``requests``, ``security`` and ``responses``), and the middlewares around it (``middleware``,
``journal``). It serves any contract; nothing here names an API."""
