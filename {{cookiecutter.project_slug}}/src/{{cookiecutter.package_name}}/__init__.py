"""The example {% if cookiecutter.framework == "none" %}worker{% else %}app{% endif %} of {{ cookiecutter.project_name }}: {{ cookiecutter.description }}

Grow it into your service, or delete it (this package and tests/test_example.py) and bring your
own: README.md, "Bring your existing app"."""
