"""Fitted runs: one self-describing NetCDF ``xarray.DataTree`` per run, plus a JSON manifest.

``models/<name>/run.nc`` holds the sampler output (posterior, sample_stats, observed and constant
data, log-likelihood, prior and posterior predictive) and the training data (groups ``data_*``);
its attributes hold the merged spec, the data hash, the seed, library versions, timings and the
convergence checks. Files are written atomically (temporary file, then rename). No pickle.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecast.atomic import atomic_write
from forecast.config import Spec, check_run_name, spec_from_run
from forecast.diagnostics import ConvergenceChecks
from forecast.errors import ConfigError, RunError
from forecast.prepare import ModelData

RUN_SCHEMA_VERSION = 1
"""Bump when the layout of run files changes; :func:`load_run` refuses other versions.

Runs of each version are loaded with the spec defaults frozen for it
(``forecast/spec_defaults_v<N>.toml``): a new version needs its own frozen copy.
"""

SPEC_HASH_ATTR = "spec_sha256"
"""Attribute (and manifest key) holding the SHA-256 of the stored spec JSON."""

RUN_FILE = "run.nc"
MANIFEST_FILE = "manifest.json"
_TABLES = ("obs", "frontier", "notable", "prices", "energy", "best")
FRONTIER_PREFIX = "data_fx_"
"""Groups of the frontier tables (optional: runs fitted before them have none)."""


@dataclass
class Run:
    """A fitted run: the trace, the data it was fitted on, its spec and its convergence checks."""

    trace: xr.DataTree
    data: ModelData
    spec: Spec
    checks: ConvergenceChecks
    meta: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def name(self) -> str:
        """The run's name (the spec's ``model.name`` unless renamed when fitting)."""
        return str(self.meta.get("name", self.spec.model.name))

    @property
    def posterior(self) -> xr.Dataset:
        """The posterior draws as an ``xr.Dataset`` (dims ``chain, draw, ...``)."""
        return self.trace["posterior"].to_dataset()

    @property
    def prior_summary(self) -> dict[str, Any]:
        """Summary of the prior predictive simulation stored with the run."""
        value = self.meta.get("prior_summary", {})
        return dict(json.loads(value) if isinstance(value, str) else value)


# ----------------------------------------------------------------------------- tables <-> datasets
def _frame_to_dataset(df: pd.DataFrame) -> xr.Dataset:
    out = {}
    for col in df.columns:
        values = df[col]
        if pd.api.types.is_datetime64_any_dtype(values):
            arr = values.dt.strftime("%Y-%m-%d").fillna("").to_numpy(dtype=str)
        elif pd.api.types.is_bool_dtype(values):
            arr = values.to_numpy(dtype=bool)
        elif pd.api.types.is_numeric_dtype(values):
            arr = values.to_numpy()
        else:
            arr = values.astype(str).where(values.notna(), "").to_numpy(dtype=str)
        out[str(col)] = ("row", arr)
    return xr.Dataset(out, coords={"row": np.arange(len(df))})


def _dataset_to_frame(ds: xr.Dataset) -> pd.DataFrame:
    cols = {}
    for name, da in ds.data_vars.items():
        vals = da.values
        cols[str(name)] = vals.astype(str) if vals.dtype.kind in "OSU" else vals
    return pd.DataFrame(cols, index=pd.RangeIndex(ds.sizes.get("row", 0)))


def data_to_tree(data: ModelData) -> dict[str, xr.Dataset]:
    """The training data as datasets (one per table) to travel inside the run."""
    groups = {f"data_{t}": _frame_to_dataset(getattr(data, t)) for t in _TABLES}
    groups.update({f"{FRONTIER_PREFIX}{k}": _frame_to_dataset(v) for k, v in data.frontier_tables.items()})
    groups["data_obs"].attrs.update(
        series=json.dumps(list(data.series)),
        domains=json.dumps(list(data.domains)),
        series_domain=json.dumps([int(i) for i in data.series_domain]),
        dropped=json.dumps(data.dropped),
    )
    return groups


def data_from_tree(tree: xr.DataTree) -> ModelData:
    """Rebuild the :class:`ModelData` stored in a run."""
    tables = {t: _dataset_to_frame(tree[f"data_{t}"].to_dataset()) for t in _TABLES}
    attrs = tree["data_obs"].attrs
    return ModelData(
        series=tuple(json.loads(attrs["series"])),
        domains=tuple(json.loads(attrs["domains"])),
        series_domain=np.asarray(json.loads(attrs["series_domain"]), dtype=int),
        dropped=dict(json.loads(attrs["dropped"])),
        frontier_tables={k[len(FRONTIER_PREFIX):]: _dataset_to_frame(tree[k].to_dataset())
                         for k in tree.children if k.startswith(FRONTIER_PREFIX)},
        **tables,
    )


# ----------------------------------------------------------------------------- save / load
def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def save_run(run: Run, directory: str | Path) -> Path:
    """Write ``run.nc`` and ``manifest.json`` into ``directory`` atomically; return the run file path.

    Raises
    ------
    ConfigError
        The run's name is not a safe run name (see :func:`forecast.config.check_run_name`).
    """
    directory = Path(directory)
    check_run_name(run.name, "run name")
    tree = run.trace.copy()
    for name, ds in data_to_tree(run.data).items():
        tree[name] = xr.DataTree(ds)
    spec_json = run.spec.to_json()
    meta = {k: v for k, v in run.meta.items() if k != SPEC_HASH_ATTR}
    attrs = {
        "schema_version": RUN_SCHEMA_VERSION,
        "spec": spec_json,
        SPEC_HASH_ATTR: _text_sha256(spec_json),
        "checks": json.dumps(run.checks.to_dict()),
        **{k: (v if isinstance(v, str | int | float) else json.dumps(v)) for k, v in meta.items()},
    }
    tree.attrs = attrs
    run_path = directory / RUN_FILE

    def write_nc(tmp: Path) -> None:
        tree.to_netcdf(tmp, engine="h5netcdf")

    atomic_write(run_path, write_nc)
    manifest: dict[str, Any] = {
        "schema_version": RUN_SCHEMA_VERSION,
        "name": run.name,
        "run_file": RUN_FILE,
        "run_sha256": _sha256(run_path),
        SPEC_HASH_ATTR: attrs[SPEC_HASH_ATTR],
        "spec_source": run.spec.source,
        "converged": run.checks.converged,
        "checks": run.checks.to_dict(),
        **{k: run.meta[k] for k in ("data_hash", "seed", "versions", "timings", "created") if k in run.meta},
    }

    def write_manifest(tmp: Path) -> None:
        tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")

    atomic_write(directory / MANIFEST_FILE, write_manifest)
    run.path = run_path
    return run_path


def resolve_run_path(path: str | Path) -> Path:
    """``models/default`` or ``models/default/run.nc`` or a bare name (``default``) -> the run file."""
    p = Path(path)
    candidates = [p / RUN_FILE, p] if p.suffix != ".nc" else [p]
    if p.suffix != ".nc" and not p.exists():
        candidates.append(Path("models") / p / RUN_FILE)
    for c in candidates:
        if c.is_file():
            return c
    raise RunError(f"no run found at '{path}' (looked for {', '.join(str(c) for c in candidates)}); "
                   "fit one with `forecast fit` or `forecast run`")


def verify_manifest(run_path: Path) -> None:
    """Check ``run_path`` against the ``manifest.json`` beside it (when there is one).

    Raises
    ------
    RunError
        The manifest is unreadable, or its SHA-256 of the run file differs from the file's bytes
        (overwritten bytes, or a save killed between the run file and its manifest).
    """
    manifest_path = run_path.with_name(MANIFEST_FILE)
    if not manifest_path.is_file():
        return
    try:
        manifest = json.loads(manifest_path.read_bytes().decode("utf-8"))
        expected = manifest.get("run_sha256") if manifest.get("run_file", RUN_FILE) == run_path.name else None
    except (OSError, ValueError, AttributeError) as exc:
        raise RunError(f"{manifest_path}: unreadable manifest of {run_path} ({type(exc).__name__}: {exc})") from None
    if expected is not None and expected != _sha256(run_path):
        raise RunError(
            f"{run_path} does not match {manifest_path}: the SHA-256 of the run file differs from the "
            "manifest's (the file was modified or its save was interrupted); fit it again"
        )


def load_run(path: str | Path) -> Run:
    """Load a saved run: ``forecast.load_run("models/default")``.

    The run's bytes are checked against ``manifest.json`` (when present) and its stored spec against
    its stored hash; the spec is rebuilt with the defaults frozen for the run's schema version, so a
    run loads exactly as it was fitted whatever today's defaults are.

    Raises
    ------
    RunError
        When the file is missing, corrupt, modified since it was saved, or of an unknown schema version.
    """
    run_path = resolve_run_path(path)
    verify_manifest(run_path)
    try:
        with xr.open_datatree(run_path, engine="h5netcdf") as opened:
            tree = opened.load()
    except Exception as exc:  # noqa: BLE001 - any reader failure means an unusable file
        raise RunError(f"{run_path}: cannot be read as a run file ({type(exc).__name__}: {exc})") from exc
    attrs = dict(tree.attrs)
    version = attrs.get("schema_version")
    if version is None:
        raise RunError(f"{run_path}: not a forecast run file (no schema_version attribute)")
    if int(version) != RUN_SCHEMA_VERSION:
        raise RunError(
            f"{run_path}: run schema version {version}, this forecast reads version {RUN_SCHEMA_VERSION}; "
            "refit it with `forecast fit`"
        )
    missing = [g for g in ("posterior", "sample_stats", *(f"data_{t}" for t in _TABLES)) if g not in tree.children]
    if missing:
        raise RunError(f"{run_path}: run file lacks group(s) {', '.join(missing)}")
    try:
        spec_json = str(attrs.pop("spec"))
        stored_hash = attrs.pop(SPEC_HASH_ATTR, None)
        if stored_hash is not None and str(stored_hash) != _text_sha256(spec_json):
            raise RunError(f"{run_path}: the stored spec does not match its stored SHA-256 (the file was modified)")
        spec = spec_from_run(spec_json, int(version))
        checks = ConvergenceChecks.from_dict(json.loads(attrs.pop("checks")))
        data = data_from_tree(tree)
        check_run_name(str(attrs.get("name", spec.model.name)), "the stored run name")
    except RunError as exc:
        if str(exc).startswith(str(run_path)):
            raise
        raise RunError(f"{run_path}: {exc}") from None
    except (KeyError, ValueError, ConfigError) as exc:
        raise RunError(f"{run_path}: run metadata is damaged ({exc})") from exc
    attrs.pop("schema_version")
    meta = {str(k): _maybe_json(v) for k, v in attrs.items()}
    trace = xr.DataTree.from_dict({k: tree[k].to_dataset() for k in tree.children if not k.startswith("data_")})
    return Run(trace=trace, data=data, spec=spec, checks=checks, meta=meta, path=run_path)


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, np.generic):
        return value.item()
    return value
