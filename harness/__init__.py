"""The proof wing's harness: what the tests, tasks.py and the benchmark share, one module a concern.

- template: this checkout (ROOT, cookiecutter.json's options, the offered Python versions)
- engine: which Docker engine and base images this machine offers
- docker: docker commands, images' layers and what a push of a rebuild uploads
- network: free ports, polling, JSON over HTTP
- projects: baked projects and the commands run in them, and baking through the CLI
- git: the git identity of the commits tests make, and a commit of a whole work tree
- registry: a real registry on a free port
- hooks: the template's hooks, loaded or rendered as cookiecutter renders them
- dap: a Debug Adapter Protocol client
- devloop: `invoke dev` in the background, edits as an editor saves them
- real_app: real-shaped apps (flask, fastapi, a worker, django) and moving them into a bake
- swarm: a swarm on this engine with workers joined, a stack's tasks, a steady load during a deploy
- load: the load generator itself (`python -m harness.load URL RATE`), a second process
- hosts: a second Docker host in a network namespace, the registry relayed onto its loopback

Only projects.Project's failures, network.wait_for and registry need pytest; the rest runs
without it (tasks.py, the benchmark), and fail() says which way to stop.
"""

import sys


def fail(message):
    """Stop with message: a failed test under pytest, otherwise an exit with the message."""
    if "pytest" in sys.modules:
        import pytest

        pytest.fail(message)
    raise SystemExit(message)
