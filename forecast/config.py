"""Model specs: TOML files under ``models/`` merged over ``spec_defaults.toml``, loaded into a typed config.

A spec never mutates: merging returns new objects, and the loaded :class:`Spec` is frozen.
Every bad key or value raises :class:`~forecast.errors.ConfigError` naming the key path and
what is allowed.
"""

from __future__ import annotations

import copy
import json
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from forecast import policy, schema
from forecast.errors import ConfigError, RunError

LINKS = ("logit", "log", "identity")
LIKELIHOODS = ("student_t", "normal")
COMPUTE_MEASURES = ("training_flop", "hardware_burden", "both")
SAMPLERS = ("nutpie", "pymc")
ADAPTATIONS = ("draw_diag", "diag", "low_rank")
INTERCEPTS = ("centered", "noncentered")
POOLINGS = ("zerosum", "noncentered")
NOISES = ("per_domain", "pooled", "shared")
COMPUTE_MEASUREMENTS = ("berkson", "structural")
DYNAMICS = ("none", "random_walk")
SLOPE_SIGNS = ("free", "negative")


RUN_NAME_MAX = 100
"""Longest run name: well inside every file system's 255-byte file-name limit."""
_RUN_NAME = re.compile(r"[A-Za-z0-9._-]+")



NON_NEGATIVE_CONSTANTS = ("hw_sigma_min",)
"""Plain-number priors that may be 0 (0 switches the feature off); every other plain number must be > 0."""

def check_run_name(name: str, what: str = "--name") -> str:
    """Return ``name`` if it is one safe path component, else raise :class:`ConfigError`.

    A run name becomes a folder under ``models/`` and ``reports/``: it must be 1 to
    :data:`RUN_NAME_MAX` characters from ``[A-Za-z0-9._-]``, and neither ``.`` nor ``..``.
    """
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{what} must be a non-empty run name, got {name!r}")
    if len(name) > RUN_NAME_MAX:
        raise ConfigError(f"{what} is {len(name)} characters long; a run name has at most {RUN_NAME_MAX}")
    if not _RUN_NAME.fullmatch(name) or name in (".", ".."):
        raise ConfigError(
            f"{what} = {name!r} is not a run name: use letters, digits, '.', '-' and '_' only "
            "(one folder name, not a path; not '.' or '..')"
        )
    return name


def default_spec_dict() -> dict[str, Any]:
    """The package defaults as a fresh, mutable dict."""
    text = resources.files("forecast").joinpath("spec_defaults.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def frozen_defaults_file(schema_version: int) -> str:
    """File name of the spec defaults frozen for runs of ``schema_version`` (inside the package)."""
    return f"spec_defaults_v{int(schema_version)}.toml"


def frozen_spec_defaults(schema_version: int) -> dict[str, Any]:
    """The spec defaults frozen for run files of ``schema_version``, as a fresh dict.

    A run stores its fully merged spec; these defaults only fill keys that did not exist when an
    old run was fitted, with the values that reproduce what the model did then (e.g. ``model.noise =
    "per_domain"`` for runs fitted before that key existed). Today's ``spec_defaults.toml`` is never
    used to load a run, so changing a default cannot relabel an old run.

    Raises
    ------
    RunError
        No defaults are frozen for that version (the run is of an unknown schema).
    """
    res = resources.files("forecast").joinpath(frozen_defaults_file(schema_version))
    if not res.is_file():
        raise RunError(f"no spec defaults are frozen for run schema version {schema_version}")
    return tomllib.loads(res.read_text(encoding="utf-8"))


def merge(base: Mapping[str, Any], override: Mapping[str, Any], path: str = "") -> dict[str, Any]:
    """Deep-merge ``override`` over ``base`` without mutating either; unknown keys are errors."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        where = f"{path}.{key}" if path else key
        if key not in base:
            allowed = ", ".join(sorted(base)) or "(none)"
            raise ConfigError(f"unknown key '{where}'; allowed keys here: {allowed}")
        if isinstance(base[key], Mapping):
            if not isinstance(value, Mapping):
                raise ConfigError(f"'{where}' must be a table, got {value!r}")
            out[key] = merge(base[key], value, where)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _choice(value: Any, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise ConfigError(f"'{where}' = {value!r} is not allowed; choose one of: {', '.join(allowed)}")
    return str(value)


def _number(value: Any, where: str, *, positive: bool = False, integer: bool = False) -> float:
    ok_type = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, ok_type):
        kind = "an integer" if integer else "a number"
        raise ConfigError(f"'{where}' must be {kind}, got {value!r}")
    if not math.isfinite(value):
        raise ConfigError(f"'{where}' must be a finite number, got {value!r}")
    if positive and value <= 0:
        raise ConfigError(f"'{where}' must be > 0, got {value!r}")
    return value


@dataclass(frozen=True)
class ModelConfig:
    """What the performance model includes and how it is shaped."""

    name: str
    description: str
    domains: tuple[str, ...]
    series: tuple[str, ...]
    min_rows_per_series: int
    link: str
    likelihood: str
    compute_measure: str
    frontier_only: bool
    slope_correlation: bool
    intercepts: str
    pooling: str
    noise: str
    floors: bool = False
    compute_measurement: str = "berkson"
    dynamics: str = "none"
    dynamics_bin_years: int = 1
    slope_sign: str = "free"


@dataclass(frozen=True)
class SamplerConfig:
    """Sampler settings: which NUTS, how long, and the integer seed."""

    sampler: str
    draws: int
    tune: int
    chains: int
    cores: int
    seed: int
    adaptation: str
    prior_draws: int
    target_accept: float = policy.TARGET_ACCEPT


@dataclass(frozen=True)
class ForecastConfig:
    """Budgets, targets and years of the forecasts."""

    budgets_usd: tuple[float | str, ...]
    target_fractions: tuple[float, ...]
    years: tuple[int, ...]
    horizon_year: int
    fan_years: tuple[int, int]
    saturation_fraction: float = 0.1
    side_by_side: tuple[str, ...] = ()


@dataclass(frozen=True)
class Spec:
    """A complete, validated model spec."""

    model: ModelConfig
    centering: Mapping[str, float]
    priors: Mapping[str, Mapping[str, float]]
    assumptions: Mapping[str, float]
    forecast: ForecastConfig
    sampler: SamplerConfig
    source: str = "<defaults>"
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def prior(self, name: str) -> Mapping[str, float]:
        """Parameters of the prior called ``name``."""
        return self.priors[name]

    def to_json(self) -> str:
        """The merged spec as JSON (stored inside every run)."""
        return json.dumps(_thaw(self.raw), sort_keys=True)

    def with_overrides(self, overrides: Mapping[str, Any]) -> Spec:
        """A new spec with ``overrides`` (nested dict) merged over this one."""
        return spec_from_dict(merge(_thaw(self.raw), overrides), source=f"{self.source} (+overrides)")

    def budgets(self) -> dict[str, float]:
        """Budgets in constant dollars, labelled (``'$1B'``, ``'1% of world GDP'``...)."""
        out: dict[str, float] = {}
        for b in self.forecast.budgets_usd:
            if b == "gdp_1pct":
                out["1% of world GDP"] = 0.01 * float(self.assumptions["world_gdp_usd"])
            else:
                out[_money_label(float(b))] = float(b)
        return out


def _money_label(value: float) -> str:
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if value >= scale:
            return f"${value / scale:g}{suffix}"
    return f"${value:g}"


def _thaw(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {k: _thaw(v) for k, v in obj.items()}
    if isinstance(obj, tuple | list):
        return [_thaw(v) for v in obj]
    return obj


def _freeze(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in obj.items()})
    if isinstance(obj, list):
        return tuple(_freeze(v) for v in obj)
    return obj


def spec_from_dict(raw: Mapping[str, Any], source: str = "<dict>") -> Spec:
    """Validate a fully merged spec dict and build the typed :class:`Spec`."""
    m = raw["model"]
    domains = tuple(m["domains"])
    if not domains:
        raise ConfigError("'model.domains' must list at least one domain")
    for i, d in enumerate(domains):
        _choice(d, schema.DOMAINS, f"model.domains[{i}]")
    if "language_modeling" in domains:
        raise ConfigError(
            "'model.domains' cannot include 'language_modeling': perplexity has no error form in (0, 1)"
        )
    for i, s in enumerate(m["series"]):
        bench, _, measure = str(s).partition("/")
        if bench not in schema.BENCHMARKS:
            raise ConfigError(
                f"'model.series[{i}]' = {s!r}: unknown benchmark {bench!r}; "
                f"allowed: {', '.join(schema.BENCHMARKS)}"
            )
        measures = sorted({schema.METRICS[x].measure for x in schema.BENCHMARKS[bench].metrics})
        if measure not in measures:
            raise ConfigError(f"'model.series[{i}]' = {s!r}: measure must be one of {', '.join(measures)}")
        if schema.BENCHMARKS[bench].domain not in domains:
            raise ConfigError(f"'model.series[{i}]' = {s!r} belongs to a domain not in 'model.domains'")
    model = ModelConfig(
        name=str(m["name"]),
        description=str(m["description"]),
        domains=domains,
        series=tuple(m["series"]),
        min_rows_per_series=int(_number(m["min_rows_per_series"], "model.min_rows_per_series",
                                        positive=True, integer=True)),
        link=_choice(m["link"], LINKS, "model.link"),
        likelihood=_choice(m["likelihood"], LIKELIHOODS, "model.likelihood"),
        compute_measure=_choice(m["compute_measure"], COMPUTE_MEASURES, "model.compute_measure"),
        frontier_only=_bool(m["frontier_only"], "model.frontier_only"),
        slope_correlation=_bool(m["slope_correlation"], "model.slope_correlation"),
        intercepts=_choice(m["intercepts"], INTERCEPTS, "model.intercepts"),
        pooling=_choice(m["pooling"], POOLINGS, "model.pooling"),
        noise=_choice(m["noise"], NOISES, "model.noise"),
        floors=_bool(m["floors"], "model.floors"),
        compute_measurement=_choice(m["compute_measurement"], COMPUTE_MEASUREMENTS, "model.compute_measurement"),
        dynamics=_choice(m["dynamics"], DYNAMICS, "model.dynamics"),
        dynamics_bin_years=int(_number(m["dynamics_bin_years"], "model.dynamics_bin_years",
                                       positive=True, integer=True)),
        slope_sign=_choice(m["slope_sign"], SLOPE_SIGNS, "model.slope_sign"),
    )
    _check_v2_options(model, raw["priors"])
    if not model.name.replace("-", "").replace("_", "").isalnum():
        raise ConfigError(f"'model.name' = {model.name!r}: use letters, digits, '-' and '_' only")
    check_run_name(model.name, "'model.name'")
    for key, value in raw["centering"].items():
        _number(value, f"centering.{key}")
    for name, params in raw["priors"].items():
        if name == "floor":
            continue  # checked by _check_v2_options (a table of per-series tables)
        if isinstance(params, Mapping):
            for key, value in params.items():
                positive = key in ("sigma", "alpha", "beta", "mean", "low", "high")
                _number(value, f"priors.{name}.{key}", positive=positive)
        else:
            value = _number(params, f"priors.{name}", positive=name not in NON_NEGATIVE_CONSTANTS)
            if value < 0:
                raise ConfigError(f"'priors.{name}' must be >= 0, got {value!r}")
    util = raw["priors"]["utilization"]
    if not 0 < util["low"] < util["mean"] < util["high"] < 1:
        raise ConfigError("'priors.utilization' needs 0 < low < mean < high < 1")
    for key, value in raw["assumptions"].items():
        _number(value, f"assumptions.{key}", positive=True)
    f = raw["forecast"]
    for i, b in enumerate(f["budgets_usd"]):
        if b != "gdp_1pct":
            _number(b, f"forecast.budgets_usd[{i}]", positive=True)
    for i, frac in enumerate(f["target_fractions"]):
        if not (isinstance(frac, int | float) and 0 < frac < 1):
            raise ConfigError(f"'forecast.target_fractions[{i}]' = {frac!r} must be in (0, 1)")
    for i, y in enumerate(f["years"]):
        _number(y, f"forecast.years[{i}]", integer=True)
    fan = tuple(f["fan_years"])
    if len(fan) != 2 or fan[0] >= fan[1]:
        raise ConfigError("'forecast.fan_years' must be [first, last] with first < last")
    forecast_cfg = ForecastConfig(
        budgets_usd=tuple(f["budgets_usd"]),
        target_fractions=tuple(float(x) for x in f["target_fractions"]),
        years=tuple(int(y) for y in f["years"]),
        horizon_year=int(_number(f["horizon_year"], "forecast.horizon_year", integer=True)),
        fan_years=(int(fan[0]), int(fan[1])),
        saturation_fraction=float(f["saturation_fraction"]),
        side_by_side=_spec_files(f["side_by_side"], "forecast.side_by_side"),
    )
    if not (isinstance(f["saturation_fraction"], int | float) and 0 < f["saturation_fraction"] < 1):
        raise ConfigError(f"'forecast.saturation_fraction' = {f['saturation_fraction']!r} must be in (0, 1)")
    s = raw["sampler"]
    seed = s["seed"]
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"'sampler.seed' must be a non-negative integer, got {seed!r}")
    target_accept = s.get("target_accept", policy.TARGET_ACCEPT)
    if not (isinstance(target_accept, float) and 0.5 <= target_accept < 1):
        raise ConfigError(f"'sampler.target_accept' = {target_accept!r} must be a float in [0.5, 1)")
    sampler = SamplerConfig(
        sampler=_choice(s["sampler"], SAMPLERS, "sampler.sampler"),
        draws=int(_number(s["draws"], "sampler.draws", positive=True, integer=True)),
        tune=int(_number(s["tune"], "sampler.tune", positive=True, integer=True)),
        chains=int(_number(s["chains"], "sampler.chains", positive=True, integer=True)),
        cores=int(_number(s["cores"], "sampler.cores", positive=True, integer=True)),
        seed=int(seed),
        adaptation=_choice(s["adaptation"], ADAPTATIONS, "sampler.adaptation"),
        prior_draws=int(_number(s["prior_draws"], "sampler.prior_draws", positive=True, integer=True)),
        target_accept=float(target_accept),
    )
    return Spec(
        model=model,
        centering=_freeze(raw["centering"]),
        priors=_freeze(raw["priors"]),
        assumptions=_freeze(raw["assumptions"]),
        forecast=forecast_cfg,
        sampler=sampler,
        source=source,
        raw=_freeze(raw),
    )


def beta_from_range(mean: float, low: float, high: float, where: str) -> tuple[float, float]:
    """Beta(a, b) with mean ``mean`` whose central 95% mass roughly spans ``[low, high]`` (sd = range / 4).

    Raises :class:`ConfigError` (naming ``where``) unless ``0 < low < mean < high < 1`` and the
    implied spread is one a Beta can have.
    """
    if not 0 < low < mean < high < 1:
        raise ConfigError(f"'{where}' needs 0 < low < mean < high < 1, got {low!r}, {mean!r}, {high!r}")
    sd = (high - low) / 4.0
    kappa = mean * (1 - mean) / sd**2 - 1.0
    if kappa <= 0:
        raise ConfigError(f"'{where}': range [{low}, {high}] too wide for a Beta with mean {mean}")
    return mean * kappa, (1 - mean) * kappa


def floor_prior(priors: Mapping[str, Any], series: str) -> tuple[float, float]:
    """Beta parameters of the error floor of ``series`` (its own entry, else ``default``)."""
    table = priors["floor"]
    entry = table[series] if series in table else table["default"]
    return beta_from_range(entry["mean"], entry["low"], entry["high"], f"priors.floor.{series}")


def _check_v2_options(model: ModelConfig, priors: Mapping[str, Any]) -> None:
    """Consistency of the version-2 options (floors, structural measurement, dynamics, signed slopes)."""
    if model.floors and model.link != "log":
        raise ConfigError(
            "'model.floors' = true needs 'model.link' = \"log\": the likelihood is on log(error), "
            "with log(error - floor) linear in log compute and year"
        )
    if model.slope_sign == "negative" and model.slope_correlation:
        raise ConfigError("'model.slope_sign' = \"negative\" cannot be combined with 'model.slope_correlation'")
    if model.compute_measurement == "structural" and model.compute_measure != "both":
        raise ConfigError(
            "'model.compute_measurement' = \"structural\" needs 'model.compute_measure' = \"both\" "
            "(it models both measures of one true compute)"
        )
    margin = priors.get("floor_best_margin")
    if isinstance(margin, bool) or not isinstance(margin, int | float) or not 0 < margin <= 1:
        raise ConfigError(f"'priors.floor_best_margin' must be a number in (0, 1], got {margin!r}")
    floors = priors.get("floor")
    if not isinstance(floors, Mapping) or "default" not in floors:
        raise ConfigError("'priors.floor' must be a table of per-series {mean, low, high} with a 'default' entry")
    for series, entry in floors.items():
        where = f"priors.floor.{series}"
        if not isinstance(entry, Mapping) or set(entry) != {"mean", "low", "high"}:
            raise ConfigError(f"'{where}' must be {{ mean = ..., low = ..., high = ... }}, got {entry!r}")
        for key, value in entry.items():
            _number(value, f"{where}.{key}", positive=True)
        beta_from_range(entry["mean"], entry["low"], entry["high"], where)


def _spec_files(value: Any, where: str) -> tuple[str, ...]:
    """A list of spec file names (``.toml``, relative to the listing spec's folder) as a tuple."""
    if not isinstance(value, list | tuple):
        raise ConfigError(f"'{where}' must be a list of spec files (e.g. [\"v2.toml\"]), got {value!r}")
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip() or not item.endswith(".toml"):
            raise ConfigError(f"'{where}[{i}]' = {item!r} must be a spec file name ending in .toml "
                              "(relative to the folder of the spec that lists it)")
    return tuple(value)


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"'{where}' must be true or false, got {value!r}")
    return value


def _defaults_with_optional_keys() -> dict[str, Any]:
    base = default_spec_dict()
    base["sampler"].setdefault("target_accept", policy.TARGET_ACCEPT)
    return base


EXTENDS_KEY = "extends"
"""Top-level key of a spec file naming the spec file it is merged over (a path relative to its folder)."""


def _read_spec_file(p: Path) -> dict[str, Any]:
    if not p.is_file():
        raise ConfigError(f"model spec not found: {p}")
    try:
        return tomllib.loads(p.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from exc


def _spec_chain(path: Path) -> list[tuple[Path, dict[str, Any]]]:
    """The spec file at ``path`` and the files it extends, base first (``extends = "v2.toml"``)."""
    chain: list[tuple[Path, dict[str, Any]]] = []
    seen: set[Path] = set()
    p: Path | None = path
    while p is not None:
        if p.resolve() in seen:
            raise ConfigError(f"{path}: '{EXTENDS_KEY}' forms a cycle at {p}")
        seen.add(p.resolve())
        user = _read_spec_file(p)
        base = user.pop(EXTENDS_KEY, None)
        if base is not None and not isinstance(base, str):
            raise ConfigError(f"{p}: '{EXTENDS_KEY}' must be a spec file name, got {base!r}")
        chain.append((p, user))
        p = None if base is None else p.parent / base
    return chain[::-1]


def load_spec(path: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> Spec:
    """Load a model spec: the TOML at ``path`` merged over the package defaults, then ``overrides``.

    Parameters
    ----------
    path
        A spec file (``models/default.toml``); ``None`` gives the package defaults. A file with a
        top-level ``extends = "other.toml"`` is merged over that file (itself merged over the defaults).
    overrides
        Nested dict merged last (e.g. ``{"sampler": {"draws": 200}}``).
    """
    merged = _defaults_with_optional_keys()
    source = "<defaults>"
    if path is not None:
        for p, user in _spec_chain(Path(path)):
            try:
                merged = merge(merged, user)
            except ConfigError as exc:
                raise ConfigError(f"{p}: {exc}") from None
        source = str(path)
    if overrides:
        merged = merge(merged, overrides)
    try:
        return spec_from_dict(merged, source=source)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def spec_from_json(text: str) -> Spec:
    """Rebuild a spec of the current code (JSON of the merged dict), e.g. one sent to a worker."""
    return spec_from_dict(merge(_defaults_with_optional_keys(), json.loads(text)), source="<run>")


def spec_from_run(text: str, schema_version: int) -> Spec:
    """Rebuild the spec stored in a run of ``schema_version``, exactly as it was fitted.

    The stored spec is merged over :func:`frozen_spec_defaults` of the run's schema version (never
    over today's defaults).

    Raises
    ------
    RunError
        The stored spec is not JSON, has a key the frozen defaults lack, lacks a key, or is invalid.
    """
    try:
        stored = json.loads(text)
        return spec_from_dict(merge(frozen_spec_defaults(schema_version), stored), source="<run>")
    except (ValueError, TypeError, ConfigError) as exc:
        raise RunError(f"the spec stored in the run is invalid for schema version {schema_version}: {exc}") from None
    except KeyError as exc:
        raise RunError(f"the spec stored in the run lacks key {exc} (schema version {schema_version})") from None
