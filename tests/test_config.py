import pytest

from forecast import policy
from forecast.config import default_spec_dict, load_spec, merge
from forecast.errors import ConfigError


def test_defaults_and_shipped_spec_load():
    spec = load_spec("models/v1.toml")
    assert spec.model.link == "logit"
    assert spec.sampler.target_accept == policy.TARGET_ACCEPT
    assert load_spec("models/default.toml").model.link == "log"  # version 2, the nested evaluation's choice
    assert set(spec.budgets()) == {"$1B", "$100B", "1% of world GDP"}
    assert load_spec().source == "<defaults>"


def test_merge_does_not_mutate_inputs():
    base = default_spec_dict()
    before = repr(base)
    out = merge(base, {"sampler": {"draws": 10}})
    assert out["sampler"]["draws"] == 10
    assert repr(base) == before


def test_spec_is_frozen_and_overrides_make_a_new_spec():
    spec = load_spec("models/v1.toml")
    other = spec.with_overrides({"model": {"link": "log"}})
    assert other.model.link == "log" and spec.model.link == "logit"
    with pytest.raises(AttributeError):
        spec.model.link = "identity"  # type: ignore[misc]
    with pytest.raises(TypeError):
        spec.priors["mu_beta"]["sigma"] = 3  # type: ignore[index]


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ({"model": {"lnk": "logit"}}, "unknown key 'model.lnk'"),
        ({"model": {"link": "probit"}}, "'model.link' = 'probit' is not allowed; choose one of: logit, log, identity"),
        ({"model": {"domains": ["astrology"]}}, "model.domains[0]"),
        ({"model": {"series": ["imagenet/bleu"]}}, "model.series[0]"),
        ({"model": {"compute_measure": "gpu_hours"}}, "model.compute_measure"),
        ({"priors": {"mu_beta": {"sigma": -1}}}, "'priors.mu_beta.sigma' must be > 0"),
        ({"priors": {"utilization": {"low": 0.5}}}, "priors.utilization"),
        ({"sampler": {"seed": 1.5}}, "'sampler.seed' must be a non-negative integer"),
        ({"sampler": {"draws": "many"}}, "'sampler.draws' must be an integer"),
        ({"sampler": {"sampler": "emcee"}}, "sampler.sampler"),
        ({"sampler": {"target_accept": 1.2}}, "sampler.target_accept"),
        ({"forecast": {"target_fractions": [1.5]}}, "forecast.target_fractions[0]"),
        ({"model": "logit"}, "'model' must be a table"),
    ],
)
def test_bad_values_name_the_key_path(override, fragment):
    with pytest.raises(ConfigError) as exc:
        load_spec("models/default.toml", override)
    assert fragment in str(exc.value)


def test_bad_toml_file_names_the_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[model]\nlink = \n")
    with pytest.raises(ConfigError, match="bad.toml: not valid TOML"):
        load_spec(bad)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("[sampler]\nthreads = 4\n")
    with pytest.raises(ConfigError, match=r"unknown.toml: unknown key 'sampler.threads'"):
        load_spec(unknown)
    with pytest.raises(ConfigError, match="model spec not found"):
        load_spec(tmp_path / "missing.toml")


def test_child_seeds_are_integers_and_stable():
    a = policy.child_seed(7, "nuts")
    assert a == policy.child_seed(7, "nuts")
    assert a != policy.child_seed(7, "ppc") and a != policy.child_seed(8, "nuts")
    assert isinstance(a, int) and 0 <= a < 2**31
    with pytest.raises(TypeError):
        policy.child_seed(7.0, "x")  # type: ignore[arg-type]


def test_refit_takes_smaller_steps_than_the_fit_it_repeats():
    assert policy.refit_target_accept(0.85) == policy.REFIT_TARGET_ACCEPT_MIN == 0.95
    assert policy.refit_target_accept(0.9) == pytest.approx(0.95)
    assert policy.refit_target_accept(0.95) == pytest.approx(0.975)  # v2's spec: the refit is not the same fit
    for target in (0.8, 0.9, 0.95, 0.99):
        assert target < policy.refit_target_accept(target) < 1.0


def test_a_spec_extends_another_spec_file(tmp_path):
    (tmp_path / "base.toml").write_text('[model]\nname = "base"\nlink = "log"\n[sampler]\ndraws = 300\n')
    (tmp_path / "child.toml").write_text('extends = "base.toml"\n[model]\nname = "child"\n')
    spec = load_spec(tmp_path / "child.toml")
    assert spec.model.name == "child" and spec.model.link == "log" and spec.sampler.draws == 300
    assert load_spec(tmp_path / "child.toml", overrides={"sampler": {"draws": 7}}).sampler.draws == 7
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    with pytest.raises(ConfigError, match="cycle"):
        load_spec(tmp_path / "a.toml")
    (tmp_path / "orphan.toml").write_text('extends = "missing.toml"\n')
    with pytest.raises(ConfigError, match="model spec not found: .*missing.toml"):
        load_spec(tmp_path / "orphan.toml")
    (tmp_path / "typo.toml").write_text('extends = "base.toml"\n[model]\nlinkk = "log"\n')
    with pytest.raises(ConfigError, match="typo.toml: unknown key 'model.linkk'"):
        load_spec(tmp_path / "typo.toml")
