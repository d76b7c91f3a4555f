"""The built-in strategies: each preset is a valid arm, and the comparison is at equal inference compute."""

from __future__ import annotations

import pytest

from curation.simulation.config import StrategyConfig, TrainSettings, resolve_strategy
from curation.simulation.strategies import PRESETS, list_presets


def test_the_six_arms_of_the_issue_are_registered():
    assert list_presets() == ["random", "entropy", "mc_dropout", "ensemble", "dpe", "dpe_diverse"]


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_resolves(name):
    resolved = resolve_strategy(StrategyConfig(preset=name), TrainSettings())
    assert resolved.name == name
    assert resolved.is_random == (name == "random")


def test_training_setups_match_the_comparison():
    arms = {n: resolve_strategy(StrategyConfig(preset=n), TrainSettings(members=5)) for n in PRESETS}
    assert arms["entropy"].train.members == 1 and arms["entropy"].train.mc_dropout == 0
    assert arms["mc_dropout"].train.members == 1 and arms["mc_dropout"].train.mc_dropout > 0
    assert (arms["ensemble"].train.members, arms["ensemble"].train.beta) == (5, 0.0)
    assert (arms["dpe"].train.members, arms["dpe"].train.beta) == (5, None)  # None: the ELBO weight
    # random differs from dpe only in how frames are chosen
    assert arms["random"].train == arms["dpe"].train
    kinds = [s.strategy for s in arms["dpe_diverse"].spec.strategies]
    assert kinds == ["weight", "diversity", "drive_dedup"]
    assert arms["entropy"].spec.strategies[0].input == "entropy"
    assert {arms[n].spec.strategies[0].input for n in ("mc_dropout", "ensemble", "dpe")} == {"mutual_information"}
