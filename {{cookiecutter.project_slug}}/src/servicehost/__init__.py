"""The service host: runs the app that pyproject.toml's [tool.servicehost] names, in the image
and in the dev loop (command, settings, server, health endpoint, build and release steps).

It belongs to the template this project was baked from, which keeps improving it (`cruft update`):
your own code lives in packages of its own beside it, and needs no change here."""
