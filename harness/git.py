"""The git identity of the commits tests make, which CI machines may lack: one for every test; and
the commit of a whole work tree."""

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "Template Tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
}


def commit(project, message):
    """Commit everything in a project's work tree (a harness.projects.Project)."""
    project.run("git", "add", "--all")
    project.run("git", "commit", "--quiet", "--message", message)
