"""The simulate config: what is accepted, what is refused (with the key named), and the fingerprint."""

from __future__ import annotations

import pytest

from curation.simulation.config import SimConfigError, load_config, parse_config


def _base(**overrides):
    data = {
        "name": "camvid-al",
        "task": "segmentation",
        "pool": "split = 'train'",
        "eval": "split = 'val'",
        "seed_labels": 0.1,
        "budgets": [0.2, 1.0],
        "seeds": 2,
        "train": {"arch": "fbnet_tiny", "members": 5, "max_steps": 60, "size": [90, 120]},
        "strategies": [{"preset": "random"}, {"preset": "dpe"}],
    }
    data.update(overrides)
    return data


def test_a_valid_config_resolves_its_strategies():
    cfg = parse_config(_base())
    assert cfg.seed_list() == [0, 1]
    strategies = {s.name: s for s in cfg.resolved_strategies()}
    assert strategies["random"].is_random and strategies["random"].train.members == 5
    dpe = strategies["dpe"]
    assert dpe.spec.strategies[0].input == "mutual_information"
    assert dpe.train.size == (90, 120) and dpe.train.max_steps == 60  # defaults carried over


def test_strategy_keys_override_preset_and_defaults():
    cfg = parse_config(_base(strategies=[
        {"preset": "dpe", "name": "dpe_k3", "train": {"members": 3}},
        {"name": "custom", "train": {"beta": 0.5},
         "select": {"strategies": [{"input": "entropy", "strategy": "weight"}], "combine": "product"}},
    ]))
    k3, custom = cfg.resolved_strategies()
    assert k3.name == "dpe_k3" and k3.train.members == 3 and k3.train.beta is None
    assert custom.train.beta == 0.5 and custom.train.members == 5 and custom.spec.combine == "product"


def test_explicit_seed_list():
    assert parse_config(_base(seeds=[3, 7])).seed_list() == [3, 7]


@pytest.mark.parametrize("overrides, message", [
    ({"colour": "red"}, "colour: unknown key"),
    ({"budgets": [0.2, 1.5]}, r"budgets.*share of the pool must be in \(0, 1\]"),
    ({"seed_labels": 0}, "must be >= 1"),
    ({"seeds": 0}, "number of seeds >= 1"),
    ({"seeds": [1, 1]}, "each seed at most once"),
    ({"name": "a/b"}, "becomes the sim_id"),
    ({"labeler": "mturk"}, "labeler"),
    ({"strategies": [{"preset": "dpe"}, {"preset": "dpe"}]}, r"unique.*\['dpe'\]"),
    ({"strategies": [{"preset": "bald"}]}, "not a preset; allowed: random, entropy"),
    ({"strategies": [{"name": "x"}]}, "give select: random"),
    ({"strategies": [{"preset": "dpe", "train": {"members": 0}}]}, r"\(dpe\)\.train: members"),
    ({"strategies": [{"preset": "dpe", "train": {"colour": 1}}]}, "colour"),
    ({"strategies": [{"name": "x", "select": {"budget": 3, "strategies": [{"strategy": "random"}]}}]},
     "leave out budget"),
    ({"strategies": [{"name": "x", "select": {"strategies": [{"strategy": "weight"}]}}]}, r"(?s)\(x\)\.select.*strategies\[0\]\.input.*missing"),
])
def test_invalid_configs_name_the_key(overrides, message):
    with pytest.raises(SimConfigError, match=message):
        parse_config(_base(**overrides))


def test_missing_keys_are_listed():
    data = _base()
    del data["pool"]
    with pytest.raises(SimConfigError, match="pool: missing required key"):
        parse_config(data)
    with pytest.raises(SimConfigError, match="must be a mapping"):
        parse_config(["not", "a", "mapping"])


def test_fingerprint_tracks_the_experiment_not_the_labeler():
    a = parse_config(_base())
    assert a.fingerprint() == parse_config(_base(labeler="labelstudio", workdir="/elsewhere")).fingerprint()
    assert a.fingerprint() != parse_config(_base(budgets=[0.3, 1.0])).fingerprint()


def test_load_config_reads_yaml(tmp_path):
    path = tmp_path / "sim.yaml"
    path.write_text("name: t\ntask: classification\npool: 'TRUE'\neval: 'FALSE'\nseed_labels: 10\nbudgets: [20]\n"
                    "strategies: [{preset: entropy}]\n")
    cfg = load_config(path)
    assert cfg.task == "classification" and cfg.resolved_strategies()[0].train.members == 1
    (tmp_path / "bad.yaml").write_text("name: [unclosed\n")
    with pytest.raises(SimConfigError, match="not valid YAML"):
        load_config(tmp_path / "bad.yaml")
    with pytest.raises(SimConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")


def test_epoch_schedule_grows_with_the_labeled_set():
    cfg = parse_config(_base(train={"max_steps": None, "epochs": 3, "min_steps": 60, "batch_size": 8}))
    t = cfg.resolved_strategies()[0].train
    assert t.steps_for(37) == 60  # ceil(3 x 37 / 8) = 14 < 60
    assert t.steps_for(367) == 138  # ceil(3 x 367 / 8)
    fixed = parse_config(_base()).resolved_strategies()[0].train
    assert fixed.steps_for(37) == fixed.steps_for(367) == 60
    # a strategy may switch schedule without clashing with the defaults
    mixed = parse_config(_base(train={"max_steps": None, "epochs": 3},
                               strategies=[{"preset": "dpe", "train": {"max_steps": 10}}]))
    assert mixed.resolved_strategies()[0].train.steps_for(500) == 10


@pytest.mark.parametrize("train, message", [
    ({"epochs": 3}, "not both"),
    ({"max_steps": None}, "give max_steps"),
    ({"min_steps": 10}, "only applies with epochs"),
])
def test_step_schedule_is_one_or_the_other(train, message):
    with pytest.raises(SimConfigError, match=message):
        parse_config(_base(train=train))
