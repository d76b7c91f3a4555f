"""The greedy selector on inputs small enough to work out by hand."""

import numpy as np
import pyarrow as pa
import pytest

from curation.selection import SpecError, parse_spec, select


def _spec(budget, *strategies, **extra):
    return parse_spec({"budget": budget, "strategies": list(strategies), **extra})


def _cands(n, **cols):
    base = {"frame_id": [f"f{i}" for i in range(n)]}
    base.update(cols)
    return base


def test_topk_picks_the_highest_scores_in_order():
    c = _cands(5, mutual_information=[0.1, 0.9, 0.5, 0.7, 0.3])
    r = select(c, _spec(3, {"strategy": "topk", "input": "mutual_information"}))
    assert r.frame_ids == ["f1", "f3", "f2"]
    assert r.strategies == ["topk"] * 3
    assert r.reasons[0]["terms"]["topk"]["value"] == pytest.approx(0.9)
    assert r.reasons[0]["terms"]["topk"]["input"] == "mutual_information"


def test_weight_and_diversity_follow_k_center_by_hand():
    # Points on a line at 0, 1, 2, 10, 11; weights rank-normalise to 1, .75, .5, .25, 0; diversity strength 10.
    # Pick 1: no centre yet, every D = 1 -> the best weight: x=0.
    # Pick 2: D = dist/11 -> x=11 (0 + 10) beats x=10 (.25 + 9.09) and x=2 (.5 + 1.82).
    # Pick 3: min distances [0, 1, 2, 1, 0] / 2 -> x=2 (.5 + 10) beats x=1 (.75 + 5) and x=10 (.25 + 5).
    x = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]], dtype=np.float32)
    c = _cands(5, w=[5.0, 4.0, 3.0, 2.0, 1.0], embedding=x)
    spec = _spec(3, {"strategy": "weight", "input": "w"}, {"strategy": "diversity", "strength": 10.0})
    r = select(c, spec)
    assert r.frame_ids == ["f0", "f4", "f2"]
    assert r.strategies == ["diversity", "diversity", "diversity"]
    assert r.reasons[1]["terms"]["diversity"]["distance"] == pytest.approx(11.0)
    assert r.reasons[2]["terms"]["diversity"]["term"] == pytest.approx(1.0)
    assert r.reasons[2]["terms"]["w"] == {"value": 3.0, "term": 0.5, "contribution": 0.5}
    assert r.scores[2] == pytest.approx(10.5)


def test_diversity_starts_from_labeled_frames():
    x = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]], dtype=np.float32)
    c = _cands(5, w=[5.0, 4.0, 3.0, 2.0, 1.0], embedding=x)
    spec = _spec(1, {"strategy": "weight", "input": "w"}, {"strategy": "diversity", "strength": 10.0})
    # A labeled frame at 0 makes x=11 the farthest: 0 + 10 beats x=0's 1 + 0.
    assert select(c, spec, labeled_embeddings=np.array([[0.0]])).frame_ids == ["f4"]
    off = _spec(1, {"strategy": "weight", "input": "w"}, {"strategy": "diversity", "strength": 10.0, "against_labeled": False})
    assert select(c, off, labeled_embeddings=np.array([[0.0]])).frame_ids == ["f0"]


def test_reservations_fill_last_and_are_marked_quota():
    # 8 clear frames outscore 2 rainy ones; min rain 0.4 of 5 = 2 picks.
    weather = ["clear"] * 8 + ["rain"] * 2
    c = _cands(10, s=[10, 9, 8, 7, 6, 5, 4, 3, 2, 1], weather=weather)
    spec = _spec(5, {"strategy": "topk", "input": "s"}, {"strategy": "quota", "input": "weather", "min_share": {"rain": 0.4}})
    r = select(c, spec)
    assert r.frame_ids == ["f0", "f1", "f2", "f8", "f9"]
    assert r.strategies == ["topk", "topk", "topk", "quota", "quota"]
    assert r.reasons[3]["quota"] == {"reserved": True, "decided": True, "counts_toward": ["rain"]}
    assert r.reasons[3]["cell"] == {"weather": "rain"}
    (q,) = r.quota
    assert (q.key, q.required, q.available, q.picked, q.shortfall, q.met) == ("rain", 2, 2, 2, 0, True)


def test_shortfall_is_reported_per_key_not_ignored():
    c = _cands(6, s=[6, 5, 4, 3, 2, 1], weather=["clear"] * 4 + ["rain"] * 2)
    spec = _spec(5, {"strategy": "topk", "input": "s"}, {"strategy": "quota", "input": "weather", "min_share": {"rain": 0.6, "snow": 0.2}})
    r = select(c, spec)
    assert len(r) == 5
    rain, snow = r.quota
    assert (rain.required, rain.picked, rain.shortfall) == (3, 2, 1)
    assert "only 2 candidates match 'rain'" in rain.note
    assert (snow.required, snow.available, snow.picked, snow.shortfall) == (1, 0, 0, 1)
    assert "no candidate has 'snow'" in snow.note
    assert any("quota shortfall: 'rain'" in m for m in r.messages)


def test_caps_are_hard_and_conjunction_keys_work():
    c = _cands(8, s=[8, 7, 6, 5, 4, 3, 2, 1], weather=["clear"] * 4 + ["rain"] * 4, tod=["day", "night"] * 4)
    spec = _spec(
        4,
        {"strategy": "topk", "input": "s"},
        {"strategy": "quota", "input": ["weather", "tod"], "max_share": {"weather=clear": 0.5}, "min_share": {"rain&night": 0.25}},
    )
    r = select(c, spec)
    picked_weather = [c["weather"][int(f[1:])] for f in r.frame_ids]
    assert picked_weather.count("clear") == 2
    assert ("rain", "night") in [(c["weather"][int(f[1:])], c["tod"][int(f[1:])]) for f in r.frame_ids]
    assert r.frame_ids[:2] == ["f0", "f1"]


def test_drive_dedup_gap_and_per_drive_cap():
    # Drive a at t = 0, 1, 2, 3, 4 (scores descending), drive b at t = 0 with the lowest score.
    c = _cands(6, s=[6, 5, 4, 3, 2, 1], drive_id=["a"] * 5 + ["b"], ts=[0.0, 1.0, 2.0, 3.0, 4.0, 0.0])
    gap = _spec(6, {"strategy": "topk", "input": "s"}, {"strategy": "drive_dedup", "min_gap_s": 2.0})
    assert select(c, gap).frame_ids == ["f0", "f2", "f4", "f5"]  # exactly 2 s apart is allowed
    cap = _spec(6, {"strategy": "topk", "input": "s"}, {"strategy": "drive_dedup", "min_gap_s": 2.0, "max_per_drive": 2})
    r = select(c, cap)
    assert r.frame_ids == ["f0", "f2", "f5"]
    assert r.reasons[1]["drive"] == {"drive_id": "a", "picks_before": 1}
    assert "no eligible candidate is left" in r.messages[0]


def test_look_ahead_keeps_a_reservation_reachable():
    # a1 (day, best) and a2 (rain) are 1 s apart in drive a; picking a1 first would rule a2 out and leave
    # the rain reservation unmet although {b1, a2} meets it.
    c = _cands(3, s=[3.0, 1.0, 2.0], drive_id=["a", "a", "b"], ts=[0.0, 1.0, 0.0], weather=["clear", "rain", "clear"])
    spec = _spec(
        2,
        {"strategy": "topk", "input": "s"},
        {"strategy": "quota", "input": "weather", "min_share": {"rain": 0.5}},
        {"strategy": "drive_dedup", "min_gap_s": 2.0},
    )
    r = select(c, spec)
    assert r.frame_ids == ["f2", "f1"]
    assert r.strategies == ["quota", "quota"]  # f0 would have won both steps without the reservation
    assert r.quota[0].met


def test_near_duplicates_of_labeled_and_of_picks():
    emb = np.array([[1, 0], [1, 0.01], [0, 1], [0.01, 1], [-1, 0]], dtype=np.float32)
    c = _cands(5, s=[5, 4, 3, 2, 1], embedding=emb)
    labeled = np.array([[1.0, 0.0]])
    spec = _spec(5, {"strategy": "topk", "input": "s"}, {"strategy": "near_duplicate", "max_cosine": 0.99})
    r = select(c, spec, labeled_embeddings=labeled)
    assert r.frame_ids == ["f2", "f3", "f4"]  # f0, f1 duplicate the labeled frame
    assert r.stats["near_duplicates_of_labeled"] == 2
    both = _spec(5, {"strategy": "topk", "input": "s"}, {"strategy": "near_duplicate", "max_cosine": 0.99, "against": ["labeled", "selected"]})
    assert select(c, both, labeled_embeddings=labeled).frame_ids == ["f2", "f4"]  # f3 duplicates pick f2
    picks_only = _spec(5, {"strategy": "topk", "input": "s"}, {"strategy": "near_duplicate", "max_cosine": 0.99, "against": "selected"})
    assert select(c, picks_only, labeled_embeddings=labeled).frame_ids == ["f0", "f2", "f4"]


def test_random_baseline_is_seeded():
    c = _cands(50, s=np.arange(50.0))
    a = select(c, _spec(10, {"strategy": "random"}, seed=1)).frame_ids
    b = select(c, _spec(10, {"strategy": "random"}, seed=1)).frame_ids
    d = select(c, _spec(10, {"strategy": "random"}, seed=2)).frame_ids
    assert a == b and a != d and len(set(a)) == 10


def test_proportion_and_budget_above_candidates():
    c = _cands(10, s=np.arange(10.0))
    assert len(select(c, parse_spec({"proportion": 0.25, "strategies": [{"strategy": "topk", "input": "s"}]}))) == 3
    r = select(c, _spec(50, {"strategy": "topk", "input": "s"}))
    assert len(r) == 10 and r.budget == 10


def test_product_mode_multiplies_terms():
    # a: (1.0, 0.0) -> product 0; b: (0.5, 0.5) -> the better product although the sums tie.
    c = _cands(3, u=[3.0, 2.0, 1.0], v=[1.0, 2.0, 3.0])
    spec = _spec(1, {"strategy": "weight", "input": "u"}, {"strategy": "weight", "input": "v"}, combine="product")
    assert select(c, spec).frame_ids == ["f1"]


def test_arrow_input_with_list_embeddings_and_timestamps():
    import datetime as dt

    t0 = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)
    table = pa.table(
        {
            "frame_id": ["a", "b", "c"],
            "mutual_information": pa.array([0.3, 0.2, 0.1], pa.float32()),
            "embedding": pa.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], pa.list_(pa.float32())),
            "drive_id": ["d", "d", "d"],
            "ts": pa.array([t0, t0 + dt.timedelta(seconds=1), t0 + dt.timedelta(seconds=5)], pa.timestamp("us", tz="UTC")),
        }
    )
    spec = _spec(
        3,
        {"strategy": "weight", "input": "mutual_information"},
        {"strategy": "diversity", "strength": 0.1},
        {"strategy": "drive_dedup", "min_gap_s": 2.0},
    )
    assert select(table, spec).frame_ids == ["a", "c"]


def test_unknown_columns_name_the_key_and_what_exists():
    c = _cands(3, mutual_information=[1.0, 2.0, 3.0])
    with pytest.raises(SpecError, match=r"strategies\[0\].input = 'mutual_informaton': no such column.*mutual_information"):
        select(c, _spec(1, {"strategy": "weight", "input": "mutual_informaton"}))
    with pytest.raises(SpecError, match=r"strategies\[1\].input = 'embedding': no such embedding column"):
        select(c, _spec(1, {"strategy": "weight", "input": "mutual_information"}, {"strategy": "diversity"}))
    with pytest.raises(SpecError, match=r"strategies\[1\] \(drive_dedup\) needs column = 'drive_id'"):
        select(c, _spec(1, {"strategy": "topk", "input": "mutual_information"}, {"strategy": "drive_dedup", "min_gap_s": 1}))


def test_ambiguous_quota_value_must_be_qualified():
    c = _cands(2, s=[1.0, 2.0], a=["x", "y"], b=["x", "z"])
    spec = _spec(1, {"strategy": "topk", "input": "s"}, {"strategy": "quota", "input": ["a", "b"], "min_share": {"x": 0.5}})
    with pytest.raises(SpecError, match=r"value 'x' occurs in columns \['a', 'b'\]; qualify it, e.g. 'a=x'"):
        select(c, spec)


def test_no_candidates_gives_an_empty_result_with_a_message():
    r = select(_cands(0, s=[]), _spec(5, {"strategy": "topk", "input": "s"}))
    assert len(r) == 0 and r.messages == ["no candidates: nothing to select"]


def test_diversity_alone_on_a_sample_says_so():
    c = _cands(400, embedding=np.random.default_rng(0).standard_normal((400, 3)).astype(np.float32))
    sampled = select(c, _spec(10, {"strategy": "diversity", "pool_factor": 1.0}))
    assert len(sampled) == 10
    assert "k-center on a random sample of 256 of 400 candidates" in sampled.messages[0]
    assert select(c, _spec(10, {"strategy": "diversity", "pool_factor": None})).messages == []
