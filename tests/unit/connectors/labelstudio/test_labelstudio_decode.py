"""Annotation -> label: which annotation counts, the painting order, and what gets rejected."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from connectors.labelstudio.decode import (
    annotator_of,
    choose_annotation,
    class_from_results,
    mask_from_results,
    parse_time,
)
from connectors.labelstudio.errors import AnnotationRejected
from connectors.labelstudio.label_config import CLASSIFICATION, SEGMENTATION, ProjectSpec
from connectors.labelstudio.payloads import brush_results, choice_results
from connectors.labelstudio.rle import encode_mask

SEG = ProjectSpec(SEGMENTATION, ("sky", "road", "car", "person"), ignore_index=4)
CLS = ProjectSpec(CLASSIFICATION, ("stop", "yield"))


def brush(name, mask, width=None, height=None):
    h, w = mask.shape
    return {"from_name": "label", "to_name": "image", "type": "brushlabels", "original_width": width or w,
            "original_height": height or h, "value": {"format": "rle", "rle": encode_mask(mask), "brushlabels": [name]}}


@settings(max_examples=30, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 12), st.integers(1, 12)), elements=st.integers(0, 4)))
def test_mask_to_results_to_mask_is_exact(mask):
    if (mask == 4).all():
        return  # nothing painted: rejected, tested below
    assert np.array_equal(mask_from_results(brush_results(mask, SEG), SEG, *mask.shape), mask)


def test_unpainted_pixels_become_ignore():
    m = np.zeros((2, 3), bool)
    m[0, 0] = True
    out = mask_from_results([brush("road", m)], SEG, 2, 3)
    assert out.tolist() == [[1, 4, 4], [4, 4, 4]]


def test_overlap_later_class_wins_in_class_order_and_custom_order_flips_it():
    road = np.array([[1, 1, 0]], bool)
    car = np.array([[0, 1, 1]], bool)
    results = [brush("car", car), brush("road", road)]  # result order does not matter
    assert mask_from_results(results, SEG, 1, 3).tolist() == [[1, 2, 2]]
    assert mask_from_results(results, SEG, 1, 3, paint_order=[0, 2, 1, 3]).tolist() == [[1, 1, 2]]


def test_two_strokes_of_one_class_are_united():
    a = np.array([[1, 0, 0]], bool)
    b = np.array([[0, 0, 1]], bool)
    assert mask_from_results([brush("sky", a), brush("sky", b)], SEG, 1, 3).tolist() == [[0, 4, 0]]


def test_paint_order_must_be_a_permutation():
    with pytest.raises(ValueError, match="every class id"):
        mask_from_results([brush("sky", np.ones((1, 1), bool))], SEG, 1, 1, paint_order=[0, 1])


def test_unknown_label_name_is_rejected_with_its_name():
    with pytest.raises(AnnotationRejected, match="label 'tree' is not in the class list"):
        mask_from_results([brush("tree", np.ones((2, 2), bool))], SEG, 2, 2)


def test_declared_size_mismatch_is_rejected():
    with pytest.raises(AnnotationRejected, match="10x2 image, the frame is 2x2"):
        mask_from_results([brush("sky", np.ones((2, 2), bool), width=10)], SEG, 2, 2)


def test_rle_size_mismatch_is_rejected_even_when_declared_size_matches():
    r = brush("sky", np.ones((3, 3), bool), width=2, height=2)
    with pytest.raises(AnnotationRejected, match="wrong size"):
        mask_from_results([r], SEG, 2, 2)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda r: r.update(type="rectanglelabels"), "expects 'brushlabels'"),
        (lambda r: r.update(from_name="other"), "from control 'other'"),
        (lambda r: r["value"].update(brushlabels=["sky", "road"]), "exactly one class"),
        (lambda r: r["value"].update(format="png"), "not supported"),
    ],
)
def test_malformed_results_are_rejected(change, message):
    r = brush("sky", np.ones((2, 2), bool))
    change(r)
    with pytest.raises(AnnotationRejected, match=message):
        mask_from_results([r], SEG, 2, 2)


def test_empty_annotation_is_rejected():
    with pytest.raises(AnnotationRejected, match="empty"):
        mask_from_results([], SEG, 2, 2)


def test_class_from_choice():
    assert class_from_results(choice_results(1, CLS), CLS) == 1
    bad = choice_results(0, CLS)
    bad[0]["value"]["choices"] = ["merge"]
    with pytest.raises(AnnotationRejected, match="'merge' is not in the class list"):
        class_from_results(bad, CLS)
    with pytest.raises(AnnotationRejected, match="exactly one choice"):
        class_from_results([], CLS)


def ann(id_, created, updated=None, cancelled=False):
    return {"id": id_, "created_at": created, "updated_at": updated or created, "was_cancelled": cancelled}


def test_latest_wins_by_update_time_and_cancelled_never_count():
    anns = [ann(1, "2024-01-01T10:00:00Z", "2024-01-03T00:00:00Z"), ann(2, "2024-01-02T00:00:00Z"),
            ann(3, "2024-01-05T00:00:00Z", cancelled=True)]
    chosen = choose_annotation(anns, "latest")
    assert chosen.annotation["id"] == 1
    assert [a["id"] for a in chosen.others] == [2]
    assert chosen.cancelled == 1


def test_earliest_rule_and_tie_break_by_id():
    anns = [ann(5, "2024-01-01T00:00:00Z"), ann(4, "2024-01-01T00:00:00Z")]
    assert choose_annotation(anns, "latest").annotation["id"] == 5
    assert choose_annotation(anns, "earliest").annotation["id"] == 4


def test_all_cancelled_chooses_nothing():
    chosen = choose_annotation([ann(1, "2024-01-01T00:00:00Z", cancelled=True)])
    assert chosen.annotation is None and chosen.cancelled == 1
    with pytest.raises(ValueError, match="not one of"):
        choose_annotation([], "majority")


def test_parse_time_and_annotator():
    assert parse_time("2026-11-23T14:45:32.883376Z") == dt.datetime(2026, 11, 23, 14, 45, 32, 883376,
                                                                    tzinfo=dt.timezone.utc)
    assert parse_time("2026-11-23 14:45:32+01:00") == dt.datetime(2026, 11, 23, 13, 45, 32, tzinfo=dt.timezone.utc)
    assert parse_time(None) is None
    assert annotator_of({"completed_by": {"id": 1, "email": "a@b.c"}}) == "a@b.c"
    assert annotator_of({"completed_by": 7}) == "user:7"
