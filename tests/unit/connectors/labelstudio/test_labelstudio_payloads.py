"""Task, prediction and result JSON: what push sends and the oracle submits."""

import numpy as np
import pytest

from connectors.labelstudio.label_config import CLASSIFICATION, SEGMENTATION, ProjectSpec, build_label_config
from connectors.labelstudio.payloads import (
    PredictionChecker,
    brush_results,
    choice_results,
    image_url,
    prediction,
    results_for,
    task,
)
from connectors.labelstudio.rle import decode_mask

SEG = ProjectSpec(SEGMENTATION, ("sky", "road", "car"), ignore_index=3)
CLS = ProjectSpec(CLASSIFICATION, ("stop", "yield"))


def test_one_brush_result_per_present_class_in_class_order_ignore_skipped():
    mask = np.array([[2, 2, 3], [0, 3, 3]], np.uint8)  # classes 0 and 2 present, 3 = ignore
    results = brush_results(mask, SEG)
    assert [r["value"]["brushlabels"] for r in results] == [["sky"], ["car"]]
    for r in results:
        assert (r["from_name"], r["to_name"], r["type"]) == ("label", "image", "brushlabels")
        assert (r["original_width"], r["original_height"]) == (3, 2)
        assert r["value"]["format"] == "rle"
    assert np.array_equal(decode_mask(results[0]["value"]["rle"], 2, 3), mask == 0)
    assert np.array_equal(decode_mask(results[1]["value"]["rle"], 2, 3), mask == 2)


def test_all_ignore_mask_gives_no_results():
    assert brush_results(np.full((2, 2), 3, np.uint8), SEG) == []


def test_values_that_are_neither_class_nor_ignore_are_refused():
    with pytest.raises(ValueError, match=r"values \[7\]"):
        brush_results(np.array([[0, 7]], np.uint8), SEG)


def test_choice_result_names_the_class():
    assert choice_results(1, CLS) == [{"id": "class", "from_name": "class", "to_name": "image", "type": "choices",
                                       "value": {"choices": ["yield"]}}]
    with pytest.raises(ValueError, match="class id 2"):
        choice_results(2, CLS)


def test_results_for_dispatches_on_kind_and_needs_the_right_input():
    assert results_for(CLS, class_id=0)[0]["value"]["choices"] == ["stop"]
    with pytest.raises(ValueError, match="needs a mask"):
        results_for(SEG, class_id=0)
    with pytest.raises(ValueError, match="needs a class id"):
        results_for(CLS, mask=np.zeros((1, 1), np.uint8))


def test_prediction_carries_confidence_as_score_and_model_version():
    p = prediction([], 0.25, "m-7")
    assert p == {"result": [], "score": 0.25, "model_version": "m-7"}
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="confidence"):
            prediction([], bad, "m")
    with pytest.raises(ValueError, match="model_version"):
        prediction([], 0.5, "")


def test_task_holds_image_frame_id_and_predictions():
    t = task("camvid/a", "/data/local-files/?d=p/a.png", [prediction([], 0.5, "m")], {"rank": 3})
    assert t["data"] == {"image": "/data/local-files/?d=p/a.png", "frame_id": "camvid/a", "rank": 3}
    assert t["predictions"][0]["model_version"] == "m"
    assert "predictions" not in task("x", "u")


def test_image_url_local_storage_and_prefix():
    assert image_url("project-3/a b.png") == "/data/local-files/?d=project-3/a%20b.png"
    assert image_url("project-3/a.png", "https://cdn.example/frames/") == "https://cdn.example/frames/project-3/a.png"


def test_prediction_checker_accepts_ours_and_names_an_unknown_label():
    checker = PredictionChecker(build_label_config(SEG))
    good = prediction(brush_results(np.array([[0, 1]], np.uint8), SEG), 0.9, "m")
    assert checker.problems(good) == []
    bad = prediction(brush_results(np.array([[0, 1]], np.uint8), SEG), 0.9, "m")
    bad["result"][0]["value"]["brushlabels"] = ["tree"]
    problems = checker.problems(bad)
    assert problems and "tree" in problems[0]
