"""`python -m {{ cookiecutter.package_name }}` does what the `{{ cookiecutter.project_slug }}` command does."""

from {{ cookiecutter.package_name }}.cli import main

raise SystemExit(main())
