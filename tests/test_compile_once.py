"""Compile-once origin fits: the weighted model of the latest data is the model of each training subset."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from forecast.config import Spec, load_spec
from forecast.data.load import default_data_paths, load_notable, load_prices, load_results
from forecast.errors import ConfigError, DataError
from forecast.model import build_model, weights_unsupported
from forecast.prepare import ROW_ID, ModelData, all_rows, prepare_data, training_weights
from forecast.validation import parallel as par
from forecast.validation.fastfit import compile_once_tasks

OBSERVED = ("y", "hw_pairs", "frontier_y", "notable_x")


@pytest.fixture(scope="module")
def tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    p = default_data_paths()
    results = load_results(p.results)
    return results.assign(**{ROW_ID: np.arange(len(results))}), load_notable(p.notable), load_prices(p.prices)


def _spec(**model: Any) -> Spec:
    spec = par.validation_spec(load_spec("models/v1.toml"), seed=3)
    return spec.with_overrides({"model": model}) if model else spec


def _data(tables: tuple[pd.DataFrame, ...], spec: Spec, cutoff: float) -> ModelData:
    r, n, p = tables
    return prepare_data(r[r["year"] <= cutoff], n[n["year"] <= cutoff], p, spec)


def _positions(full: ModelData, sub: ModelData, mw: Any, ms: Any) -> dict[str, np.ndarray]:
    """Where each coordinate of the subset model sits in the full model, per dim."""
    row_of = pd.Series(full.obs.index, index=full.obs[ROW_ID].to_numpy())
    out = {
        "benchmark": np.array([full.series.index(s) for s in sub.series]),
        "domain": np.array([full.domains.index(d) for d in sub.domains]),
    }
    for dim in ("hw_only", "pair", "obs"):
        if dim in ms.coords and dim in mw.coords:
            full_rows = row_of.loc[sub.obs.loc[list(ms.coords[dim]), ROW_ID].to_numpy()].to_numpy()
            out[dim] = np.array([list(mw.coords[dim]).index(r) for r in full_rows], dtype=int)
    return out


def _terms(model: Any, point: dict[str, np.ndarray], names: list[str]) -> dict[str, np.ndarray]:
    """Elementwise log density terms of ``names`` and the total (``"__total"``) at ``point``: one compile."""
    outs = [*model.logp(vars=[model[n] for n in names], sum=False), model.logp()]
    fn = model.compile_fn(outs, inputs=model.value_vars, point_fn=True, on_unused_input="ignore")
    return {n: np.asarray(v, dtype=float) for n, v in zip([*names, "__total"], fn(point), strict=True)}


def _check_equivalent(tables: tuple[pd.DataFrame, ...], spec: Spec, c_sub: float, c_full: float) -> None:
    full, sub = _data(tables, spec, c_full), _data(tables, spec, c_sub)
    mw, ms = build_model(full, spec, training_weights(full, sub, c_sub)), build_model(sub, spec)
    rng = np.random.default_rng(0)
    ps = {k: v + 0.3 * rng.standard_normal(np.shape(v)) for k, v in ms.initial_point().items()}
    pw = {k: v + 0.3 * rng.standard_normal(np.shape(v)) for k, v in mw.initial_point().items()}
    pos = _positions(full, sub, mw, ms)
    # zero-sum offsets: the weighted model's free ``<name>_raw`` at the subset's (zero-sum) values
    zs = [rv.name for rv in ms.free_RVs if f"{rv.name}_raw" in mw.named_vars]
    zfn = ms.compile_fn([ms[n] for n in zs], inputs=ms.value_vars, point_fn=True, on_unused_input="ignore")
    zvals = dict(zip(zs, zfn(ps), strict=True)) if zs else {}
    orphan_mask: dict[str, np.ndarray] = {}  # entries of the full model's parameters the subset model lacks
    for rv in mw.free_RVs:
        name = mw.rvs_to_values[rv].name
        if rv.name.removesuffix("_raw") in zvals:
            val = np.array(pw[name], copy=True)
            val[pos["domain"]] = zvals[rv.name.removesuffix("_raw")]
            pw[name] = val
            orphan_mask[rv.name] = ~np.isin(np.arange(len(val)), pos["domain"])
            continue
        if rv.name not in ms.named_vars:
            orphan_mask[rv.name] = np.ones(np.shape(pw[name]), dtype=bool)
            continue
        dims = mw.named_vars_to_dims.get(rv.name, ())
        val = np.array(pw[name], copy=True)
        if val.shape == ps[name].shape and all(np.array_equal(pos[d], np.arange(len(pos[d]))) for d in dims):
            pw[name] = ps[name]
            continue
        assert val.ndim == len(dims), f"{rv.name}: value shape {val.shape} does not follow dims {dims}"
        idx = np.ix_(*[pos[d] for d in dims])
        val[idx] = ps[name]
        pw[name] = val
        keep = np.ones(val.shape, dtype=bool)
        keep[idx] = False
        orphan_mask[rv.name] = keep
    tw = _terms(mw, pw, [rv.name for rv in mw.free_RVs] + [n for n in OBSERVED if n in mw.named_vars])
    ts = _terms(ms, ps, [n for n in OBSERVED if n in ms.named_vars])
    # The likelihood terms: the weighted sums equal the subset model's (zero where the subset has none).
    for name in OBSERVED:
        if name in mw.named_vars:
            assert tw[name].sum() == pytest.approx(ts[name].sum() if name in ts else 0.0, rel=1e-9, abs=1e-9), name
    # ... and the whole density differs only by the prior of the parameters the subset lacks and, per zero-sum
    # vector, the density of its mean (0 here) over its k domains, N(0, 1/k), with the Jacobian 1/sqrt(k) of
    # raw = z + mean: -log(2 pi) / 2.
    orphan = sum(float(tw[n][mask].sum()) for n, mask in orphan_mask.items())
    total_w, total_s = float(tw["__total"]), float(ts["__total"])
    assert total_w - orphan == pytest.approx(total_s - 0.5 * np.log(2 * np.pi) * len(zs), rel=1e-10, abs=1e-8)


def test_weighted_logp_is_subset_logp_zero_sum(tables: tuple[pd.DataFrame, ...]) -> None:
    """The default (zero-sum pooling): the subset lacks domains, benchmarks and latent compute of later rows."""
    spec = _spec()
    sub, full = _data(tables, spec, 2016.0), _data(tables, spec, 2020.0)
    assert len(sub.domains) < len(full.domains) and len(sub.series) < len(full.series)
    _check_equivalent(tables, spec, 2016.0, 2020.0)


def test_weighted_logp_is_subset_logp_noncentered(tables: tuple[pd.DataFrame, ...]) -> None:
    """Without zero-sum pooling, the offsets of domains without training rows are plainly prior-only."""
    _check_equivalent(tables, _spec(pooling="noncentered", noise="per_domain"), 2017.0, 2020.0)


def test_weights_of_the_full_data_are_all_rows(tables: tuple[pd.DataFrame, ...]) -> None:
    spec = _spec()
    full = _data(tables, spec, 2020.0)
    w, own = training_weights(full, full, 2020.0), all_rows(full)
    for k, v in w.as_data().items():
        np.testing.assert_allclose(v, own.as_data()[k], err_msg=k)
    sub = _data(tables, spec, 2017.0)
    w = training_weights(full, sub, 2017.0)
    assert w.obs.sum() == sub.n_obs and w.frontier.sum() == len(sub.frontier) and w.notable.sum() == len(sub.notable)


def test_training_weights_reject_a_non_subset(tables: tuple[pd.DataFrame, ...]) -> None:
    spec = _spec()
    early, late = _data(tables, spec, 2017.0), _data(tables, spec, 2020.0)
    with pytest.raises(DataError):
        training_weights(early, late, 2020.0)
    r, n, p = tables
    with pytest.raises(DataError, match=ROW_ID):
        training_weights(late, prepare_data(r.drop(columns=ROW_ID), n, p, spec), 2017.0)


def test_production_model_is_unchanged_and_unsupported_options_refuse(tables: tuple[pd.DataFrame, ...]) -> None:
    spec = _spec()
    data = _data(tables, spec, 2020.0)
    plain = build_model(data, spec)
    assert {v.name for v in plain.observed_RVs} >= set(OBSERVED)
    assert not plain.potentials and "w_obs" not in plain.named_vars
    v2 = par.validation_spec(load_spec("models/v2.toml"), seed=3)
    assert weights_unsupported(v2)
    with pytest.raises(ConfigError, match="not implemented"):
        build_model(data, v2, all_rows(data))


def test_tasks_group_by_structure_and_fill_workers(tables: tuple[pd.DataFrame, ...]) -> None:
    r, n, p = tables
    spec = load_spec("models/v1.toml")
    fits = [(f"o{c}", float(c), i) for i, c in enumerate((2015, 2016, 2017))]
    tasks = compile_once_tasks(spec, r, n, p, fits=fits, draws=10, tune=10, chains=2, var_names=["beta"])
    # one structure although 2015 and 2016 cover one domain and 2017 three (zero-sum offsets are weighted too)
    assert [[f["index"] for f in t["fits"]] for t in tasks] == [[0, 1, 2]]
    assert all(t["results"]["year"].max() <= max(f["cutoff"] for f in t["fits"]) for t in tasks)
    later = [(f"l{c}", float(c), i) for i, c in enumerate((2018, 2019, 2020))]
    one = compile_once_tasks(spec, r, n, p, fits=later, draws=10, tune=10, chains=2, var_names=["beta"])
    two = compile_once_tasks(spec, r, n, p, fits=later, draws=10, tune=10, chains=2, var_names=["beta"], min_tasks=2)
    assert len(one) == 1 and len(two) == 2


MAIN_PARAMETERS = (
    "mu_beta",
    "mu_gamma",
    "alpha",
    "beta",
    "gamma",
    "sigma",
    "tau_alpha",
    "trend_slope",
    "frontier_rate",
)


@pytest.mark.slow
def test_compile_once_fit_matches_the_plain_fit(tables: tuple[pd.DataFrame, ...]) -> None:
    """The fit at 2017 (3 domains) of a model compiled on the data to 2020 (5) = the plain fit to 2017 (MC error)."""
    import arviz as az

    from forecast.validation.fastfit import lean_fit_extract, lean_fit_origins
    from forecast.validation.origins import origin_payload

    r, n, p = tables
    spec = load_spec("models/v1.toml")
    kw = {"draws": 500, "tune": 500, "chains": 2}
    [task] = compile_once_tasks(
        spec, r, n, p, fits=[("o2017", 2017.0, 11), ("o2020", 2020.0, 12)], var_names=MAIN_PARAMETERS, **kw
    )
    once = lean_fit_origins(task)[0]
    plain = lean_fit_extract(
        origin_payload(spec, r.drop(columns=ROW_ID), n, p, cutoff=2017.0, label="plain", seed=13, **kw)
        | {"var_names": list(MAIN_PARAMETERS)}
    )
    assert once["compile"]["shared_by_fits"] == 2 and once["coords"] == plain["coords"]
    assert once["n_obs"] == plain["n_obs"]
    for name in MAIN_PARAMETERS:
        a, b = once["draws"][name], plain["draws"][name]
        assert a.shape[2:] == b.shape[2:], name
        flat = [x.reshape(x.shape[0], x.shape[1], -1) for x in (a, b)]
        for j in range(flat[0].shape[2]):
            se = [float(x[:, :, j].std() / np.sqrt(az.ess(x[:, :, j]))) for x in flat]
            diff = abs(float(flat[0][:, :, j].mean() - flat[1][:, :, j].mean()))
            assert diff <= 4.0 * np.hypot(*se) + 1e-9, f"{name}[{j}]: {diff:.4f} vs MC error {np.hypot(*se):.4f}"
