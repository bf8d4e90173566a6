"""The locks and the image: runtime and test locks pinned with hashes, no test tool in the image."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_LOCK = ROOT / "requirements.lock"
TEST_LOCK = ROOT / "requirements-test.lock"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# Tools a test run uses that no extra names directly (they come with the ones that do).
TEST_ONLY_TOOLS = {"pytest", "mypy", "ruff", "hypothesis", "jsonschema", "import-linter", "pytest-asyncio"}


def pins(lock: Path) -> dict[str, tuple[str, list[str]]]:
    """Each pinned distribution of a lock file: its version and its hashes."""
    entries: dict[str, tuple[str, list[str]]] = {}
    # One requirement per logical line: backslash continuations join its --hash options.
    for line in lock.read_text().replace("\\\n", " ").splitlines():
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        name_version, *options = re.split(r"\s+--", text)
        requirement = Requirement(name_version.strip())
        version = next(iter(requirement.specifier)).version
        hashes = [option.removeprefix("hash=") for option in options if option.startswith("hash=")]
        entries[canonicalize_name(requirement.name)] = (version, hashes)
    return entries


def declared(names: list[str]) -> set[str]:
    """Distribution names of pyproject requirement strings."""
    return {canonicalize_name(Requirement(name).name) for name in names}


@pytest.mark.parametrize("lock", [RUNTIME_LOCK, TEST_LOCK], ids=lambda lock: lock.name)
def test_every_pin_of_a_lock_has_a_sha256_hash(lock: Path) -> None:
    """pip's --require-hashes refuses a file with one unhashed line: each pin carries its hashes."""
    entries = pins(lock)
    assert entries, f"{lock.name} pins nothing"
    unhashed = [name for name, (_, hashes) in entries.items() if not hashes]
    assert not unhashed, f"{lock.name}: no hash for {unhashed}"
    assert all(digest.startswith("sha256:") for _, hashes in entries.values() for digest in hashes)


def test_the_runtime_lock_holds_the_runtime_dependencies_and_no_test_tool() -> None:
    """What the image installs: every runtime dependency, none of the test extra or its tools."""
    runtime = pins(RUNTIME_LOCK)
    project = PYPROJECT["project"]
    assert declared(project["dependencies"]) <= runtime.keys()
    test_tools = declared(project["optional-dependencies"]["test"]) | TEST_ONLY_TOOLS
    assert not test_tools & runtime.keys(), f"test tools in the runtime lock: {test_tools & runtime.keys()}"


def test_the_test_lock_pins_the_runtime_lock_unchanged_plus_the_test_extra() -> None:
    """Tests run on the very versions the image ships, with every test requirement pinned too."""
    runtime, test = pins(RUNTIME_LOCK), pins(TEST_LOCK)
    differing = {name for name, pin in runtime.items() if test.get(name) != pin}
    assert not differing, f"the test lock pins these differently from the runtime lock: {differing}"
    assert declared(PYPROJECT["project"]["optional-dependencies"]["test"]) <= test.keys()


def test_the_image_installs_only_the_runtime_lock_with_hashes() -> None:
    """The Dockerfile installs requirements.lock with --require-hashes, never the test lock."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes" in dockerfile and "-r requirements.lock" in dockerfile
    assert TEST_LOCK.name not in dockerfile
