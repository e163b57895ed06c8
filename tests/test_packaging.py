"""The lock file pins every declared dependency with hashes; every imported package is declared."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIRST_PARTY = {"forecast", "tests"}


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9_.-]+", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return {_name(r) for r in project["dependencies"]}, {_name(r) for r in project["optional-dependencies"]["dev"]}


def _locked() -> dict[str, str]:
    """Package -> its whole entry in requirements-lock.txt."""
    text = (REPO / "requirements-lock.txt").read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2] if text.startswith("#") else text)
    return {_name(e): e for e in entries if "==" in e.split("\n")[0]}


def _imported(*folders: str) -> set[str]:
    """Top-level third-party modules imported by the Python files under ``folders``."""
    found: set[str] = set()
    for folder in folders:
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    found |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - FIRST_PARTY


def _distributions(modules: set[str]) -> set[str]:
    mapping = packages_distributions()
    missing = sorted(m for m in modules if m not in mapping)
    assert not missing, f"imported but not installed: {missing}"
    return {_name(d) for m in modules for d in mapping[m]}


def test_every_declared_dependency_is_pinned_with_hashes():
    runtime, dev = _declared()
    locked = _locked()
    for name in sorted(runtime | dev):
        assert name in locked, f"{name} is declared in pyproject.toml but not in requirements-lock.txt"
        assert "==" in locked[name] and "--hash=sha256:" in locked[name], locked[name]
    assert {"pandas-stubs", "nbclient", "nbformat", "ipykernel"} <= dev


def test_every_imported_package_is_declared():
    runtime, dev = _declared()
    package = _distributions(_imported("forecast"))
    assert package <= runtime, f"imported by forecast/ but not a dependency: {sorted(package - runtime)}"
    tools = _distributions(_imported("tests", "benchmarks", "data/build"))
    assert tools <= runtime | dev, f"imported by tests or scripts but not declared: {sorted(tools - runtime - dev)}"
