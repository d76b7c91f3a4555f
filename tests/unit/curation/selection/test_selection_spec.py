"""The selection spec: the issue's example parses; bad specs name the key, the value and what is allowed."""

import pytest

from curation.selection import SpecError, load_spec, parse_spec
from curation.selection.spec import DiversitySpec, DriveDedupSpec, NearDuplicateSpec, QuotaSpec, WeightSpec

EXAMPLE = """
budget: 500                # or proportion: 0.01
model_version: latest
candidates:
  domain: real
  split: [train]
  exclude_labeled: true
strategies:
  - {input: mutual_information, strategy: weight, strength: 1.0}
  - {input: embedding, strategy: diversity, strength: 0.5}
  - {input: [weather, time_of_day], strategy: quota, min_share: {rain: 0.2, night: 0.1}, max_share: {day: 0.6}}
  - {strategy: drive_dedup, min_gap_s: 2.0, max_per_drive: 50}
  - {strategy: near_duplicate, against: labeled, max_cosine: 0.98}
seed: 0
"""


def test_the_example_spec_parses_into_typed_strategies(tmp_path):
    path = tmp_path / "select.yaml"
    path.write_text(EXAMPLE)
    spec = load_spec(path)
    assert spec.budget == 500 and spec.model_version == "latest" and spec.seed == 0
    assert spec.candidates.exclude_labeled is True
    assert spec.candidates.predicates() == {"domain": ("eq", "real"), "split": ("in", ["train"])}
    w, d, q, dd, nd = spec.strategies
    assert isinstance(w, WeightSpec) and w.input == "mutual_information" and w.normalize == "rank"
    assert isinstance(d, DiversitySpec) and d.strength == 0.5 and d.pool_factor == 4.0
    assert isinstance(q, QuotaSpec) and q.input == ["weather", "time_of_day"] and q.max_share == {"day": 0.6}
    assert isinstance(dd, DriveDedupSpec) and dd.max_per_drive == 50
    assert isinstance(nd, NearDuplicateSpec) and nd.against == ["labeled"]
    assert load_spec(EXAMPLE) == spec  # YAML text works too
    assert spec.with_budget(40).budget == 40


def test_ranges_lists_and_null_predicates():
    spec = parse_spec({
        "proportion": 0.1,
        "candidates": {"ts": {"min": "2024-01-01"}, "weather": None, "split": ["train", "val"]},
        "strategies": [{"strategy": "random"}],
    })
    assert spec.candidates.predicates() == {
        "ts": ("range", ("2024-01-01", None)), "weather": ("eq", None), "split": ("in", ["train", "val"]),
    }
    assert spec.resolve_budget(25) == 3


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"budget": 0, "strategies": [{"strategy": "random"}]}, r"budget = 0: Input should be greater than 0"),
        ({"budget": -3, "strategies": [{"strategy": "random"}]}, r"budget = -3"),
        ({"strategies": [{"strategy": "random"}]}, r"exactly one of budget .* or proportion"),
        ({"budget": 5, "proportion": 0.1, "strategies": [{"strategy": "random"}]}, r"exactly one of budget"),
        ({"budget": 5, "strategies": [{"strategy": "weight"}]},
         r"strategies\[0\].input \(weight\): missing required option; options: strategy, input, strength, normalize"),
        ({"budget": 5, "strategies": [{"strategy": "random"}, {"strategy": "near_duplicate"}]},
         r"strategies\[1\].max_cosine \(near_duplicate\): missing required option"),
        ({"budget": 5, "strategies": [{"strategy": "weigth", "input": "x"}]},
         r"strategy = 'weigth' is not a strategy; allowed: weight, diversity, quota, drive_dedup, near_duplicate, random, topk"),
        ({"budget": 5, "strategies": [{"input": "x"}]}, r"strategies\[0\]: strategy = None is not a strategy"),
        ({"budget": 5, "strategies": [{"strategy": "weight", "input": "x", "strenght": 2}]},
         r"strategies\[0\].strenght \(weight\): unknown key \(value 2\); allowed keys: strategy, input, strength, normalize"),
        ({"budget": 5, "budgte": 1, "strategies": [{"strategy": "random"}]}, r"budgte: unknown key \(value 1\); allowed keys: budget,"),
        ({"budget": 5, "strategies": [{"strategy": "random"},
          {"strategy": "quota", "input": "weather", "min_share": {"rain": 0.7, "fog": 0.5}}]},
         r"strategies\[1\] \(quota\): min_share values sum to 1.2 > 1 \(rain: 0.7, fog: 0.5\)"),
        ({"budget": 5, "strategies": [{"strategy": "random"},
          {"strategy": "quota", "input": "weather", "min_share": {"rain": 1.5}}]}, r"min_share.rain = 1.5: a share must be between 0 and 1"),
        ({"budget": 5, "strategies": [{"strategy": "random"},
          {"strategy": "quota", "input": "weather", "min_share": {"rain": 0.5}, "max_share": {"rain": 0.2}}]}, r"rain: min_share 0.5 > max_share 0.2"),
        ({"budget": 5, "strategies": [{"strategy": "random"}, {"strategy": "quota", "input": "weather"}]}, r"quota needs min_share and/or max_share"),
        ({"budget": 5, "strategies": [{"strategy": "random"},
          {"strategy": "quota", "input": "weather", "min_share": {"time=night": 0.1}}]}, r"names column 'time', which is not among this quota's input \['weather'\]"),
        ({"budget": 5, "strategies": [{"strategy": "random"}, {"strategy": "drive_dedup"}]}, r"drive_dedup needs min_gap_s > 0 and/or max_per_drive"),
        ({"budget": 5, "strategies": [{"strategy": "quota", "input": "w", "max_share": {"a": 0.5}}]}, r"no scoring strategy; add one of weight, diversity, random, topk"),
        ({"budget": 5, "strategies": [{"strategy": "random"}, {"strategy": "weight", "input": "m"}]}, r"random is a baseline and must be the only scoring strategy"),
        ({"budget": 5, "strategies": [{"strategy": "diversity"}, {"strategy": "diversity"}]}, r"at most one diversity strategy"),
        ({"budget": 5, "strategies": [{"strategy": "diversity", "pool_factor": 0.5}]}, r"strategies\[0\].pool_factor \(diversity\) = 0.5: Input should be greater than or equal to 1"),
        ({"budget": 5, "candidates": {"split": {"mn": 3}}, "strategies": [{"strategy": "random"}]},
         r"candidates.split = \{'mn': 3\}: unknown key 'mn'; a range allows min and max"),
        ({"budget": 5, "candidates": {"split": []}, "strategies": [{"strategy": "random"}]}, r"candidates.split = \[\]: a list must hold one or more plain values"),
        ({"budget": 5, "strategies": []}, r"strategies = \[\]: List should have at least 1 item"),
    ],
)
def test_bad_specs_say_key_value_and_what_is_allowed(data, expected):
    with pytest.raises(SpecError, match=expected):
        parse_spec(data)


def test_budget_override_must_be_positive_and_yaml_errors_are_clear(tmp_path):
    spec = parse_spec({"budget": 5, "strategies": [{"strategy": "random"}]})
    with pytest.raises(SpecError, match=r"--budget = 0: the budget must be a whole number of frames > 0"):
        spec.with_budget(0)
    bad = tmp_path / "bad.yaml"
    bad.write_text("budget: [1\n")
    with pytest.raises(SpecError, match="is not valid YAML"):
        load_spec(bad)
    with pytest.raises(SpecError, match="must be a mapping"):
        parse_spec(["budget", 5])
