"""Pieces of the round loop that need no training: reading the validation metrics, the reuse cache."""

from __future__ import annotations

import math

from curation.simulation.loop import _metrics, _TrainCache, metric_name


def test_metrics_pick_the_headline_and_per_class_values():
    metrics = {"val_miou": 0.4, "val_acc": 0.8, "val_ece": 0.05, "val_iou_0": 0.5, "val_iou_1": math.nan,
               "val_iou_2": 0.3, "train_steps": 60}
    assert _metrics("segmentation", metrics) == (0.4, 0.05, [0.5, None, 0.3])  # NaN (absent class) -> null
    headline, ece, per_class = _metrics("classification", metrics)
    assert headline == 0.8 and len(per_class) == 3
    assert math.isnan(_metrics("segmentation", {})[0])  # no evaluation: NaN, never a made-up number
    assert (metric_name("segmentation"), metric_name("classification")) == ("miou", "accuracy")


def test_train_cache_keys_on_setup_and_labeled_set_and_survives_a_restart(tmp_path):
    cache = _TrainCache(tmp_path / "trained.jsonl")
    key = cache.key({"members": 3, "seed": 0}, ["b", "a"])
    assert key == cache.key({"seed": 0, "members": 3}, ["a", "b"])  # order of either does not matter
    assert key != cache.key({"members": 3, "seed": 1}, ["a", "b"])
    assert key != cache.key({"members": 3, "seed": 0}, ["a", "c"])
    cache.put({"key": key, "lake": "/l", "model_version": "m1", "train_s": 12.5})
    again = _TrainCache(tmp_path / "trained.jsonl")
    assert again.get(key)["model_version"] == "m1" and again.get("other") is None
