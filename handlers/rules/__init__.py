"""Business rules as small pure functions: no store, no HTTP, each with its own unit tests."""
