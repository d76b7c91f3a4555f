"""Metric maths against hand-computed values."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from models.metrics import (
    accuracy, calibration_bins, confusion_matrix, ece_from_bins, expected_calibration_error, iou_per_class,
    mean_iou,
)


def test_confusion_iou_and_accuracy_by_hand():
    target = torch.tensor([0, 0, 1, 2, 2, 9, 9])
    pred = torch.tensor([0, 1, 1, 2, 0, 3, 0])  # the two 9s are ignored, whatever is predicted
    cm = confusion_matrix(pred, target, num_classes=4, ignore_index=9)
    assert cm.tolist() == [[1, 1, 0, 0], [0, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]]
    iou = iou_per_class(cm)
    # class 0: TP 1, FP 1 (a 2 read as 0), FN 1 -> 1/3; class 1: 1/(1+1); class 2: 1/(1+1); class 3 absent
    assert iou[:3].tolist() == pytest.approx([1 / 3, 1 / 2, 1 / 2])
    assert math.isnan(iou[3])
    assert mean_iou(cm) == pytest.approx((1 / 3 + 1 / 2 + 1 / 2) / 3)
    assert accuracy(cm) == pytest.approx(3 / 5)


def test_class_only_predicted_counts_with_zero_iou():
    cm = confusion_matrix(torch.tensor([1, 1]), torch.tensor([0, 1]), num_classes=2)
    assert iou_per_class(cm).tolist() == [0.0, 0.5]
    assert mean_iou(cm) == 0.25


def test_segmentation_shapes_and_bad_labels():
    pred = torch.zeros(2, 3, 4, dtype=torch.long)
    target = torch.full((2, 3, 4), 11)
    target[0, 0, 0] = 0
    cm = confusion_matrix(pred, target, 11, ignore_index=11)
    assert cm.sum() == 1 and cm[0, 0] == 1
    with pytest.raises(ValueError, match=r"class id\(s\) \[11\] outside \[0, 11\)"):
        confusion_matrix(pred, target, 11)
    assert math.isnan(mean_iou(torch.zeros(3, 3, dtype=torch.long)))


def test_ece_by_hand():
    probs = torch.tensor([[0.9, 0.1], [0.1, 0.9], [0.58, 0.42], [0.45, 0.55]])
    target = torch.tensor([0, 0, 0, 1])
    # bins of width 1/15: 0.9 -> bin 13 (two items, acc 1/2), 0.58 and 0.55 -> bin 8 (two items, acc 1)
    # ECE = 2/4 * |0.5 - 0.9| + 2/4 * |1 - 0.565| = 0.2 + 0.2175
    # (values sit inside bins: 0.6 would sit on the 9/15 edge, where float rounding picks the bin)
    assert expected_calibration_error(probs, target) == pytest.approx(0.4175)
    count, conf_sum, correct = calibration_bins(probs, target)
    assert count[13] == 2 and count[8] == 2 and count.sum() == 4
    assert correct[13] == 1 and conf_sum[8].item() == pytest.approx(1.13)


def test_ece_bins_add_up_across_batches_and_honour_ignore():
    probs = torch.softmax(torch.randn(6, 3, 2, 2), dim=1)
    target = torch.randint(0, 3, (6, 2, 2))
    target[0] = 7
    whole = calibration_bins(probs, target, ignore_index=7)
    parts = [calibration_bins(probs[i:i + 2], target[i:i + 2], ignore_index=7) for i in (0, 2, 4)]
    summed = [sum(p[j] for p in parts) for j in range(3)]
    for a, b in zip(whole, summed):
        torch.testing.assert_close(a, b)
    assert whole[0].sum() == 20
    assert ece_from_bins(*whole) == pytest.approx(expected_calibration_error(probs, target, ignore_index=7))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=40))
def test_iou_bounds_and_perfect_prediction(pairs):
    target = torch.tensor([t for t, _ in pairs])
    pred = torch.tensor([p for _, p in pairs])
    iou = iou_per_class(confusion_matrix(pred, target, 4))
    present = ~iou.isnan()
    assert ((iou[present] >= 0) & (iou[present] <= 1)).all()
    assert mean_iou(confusion_matrix(target, target, 4)) == 1.0
    # a perfectly calibrated, perfectly sure prediction has ECE 0
    onehot = torch.nn.functional.one_hot(target, 4).float()
    assert expected_calibration_error(onehot, target) == 0.0
