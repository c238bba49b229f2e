"""An existing app moved into a baked project the way the baked README's "Bring your existing app"
steps say: package data (a template, a static file, .sql and .json files) read through the
package, its own tests, its own commands, and state in a SQLite database under DATA_DIR."""

NOTES = '''"""Notes: state in DATA_DIR; schema, labels and page template shipped as package data."""

import json
import sqlite3
from contextlib import closing
from importlib.resources import files
from pathlib import Path
from string import Template

PACKAGE = files(__package__)


def database(settings):
    return closing(sqlite3.connect(Path(settings.data_dir) / "notes.sqlite3"))


def init_notes(settings):
    with database(settings) as db, db:
        db.executescript((PACKAGE / "sql" / "notes.sql").read_text())


def add_note(settings, text):
    with database(settings) as db, db:
        db.execute("INSERT INTO notes (text) VALUES (?)", (text,))


def notes(settings):
    with database(settings) as db:
        return [row[0] for row in db.execute("SELECT text FROM notes ORDER BY id")]


def title():
    return json.loads((PACKAGE / "data" / "labels.json").read_text())["title"]


def render(settings):
    page = Template((PACKAGE / "templates" / "notes.txt").read_text())
    return page.substitute(title=title(), items="".join(f"<li>{n}</li>" for n in notes(settings)))
'''

PACKAGE_DATA = {
    "sql/notes.sql": "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);\n",
    "data/labels.json": '{"title": "Packaged Notes"}\n',
    "templates/notes.txt": "<h1>$title</h1><ul>$items</ul>\n",
    "templates/notes.html": (
        "<link rel=\"stylesheet\" href=\"{{ url_for('static', filename='notes.css') }}\">"
        "<h1>{{ title }}</h1><ul>{% for n in notes %}<li>{{ n }}</li>{% endfor %}</ul>\n"
    ),
    "static/notes.css": "h1 { color: teal; }\n",
}

# Routes added to the baked app factory, before its `return app`.
ROUTES = {
    "flask": """
    from flask import render_template, request

    from {package} import notes

    @app.get("/notes")
    def notes_page():
        return render_template("notes.html", title=notes.title(), notes=notes.notes(settings))

    @app.post("/notes")
    def add_note():
        notes.add_note(settings, request.args["text"])
        return jsonify(added=True)

""",
    "fastapi": """
    from fastapi.responses import HTMLResponse

    from {package} import notes

    @app.get("/notes", response_class=HTMLResponse)
    def notes_page():
        return notes.render(settings)

    @app.post("/notes")
    def add_note(text: str):
        notes.add_note(settings, text)
        return {{"added": True}}

""",
}

COMMANDS = '''

def init_notes(settings):
    """Create the notes database in DATA_DIR."""
    from {package} import notes

    notes.init_notes(settings)
    return 0


def show_notes(settings):
    """Print the notes page."""
    from {package} import notes

    print(notes.render(settings))
    return 0
'''

TESTS = {
    "common": """import json
from importlib.resources import files

from {package} import notes


def test_notes_are_kept_in_the_data_dir(settings):
    notes.init_notes(settings)
    notes.add_note(settings, "hi")
    assert notes.notes(settings) == ["hi"]


def test_labels_ship_with_the_package():
    assert json.loads((files("{package}") / "data" / "labels.json").read_text()) == {{
        "title": "Packaged Notes"
    }}


def test_the_page_renders_the_packaged_template(settings):
    notes.init_notes(settings)
    notes.add_note(settings, "hi")
    assert notes.render(settings) == "<h1>Packaged Notes</h1><ul><li>hi</li></ul>\\n"
""",
    "flask": """

from {package}.app import create_app


def test_the_notes_page_renders_its_jinja_template_and_static_file(settings):
    notes.init_notes(settings)
    client = create_app(settings).test_client()
    assert client.post("/notes?text=hello").status_code == 200
    page = client.get("/notes").get_data(as_text=True)
    assert "<h1>Packaged Notes</h1>" in page and "<li>hello</li>" in page
    assert client.get("/static/notes.css").get_data(as_text=True) == "h1 {{ color: teal; }}\\n"
""",
    "fastapi": """

from fastapi.testclient import TestClient

from {package}.app import create_app


def test_the_notes_page_renders_its_template(settings):
    notes.init_notes(settings)
    client = TestClient(create_app(settings))
    assert client.post("/notes", params={{"text": "hello"}}).status_code == 200
    assert "<li>hello</li>" in client.get("/notes").text
""",
}


def move_in(project, package, framework):
    """Move the notes app into a baked project (a tests.conftest.Project), as its README says."""
    code = project.path / "src" / package
    project.write(f"src/{package}/notes.py", NOTES)
    for name, text in PACKAGE_DATA.items():
        project.write(f"src/{package}/{name}", text)
    cli = (code / "cli.py").read_text()
    commands = '"init-db": init_db, "init-notes": init_notes, "notes": show_notes}'
    cli = cli.replace('"init-db": init_db}', commands)
    cli = cli.replace("\n\ndef main(", COMMANDS.format(package=package) + "\n\ndef main(")
    (code / "cli.py").write_text(cli)
    if framework in ROUTES:
        app = (code / "app.py").read_text()
        routes = ROUTES[framework].format(package=package)
        assert app.count("\n    return app\n") == 1
        app = app.replace("\n    return app\n", routes + "    return app\n")
        (code / "app.py").write_text(app)
    else:  # the worker writes a note per unit of work
        worker = (code / "worker.py").read_text()
        worker = worker.replace(
            '        total = store.hit(self.settings, "units")\n',
            '        total = store.hit(self.settings, "units")\n'
            f"        from {package} import notes\n\n"
            "        notes.init_notes(self.settings)\n"
            '        notes.add_note(self.settings, f"unit {total}")\n',
        )
        (code / "worker.py").write_text(worker)
    tests = TESTS["common"] + TESTS.get(framework, "")
    project.write("tests/test_notes.py", tests.format(package=package))


# What a run of the app can leave in a working copy; none of it may reach an image or a wheel.
# The Docker test makes all but .env with mounted runs of the app's own `init-notes` command.
LEFTOVERS = ("data", "src/instance", "src/{package}")
ENV_FILE = ".env"
