"""`python -m servicehost` does what the `{{ cookiecutter.project_slug }}` command does."""

from servicehost.command import main

raise SystemExit(main())
