"""Dependency locking on a real engine: setup.py -> stale lock -> `invoke lock` -> a pinned,
hashed dependency that the service image imports; a tampered hash fails the build."""

import re
import subprocess

import pytest

pytestmark = pytest.mark.docker
# The dependency test_a_new_dependency_flows_from_setup_py_into_the_image adds, at a fixed version.
IDNA = "3.10"


def test_a_new_dependency_flows_from_setup_py_into_the_image(docker_project):
    project = docker_project("lock-add", framework="flask")
    setup = project.path / "setup.py"
    # Pinned exactly, so what pip-compile writes cannot change with the index's next release.
    setup.write_text(setup.read_text().replace('"flask>=3.0",', f'"flask>=3.0",\n        "idna=={IDNA}",'))

    stale = project.invoke("lock", "--check", check=False)
    assert stale.returncode != 0 and "requirements/base.txt" in stale.output
    refused = project.invoke("test", check=False)
    assert refused.returncode != 0 and "run `invoke lock`" in refused.output

    project.invoke("lock")
    base = (project.path / "requirements" / "base.txt").read_text()
    pinned = rf"^idna=={re.escape(IDNA)} \\\n\s+--hash=sha256:[0-9a-f]{{64}}"
    assert re.search(pinned, base, re.MULTILINE), base
    project.invoke("lock", "--check")

    project.invoke("build")
    image = f"{project.env['SERVICE_IMAGE']}:latest"
    imported = subprocess.run(["docker", "run", "--rm", "--entrypoint", "python", image, "-c", "import idna"])
    assert imported.returncode == 0


def test_lock_upgrade_package_recompiles_in_the_image(docker_project):
    project = docker_project("lock-upgrade", framework="none")
    test_txt = project.path / "requirements" / "test.txt"
    before = pins(test_txt.read_text())
    # "Upgrade" to the pinned version itself: the recompile's result does not depend on the index.
    pytest_pin = next(pin for pin in before if pin.startswith("pytest=="))
    lock = project.invoke("lock", "--upgrade-package", pytest_pin)
    assert f"--upgrade-package {pytest_pin}" in lock.output
    assert pins(test_txt.read_text()) == before
    project.invoke("lock", "--check")


@pytest.mark.parametrize(
    ("installer", "refusal"), [("uv", "Hash mismatch for"), ("pip", "DO NOT MATCH THE HASHES")]
)
def test_a_tampered_hash_fails_the_build(docker_project, installer, refusal):
    project = docker_project(f"lock-tamper-{installer}", framework="flask", installer=installer)
    base = project.path / "requirements" / "base.txt"
    text = base.read_text()
    # Every accepted hash of the first pinned package: pip can no longer match any download.
    block = re.search(r"^(?!#)\S+==\S+ \\\n(?:\s+--hash=sha256:\w+(?: \\)?\n)+", text, re.MULTILINE)
    tampered = re.sub(r"sha256:\w{64}", "sha256:" + "0" * 64, block.group())
    base.write_text(text.replace(block.group(), tampered))

    build = project.invoke("build", "--skip-tests", check=False)
    assert build.returncode != 0
    assert refusal in build.output


def pins(text):
    """Every pin of a lock file, extras and all (coverage[toml]==...)."""
    return re.findall(r"^([A-Za-z0-9._-]+(?:\[[^\]]*\])?==\S+)", text, re.MULTILINE)


def test_lock_compiles_a_conflicted_lock_afresh_and_keeps_the_other_pins(docker_project):
    """A lock a merge left conflict markers in is named by `invoke lock --check`, and `invoke lock`
    compiles it afresh (pip-compile could not read it) while the other locks keep their pins."""
    project = docker_project("lock-conflict", framework="flask")
    requirements = project.path / "requirements"
    test_txt = requirements / "test.txt"
    # Compiled afresh within its own current pins (as constraints), so the index's newest releases
    # cannot change the result.
    test_pins = pins(test_txt.read_text())
    (requirements / "pins.txt").write_text("".join(re.sub(r"\[.*\]", "", pin) + "\n" for pin in test_pins))
    with open(requirements / "test.in", "a") as test_in:
        test_in.write("-c pins.txt\n")
    stamp, _, rest = test_txt.read_text().partition("\n")
    theirs = "# Locked inputs: sha256=" + "0" * 64
    test_txt.write_text(f"<<<<<<< ours\n{stamp}\n=======\n{theirs}\n>>>>>>> theirs\n{rest}")
    base_pins = pins((requirements / "base.txt").read_text())

    check = project.invoke("lock", "--check", check=False)
    assert check.returncode != 0
    assert "requirements/test.txt (merge conflict markers)" in check.output

    lock = project.invoke("lock")
    assert "Compiling requirements/test.txt afresh: it has merge conflict markers." in lock.output
    assert "<<<<<<<" not in test_txt.read_text() and pins(test_txt.read_text()) == test_pins
    assert pins((requirements / "base.txt").read_text()) == base_pins
    project.invoke("lock", "--check")
