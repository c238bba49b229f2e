"""The example Django app: a page, an endpoint, and a visit counter in the database in DATA_DIR.
Delete it with the example: README.md, "Bring your existing app"."""
