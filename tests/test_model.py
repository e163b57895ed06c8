import numpy as np
import pymc as pm
import pytest
from pymc.testing import mock_sample
from pytensor.graph.traversal import ancestors

from forecast.config import load_spec
from forecast.errors import DataError
from forecast.model import build_model, link_forward, link_inverse, link_log_jacobian, prepare_data
from tests.synthetic import SERIES, synthetic_tables


@pytest.fixture(scope="module")
def tables():
    return synthetic_tables()


@pytest.mark.parametrize("measure,expected", [("training_flop", 8), ("hardware_burden", 8), ("both", 12)])
def test_prepare_data_selects_rows_by_compute_measure(tables, measure, expected):
    spec = load_spec(overrides={"model": {"compute_measure": measure}})
    data = prepare_data(*tables, spec)
    assert data.n_obs == expected * len(SERIES)
    assert data.domains == tuple(s[2] for s in SERIES)
    assert list(data.series_domain) == list(range(len(SERIES)))
    assert np.isfinite(data.obs["y"]).all()


def test_frontier_points_are_running_bests(tables):
    data = prepare_data(*tables, load_spec())
    for _, grp in data.frontier.groupby("series"):
        errs = grp.sort_values("year")["error"].to_numpy()
        assert (np.diff(errs) < 0).all()
    frontier_only = prepare_data(*tables, load_spec(overrides={"model": {"frontier_only": True}}))
    assert 0 < frontier_only.n_obs < data.n_obs


def test_named_series_with_too_few_rows_is_a_data_error(tables):
    spec = load_spec(overrides={"model": {"series": ["imagenet/top1"], "min_rows_per_series": 50}})
    with pytest.raises(DataError, match="imagenet/top1"):
        prepare_data(*tables, spec)


@pytest.mark.parametrize("link", ["logit", "log", "identity"])
def test_links_invert_and_jacobian(link):
    e = np.array([0.01, 0.2, 0.7])
    np.testing.assert_allclose(link_inverse(link_forward(e, link), link), e)
    h = 1e-6
    numeric = np.log(np.abs((link_forward(e + h, link) - link_forward(e - h, link)) / (2 * h)))
    np.testing.assert_allclose(link_log_jacobian(e, link), numeric, rtol=1e-5, atol=1e-6)


def test_graph_structure_dims_and_hyperpriors(tables):
    spec = load_spec(overrides={"model": {"compute_measure": "both"}})
    data = prepare_data(*tables, spec)
    model = build_model(data, spec)
    free = {rv.name for rv in model.free_RVs}
    assert {"mu_beta", "tau_beta", "z_beta", "mu_gamma", "tau_gamma", "z_gamma", "alpha_local",
            "hw_offset", "hw_sigma_excess", "z_x", "price_slope", "trend_intercept", "utilization"} <= free
    # burden noise has a floor (no funnel at 0): hw_sigma = hw_sigma_min + HalfNormal
    assert "hw_sigma" in {v.name for v in model.deterministics}
    prior_draws = pm.draw(model["hw_sigma"], draws=500, random_seed=1)
    assert prior_draws.min() >= 0.1 and prior_draws.min() < 0.11
    v1 = build_model(data, spec.with_overrides({"priors": {"hw_sigma_min": 0.0}}))
    assert "hw_sigma" in {rv.name for rv in v1.free_RVs}  # version 1: the plain HalfNormal
    assert model.named_vars_to_dims["beta"] == ("domain",)
    assert model.named_vars_to_dims["alpha"] == ("benchmark",)
    assert model.named_vars_to_dims["y"] == ("obs",)
    assert list(model.coords["domain"]) == list(data.domains)
    # the hyperpriors feed the per-domain slopes, and the slopes feed the likelihood's mean
    beta_inputs = set(ancestors([model["beta"]]))
    assert model["mu_beta"] in beta_inputs and model["tau_beta"] in beta_inputs
    y_inputs = set(ancestors([model["y"]]))
    assert {model["beta"], model["gamma"], model["alpha_local"], model["x"]} <= y_inputs
    assert "hw_pairs" in model.named_vars  # matched pairs inform the measure offset
    for name in ("progress_decades_per_year", "years_per_10x", "years_per_10x_shared"):
        assert name in model.named_vars


def test_training_flop_model_has_no_latent_compute(tables):
    spec = load_spec(overrides={"model": {"compute_measure": "training_flop", "slope_correlation": True}})
    model = build_model(prepare_data(*tables, spec), spec)
    free = {rv.name for rv in model.free_RVs}
    assert "z_x" not in free and "hw_offset" not in free
    assert "slope_chol" in free or any(n.startswith("slope_chol") for n in free)


def test_mock_sample_gives_named_dims(tables):
    spec = load_spec()
    data = prepare_data(*tables, spec)
    with build_model(data, spec):
        idata = mock_sample(draws=5)
    post = idata.posterior
    assert post["beta"].dims == ("chain", "draw", "domain")
    assert post["years_per_10x"].sizes["domain"] == len(data.domains)
    np.testing.assert_allclose(post["years_per_10x"], post["beta"] / post["gamma"])
    assert pm.__version__ >= "6.4"


@pytest.mark.parametrize(("noise", "free"), [("per_domain", {"sigma"}), ("pooled", {"sigma_shared", "tau_log_sigma",
                                                                                   "z_log_sigma"}),
                                            ("shared", {"sigma_shared"})])
def test_noise_options(tables, noise, free):
    spec = load_spec(overrides={"model": {"noise": noise}})
    data = prepare_data(*tables, spec)
    model = build_model(data, spec)
    names = {rv.name for rv in model.free_RVs}
    assert free <= names
    assert model.named_vars_to_dims["sigma"] == ("domain",)
    with model:
        idata = mock_sample(draws=3)
    sig = idata.posterior["sigma"]
    assert sig.sizes["domain"] == len(data.domains) and (sig > 0).all()
    if noise == "shared":
        assert (sig == sig.isel(domain=0)).all()
