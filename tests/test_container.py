"""The Dockerfile, .dockerignore and the lock files say what README promises.

`make docker-smoke` builds and runs the image (it needs root and podman); these
checks are the cheap part that runs everywhere.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent
DOCKERFILE = (REPO / "Dockerfile").read_text(encoding="utf-8")


def instructions(name: str) -> list[str]:
    """The arguments of every NAME instruction, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [
        line.split(None, 1)[1].strip()
        for line in joined.splitlines()
        if line.split(None, 1)[:1] == [name]
    ]


def test_build_is_multi_stage_on_python_312_slim_by_default():
    assert instructions("ARG")[0] == "BASE_IMAGE=python:3.12-slim"
    assert instructions("FROM") == ["${BASE_IMAGE} AS build", "${BASE_IMAGE}"]


def test_runs_as_a_numeric_non_root_user_with_data_in_a_volume():
    assert "UID=10001" in instructions("ARG")
    assert instructions("USER") == ["${UID}:${UID}"]
    assert instructions("VOLUME") == ['["/data"]']
    env = " ".join(instructions("ENV"))
    assert "FACTBOT_DATABASE__PATH=/data/factbot.db" in env
    assert "FACTBOT_BOT__CONSOLE_FALLBACK=false" in env


def test_healthcheck_asks_the_bot_and_the_command_is_the_bot():
    (healthcheck,) = instructions("HEALTHCHECK")
    assert healthcheck.endswith('CMD ["python", "-m", "bot", "status"]')
    assert instructions("CMD") == ['["python", "-m", "bot"]']
    assert not instructions("ENTRYPOINT")  # so `docker run IMAGE python -m knowledge ...` works


def test_installs_with_the_lock_file():
    runs = " ".join(instructions("RUN"))
    assert "pip install --no-cache-dir -r requirements.lock" in runs
    assert "-c requirements.lock ." in runs


def lock(name: str = "requirements.lock") -> dict[str, str]:
    pins = {}
    for line in (REPO / name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            package, _, version = line.partition("==")
            assert version, f"{name}: {line!r} is not pinned with =="
            pins[canonicalize_name(package)] = version
    return pins


def test_lock_pins_every_runtime_dependency_within_its_range():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = lock()
    for spec in project["dependencies"]:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"requirements.lock lacks {name}: run make lock"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} vs {spec}"


def test_dev_lock_has_the_runtime_pins_and_every_test_tool_within_its_range():
    """make install installs requirements-dev.lock: the tests run what the image ships."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime, dev = lock(), lock("requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime, "run make lock"
    for spec in project["optional-dependencies"]["test"]:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in dev, f"requirements-dev.lock lacks {name}: run make lock"
        assert requirement.specifier.contains(dev[name]), f"{name}=={dev[name]} vs {spec}"


def test_make_install_installs_the_dev_lock_and_lint_runs_mypy():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "pip install --quiet -r requirements-dev.lock" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile
    assert "\t$(BIN)/mypy\n" in makefile


def dockerignore_excludes(path: str) -> bool:
    """Docker's rules: patterns in order, the last match wins, `!` re-includes,
    `**` spans folders, and a pattern that matches a folder covers its contents."""
    excluded = False
    for raw in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        regex = (
            re.escape(pattern)
            .replace(r"\*\*/", "(.*/)?")
            .replace(r"\*\*", ".*")
            .replace(r"\*", "[^/]*")
            .replace(r"\?", "[^/]")
            .replace(r"\[", "[")
            .replace(r"\]", "]")
        )
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(re.fullmatch(regex, prefix) for prefix in prefixes):
            excluded = not negate
    return excluded


@pytest.mark.parametrize(
    "path",
    [
        ".git/HEAD",
        ".venv/bin/python",
        "data/factbot.db",
        "data/factbot.db-wal",
        "data/factbot.status.json",
        "knowledge/__pycache__/store.cpython-311.pyc",
        "bot/__pycache__/app.cpython-312.pyc",
        "knowledge/scratch.db",
        ".pytest_cache/v/cache/nodeids",
        ".ruff_cache/0.6/x",
        "factbot.egg-info/PKG-INFO",
        "tests/test_store.py",
        "benchmarks/results/run.json",
    ],
)
def test_build_context_leaves_out(path):
    assert dockerignore_excludes(path)


@pytest.mark.parametrize(
    "path",
    [
        "pyproject.toml",
        "requirements.lock",
        "README.md",
        "config.toml",
        "bot/app.py",
        "bot/cogs/ask.py",
        "knowledge/data/facts/japan-times-2012-01-04-social-media.toml",
        "knowledge/data/sources/japan-times-2012-01-04-social-media.txt",
    ],
)
def test_build_context_keeps(path):
    assert not dockerignore_excludes(path)


def test_every_file_the_dockerfile_copies_is_in_the_context():
    for copy in instructions("COPY"):
        if copy.startswith("--from"):
            continue
        *sources, _ = copy.split()
        for source in sources:
            assert (REPO / source).exists(), source
            assert not dockerignore_excludes(source.rstrip("/")), source
