"""Packaging hook: ship the curated tables and the model specs inside the wheel.

``data/`` becomes the package ``forecast._data`` and ``models/`` becomes ``forecast._models`` (their CSV and
TOML files only; fitted runs in ``models/<name>/`` are not shipped), so an installed ``forecast`` finds them
without a checkout (see ``forecast/paths.py``). Everything else is in ``pyproject.toml``.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["forecast", "forecast.*"]), "forecast._data", "forecast._models"],
    package_dir={"forecast._data": "data", "forecast._models": "models"},
    package_data={"forecast": ["*.toml"], "forecast._data": ["*.csv", "README.md"], "forecast._models": ["*.toml"]},
)
