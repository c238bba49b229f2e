{%- set web = cookiecutter.framework != "none" -%}
"""The `{{ cookiecutter.project_slug }}` command, the image's entrypoint: `serve` (the default), `release`,
`healthcheck`, `dev` and `build-steps`; any other command runs as given, with the settings
checked first (`docker run IMAGE alembic upgrade head`)."""

import argparse
import contextlib
import os
import shlex
import subprocess
import sys
from pathlib import Path

{% if cookiecutter.database == "postgres" -%}
from servicehost import database{% if not web %}, health{% endif %}
{% elif not web -%}
from servicehost import health
{% endif -%}
{% if cookiecutter.framework == "django" -%}
from servicehost.settings import (
    ROOT,
    SettingError,
    Settings,
    configure_logging,
    data_dir_problem,
    use_django_settings,
)
{% else -%}
from servicehost.settings import ROOT, SettingError, Settings, configure_logging, data_dir_problem
{% endif %}
COMMANDS = ("serve", "release", "healthcheck", "dev", "build-steps")


def run_steps(commands, kind):
    """Run each command in the project's root; stop at the first that fails, in one sentence."""
    for command in commands:
        print(f"{kind}: {command}", flush=True)
        try:
            code = subprocess.run(shlex.split(command), cwd=ROOT).returncode
        except FileNotFoundError as error:
            code, why = 127, f"there is no command {error.filename!r}"
        else:
            why = f"exit code {code}"
        if code:
            print(f"The {kind} `{command}` failed ({why}): see its output above.", file=sys.stderr)
            return code if 0 < code < 126 else 1
    return 0


def serve(settings):
    """Serve the app (the image's default command)."""
    from servicehost import server

    return server.serve(settings)


def release(settings):
    """Run the release step ([tool.servicehost] release: migrations), before the service starts."""
{%- if cookiecutter.database == "postgres" %}
    # One at a time: replicas starting together wait for each other's migrations.
    with database.locked(os.environ["DATABASE_URL"], "release step"):
        code = run_steps(settings.release, "release step")
{%- else %}
    code = run_steps(settings.release, "release step")
{%- endif %}
    if code:
        print("The service was not started: fix the release step, then start it.", file=sys.stderr)
    return code


def build_steps(settings):
    """Run the build steps ([tool.servicehost] build-steps), in the image build."""
    return run_steps(settings.build_steps, "build step")


def healthcheck(settings):
{%- if web %}
    """Exit 0 when the health endpoint answers 200 (Docker's HEALTHCHECK runs this)."""
    import http.client  # here: every other command starts without it

    url = f"http://127.0.0.1:{settings.port}{settings.health_path}"
    connection = http.client.HTTPConnection("127.0.0.1", settings.port, timeout=2)
    try:
        connection.request("GET", settings.health_path)
        response = connection.getresponse()
        if response.status == 200:
            return 0
        body = response.read().decode()
        print(f"unhealthy: {url} answered {response.status}: {body}", file=sys.stderr)
    except (OSError, http.client.HTTPException) as error:
        print(f"unhealthy: {url}: {error}", file=sys.stderr)
    finally:
        connection.close()
    return 1
{%- else %}
    """Exit 0 when the worker's heartbeat is recent (Docker's HEALTHCHECK runs this)."""
    problem = health.problem(settings)
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0
{%- endif %}


def dev(settings, debug=False, wait=False):
    """Serve for development, restarting on every change under src/, after the build steps (on
    the working copy) and the release step. With --debug, debugpy listens on DEBUG_PORT and the
    code runs in one process."""
{%- if cookiecutter.framework in ("flask", "django") %}
    # {% if cookiecutter.framework == "flask" %}Werkzeug's{% else %}Django's{% endif %} reloader runs this command again in a child process ({% if cookiecutter.framework == "flask" %}WERKZEUG_RUN_MAIN{% else %}RUN_MAIN{% endif %}
    # set) at the start and after every change: the steps ran once, in the watching parent.
    reloaded = os.environ.get("{% if cookiecutter.framework == "flask" %}WERKZEUG_RUN_MAIN{% else %}RUN_MAIN{% endif %}") == "true"
    code = 0 if reloaded else build_steps(settings) or release(settings)
{%- else %}
    code = build_steps(settings) or release(settings)
{%- endif %}
    if code:
        return code
    if debug:
        import debugpy

        debugpy.listen(("0.0.0.0", settings.debug_port))
        print(f"debugpy listens on port {settings.debug_port}; attach a debugger", flush=True)
        if wait:
            debugpy.wait_for_client()
    from servicehost import server  # the server's imports, only for the commands that serve

    return server.dev(settings, debug)


class Version(argparse.Action):
    """--version, looked up only when asked: importlib.metadata would slow every start."""

    def __call__(self, parser, *_):
        from importlib.metadata import version

        print(version("{{ cookiecutter.project_slug }}"))
        parser.exit()


def main(argv=None):
    """Parse the command line and run the chosen command."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="{{ cookiecutter.project_slug }}", description=__doc__)
    parser.add_argument("--version", action=Version, nargs=0, help="show the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = {
        "serve": serve,
        "release": release,
        "healthcheck": healthcheck,
        "build-steps": build_steps,
    }
    for name, command in run.items():
        commands.add_parser(name, help=command.__doc__.partition("\n")[0])
    develop = commands.add_parser("dev", help=dev.__doc__.partition("\n")[0])
    develop.add_argument("--debug", action="store_true", help="listen for a debugger on DEBUG_PORT")
    develop.add_argument("--wait", action="store_true", help="with --debug: start once it attached")
    other = argv[:1] and not argv[0].startswith("-") and argv[0] not in COMMANDS
    args = parser.parse_args(argv[:0] if other else argv)
    if not other and args.command is None:
        parser.error(f"choose a command: {', '.join(COMMANDS)}, or any program to run")
    if not other and args.command == "dev" and args.wait and not args.debug:
        parser.error("--wait waits for a debugger: use it with --debug")

    try:
        settings = Settings.load()
    except SettingError as error:
        print(error, file=sys.stderr)
        return 2
    configure_logging(settings)
{%- if cookiecutter.framework == "django" %}
    use_django_settings(settings)
{%- endif %}
    # A DATA_DIR in the working copy (the dev loop's data/, git- and docker-ignored) is made on
    # demand, for every command; anywhere else it is a volume, which must be there.
    data_dir = Path(settings.data_dir)
    if data_dir.resolve().is_relative_to(ROOT):
        with contextlib.suppress(OSError):  # not writable: the check below says so
            data_dir.mkdir(parents=True, exist_ok=True)
    if other:  # e.g. a migration tool: the same settings and DATA_DIR check, then that program
        problem = data_dir_problem(settings.data_dir)
{%- if cookiecutter.database == "postgres" %}
        if not problem and os.environ.get("DATABASE_URL"):
            try:  # the password from its file, for the program too
                database.configure()
            except SettingError as error:
                problem = error
{%- endif %}
        if problem:
            print(problem, file=sys.stderr)
            return 2
        try:
            os.execvp(argv[0], argv)  # in place of this process: it never returns
        except FileNotFoundError:
            print(
                f"There is no command {argv[0]!r} in the image: run one of"
                f" {', '.join(COMMANDS)}, or a program the image has.",
                file=sys.stderr,
            )
            return 127
        return 0  # reached only where os.execvp is replaced (in the tests)
    if args.command in ("serve", "release", "dev"):  # the commands that keep state check it first
        problem = data_dir_problem(settings.data_dir)
        if problem:
            print(problem, file=sys.stderr)
            return 2
    try:
{%- if cookiecutter.database == "postgres" %}
        if args.command in ("serve", "release", "dev"):  # the database answers, or one sentence
            database.wait(database.configure(), settings.database_wait)
{%- endif %}
        if args.command == "dev":
            return dev(settings, debug=args.debug, wait=args.wait)
        return run[args.command](settings)
    except SettingError as error:
        print(error, file=sys.stderr)
        return 2
