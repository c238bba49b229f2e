"""The `{{ cookiecutter.project_slug }}` command: what the image runs, its health check, and the dev server."""

import argparse
import sys
{%- if cookiecutter.framework != "none" %}
import urllib.request
{%- endif %}
from pathlib import Path

from {{ cookiecutter.package_name }} import __version__, store
from {{ cookiecutter.package_name }}.config import Settings, configure_logging


def init_db(settings):
    """Create the database in DATA_DIR and exit (`serve` does it too, on every start)."""
    print(f"Database ready in {settings.data_dir}.")
    return 0


def serve(settings):
{%- if cookiecutter.framework == "flask" %}
    """Serve the app with gunicorn (a production WSGI server) on HOST:PORT."""
    from {{ cookiecutter.package_name }}.app import GunicornServer

    GunicornServer(settings).run()
{%- elif cookiecutter.framework == "fastapi" %}
    """Serve the app with uvicorn (a production ASGI server) on HOST:PORT."""
    import uvicorn

    uvicorn.run(
        "{{ cookiecutter.package_name }}.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=True,
    )
{%- else %}
    """Run the worker loop until SIGTERM or SIGINT."""
    from {{ cookiecutter.package_name }}.worker import Worker

    Worker(settings).run()
{%- endif %}
    return 0


# The code the dev server watches: src/, where the project is installed editable.
SOURCE = Path(__file__).resolve().parent.parent
# Where debugpy listens inside the container (`invoke dev --debug` publishes it on 127.0.0.1).
DEBUG_PORT = 5678


def dev(settings, debug=False, wait=False):
    """Serve for development: restart on every change under src/ (dev tools only, not in `service`).
    With --debug, debugpy listens on port 5678 and the code runs in one process, without reloading:
    a debugger follows that process, and a reload would replace it."""
    if debug:
        import debugpy

        debugpy.listen(("0.0.0.0", DEBUG_PORT))
        print(f"debugpy listens on port {DEBUG_PORT}; attach a debugger", flush=True)
        if wait:
            debugpy.wait_for_client()
{%- if cookiecutter.framework == "flask" %}
    from werkzeug.serving import run_simple

    from {{ cookiecutter.package_name }}.app import create_app

    # Werkzeug's reloader: a parent process watches the files and restarts the serving child.
    run_simple(
        settings.host,
        settings.port,
        create_app(settings),
        use_reloader=not debug,
        reloader_interval=0.2,
        threaded=True,
    )
{%- elif cookiecutter.framework == "fastapi" %}
    import uvicorn

    # uvicorn's reloader: a parent process watches src/ (with watchfiles) and restarts the server.
    uvicorn.run(
        "{{ cookiecutter.package_name }}.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        reload=not debug,
        reload_dirs=[str(SOURCE)],
    )
{%- else %}
    if debug:
        return serve(settings)
    import watchfiles

    # watchfiles restarts `serve` in a new process on every change under src/, and passes
    # SIGTERM and SIGINT on as SIGINT, which stops the worker at once.
    watchfiles.run_process(
        SOURCE,
        target=f"{sys.executable} -m {{ cookiecutter.package_name }} serve",
        target_type="command",
        watch_filter=watchfiles.PythonFilter(),
    )
{%- endif %}
    return 0


def healthcheck(settings):
{%- if cookiecutter.framework != "none" %}
    """Exit 0 when /healthz answers 200 (Docker's HEALTHCHECK runs this)."""
    url = f"http://127.0.0.1:{settings.port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            healthy = response.status == 200
    except OSError as error:
        print(f"unhealthy: {url}: {error}", file=sys.stderr)
        return 1
{%- else %}
    """Exit 0 when the worker's heartbeat is recent (Docker's HEALTHCHECK runs this)."""
    from {{ cookiecutter.package_name }}.worker import heartbeat_age

    age = heartbeat_age(settings)
    healthy = age is not None and age < 3 * settings.interval
    if not healthy:
        print(f"unhealthy: no heartbeat in {settings.heartbeat_file} for {age} s", file=sys.stderr)
{%- endif %}
    return 0 if healthy else 1


def main(argv=None):
    """Parse the command line and run the chosen command."""
    parser = argparse.ArgumentParser(prog="{{ cookiecutter.project_slug }}", description=__doc__)
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = {"serve": serve, "healthcheck": healthcheck, "init-db": init_db}
    for name, command in run.items():
        commands.add_parser(name, help=command.__doc__)
    develop = commands.add_parser("dev", help=dev.__doc__.partition("\n")[0])
    develop.add_argument("--debug", action="store_true", help="listen for a debugger on port 5678")
    develop.add_argument("--wait", action="store_true", help="with --debug: start once it attached")
    args = parser.parse_args(argv)
    if args.command == "dev" and args.wait and not args.debug:
        parser.error("--wait waits for a debugger: use it with --debug")

    settings = Settings.from_env()
    configure_logging(settings)
    if args.command == "dev":  # the working copy's data/ (git- and docker-ignored), made on demand
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    if args.command != "healthcheck":  # the commands that keep state check DATA_DIR first
        problem = store.data_dir_problem(settings.data_dir)
        if problem:
            print(problem, file=sys.stderr)
            return 2
        store.init_db(settings)
    if args.command == "dev":
        return dev(settings, debug=args.debug, wait=args.wait)
    return run[args.command](settings)
