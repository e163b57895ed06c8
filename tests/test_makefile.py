"""The Makefile's interpreter probe: the first working Python >= 3.12, never a broken pyenv shim."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _fake_bin(tmp_path: Path, python3: str) -> Path:
    """A PATH folder with a broken ``python3.12`` shim (as pyenv's without that version) and ``python3``."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    shim = bindir / "python3.12"
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.12: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    (bindir / "python3").write_text(python3)
    (bindir / "python3").chmod(0o755)
    return bindir


def _make(tmp_path: Path, bindir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHON", "PYENV_VERSION", "MAKEFLAGS")}
    env["PATH"] = f"{bindir}:/usr/bin:/bin"
    return subprocess.run(["make", "-C", str(REPO), *args, f"VENV={tmp_path / 'venv'}"],
                          env=env, capture_output=True, text=True, timeout=60)


def test_probe_skips_a_broken_shim_and_takes_python3(tmp_path):
    bindir = _fake_bin(tmp_path, f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    done = _make(tmp_path, bindir, "-n", "setup")
    assert done.returncode == 0, done.stderr
    assert f"python3 -m venv {tmp_path / 'venv'}" in done.stdout
    assert "python3.12 -m venv" not in done.stdout


def test_no_suitable_python_is_one_clear_message(tmp_path):
    bindir = _fake_bin(tmp_path, "#!/bin/sh\nexit 1\n")  # an interpreter older than 3.12 fails the check
    done = _make(tmp_path, bindir, "setup")
    assert done.returncode != 0
    assert "no Python >= 3.12 found" in done.stderr and "make PYTHON=" in done.stderr
    assert not (tmp_path / "venv").exists()
