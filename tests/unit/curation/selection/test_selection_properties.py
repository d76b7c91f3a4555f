"""Invariants of the selector for any candidates and spec (hypothesis)."""

import math
from collections import Counter, defaultdict

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curation.selection import parse_spec, select

WEATHER = ["clear", "rain", "fog"]
TOD = ["day", "night"]


@st.composite
def candidates(draw, max_n=60):
    n = draw(st.integers(0, max_n))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    n_drives = draw(st.integers(1, 6))
    return {
        "frame_id": [f"f{i:03d}" for i in range(n)],
        "mutual_information": rng.choice([0.0, 0.5, 1.0, 2.0, 3.5], n) if draw(st.booleans()) else rng.random(n),
        "embedding": rng.standard_normal((n, 4)).astype(np.float32),
        "drive_id": rng.integers(0, n_drives, n).astype(str),
        # half-second steps keep gap arithmetic exact in float64
        "ts": rng.integers(0, 40, n) * 0.5,
        "weather": rng.choice(WEATHER, n),
        "time_of_day": rng.choice(TOD, n),
    }


@st.composite
def specs(draw, constraints=True):
    scoring = draw(st.sampled_from(["weight", "weight+diversity", "random", "topk"]))
    strategies = []
    if scoring.startswith("weight"):
        strategies.append({"strategy": "weight", "input": "mutual_information", "strength": draw(st.floats(0.1, 2.0))})
    if scoring.endswith("diversity"):
        strategies.append(
            {"strategy": "diversity", "strength": draw(st.floats(0.1, 2.0)), "pool_factor": draw(st.sampled_from([1.0, 2.0, None]))}
        )
    if scoring == "random":
        strategies.append({"strategy": "random"})
    if scoring == "topk":
        strategies.append({"strategy": "topk", "input": "mutual_information"})
    mins = {}
    for key in draw(st.lists(st.sampled_from(["rain", "fog", "night", "rain&night"]), unique=True, max_size=3)):
        mins[key] = draw(st.sampled_from([0.1, 0.2, 0.3]))
    if sum(mins.values()) > 1:
        mins = {}
    quota = {"strategy": "quota", "input": ["weather", "time_of_day"]}
    if mins:
        quota["min_share"] = mins
    if constraints:
        caps = {k: draw(st.sampled_from([0.3, 0.6, 1.0])) for k in draw(st.lists(st.sampled_from(["day", "clear"]), unique=True, max_size=2))}
        if caps:
            quota["max_share"] = caps
        if draw(st.booleans()):
            dedup = {"strategy": "drive_dedup", "min_gap_s": draw(st.sampled_from([0.0, 0.5, 1.0, 2.5]))}
            cap = draw(st.sampled_from([None, 1, 3]))
            if cap is not None or dedup["min_gap_s"] == 0:
                dedup["max_per_drive"] = cap or 2
            strategies.append(dedup)
        if draw(st.booleans()):
            strategies.append(
                {"strategy": "near_duplicate", "max_cosine": draw(st.sampled_from([0.5, 0.9])),
                 "against": draw(st.sampled_from(["labeled", "selected", ["labeled", "selected"]]))}
            )
    if "min_share" in quota or "max_share" in quota:
        strategies.append(quota)
    return parse_spec({"budget": draw(st.integers(1, 30)), "strategies": strategies, "seed": draw(st.integers(0, 3))})


def _quota(spec):
    return next((s for s in spec.strategies if s.strategy == "quota"), None)


def _matches(key, w, t):
    values = {"weather": w, "time_of_day": t}
    return all(part in (w, t) for part in key.split("&")) if values else False


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(candidates(), specs(), st.integers(0, 5))
def test_hard_constraints_always_hold(c, spec, n_labeled):
    labeled = np.random.default_rng(n_labeled).standard_normal((n_labeled, 4)).astype(np.float32)
    r = select(c, spec, labeled_embeddings=labeled)
    n = len(c["frame_id"])
    # never more than the budget, never a frame twice
    assert len(r) <= spec.budget
    assert len(set(r.frame_ids)) == len(r.frame_ids)
    rows = [int(f[1:]) for f in r.frame_ids]
    assert all(0 <= i < n for i in rows)
    assert list(r.indices) == rows
    dedup = next((s for s in spec.strategies if s.strategy == "drive_dedup"), None)
    if dedup is not None:
        by_drive = defaultdict(list)
        for i in rows:
            by_drive[c["drive_id"][i]].append(c["ts"][i])
        for times in by_drive.values():
            if dedup.max_per_drive is not None:
                assert len(times) <= dedup.max_per_drive
            times = sorted(times)
            assert all(b - a >= dedup.min_gap_s for a, b in zip(times, times[1:]))
    nd = next((s for s in spec.strategies if s.strategy == "near_duplicate"), None)
    if nd is not None:
        unit = c["embedding"] / np.maximum(np.linalg.norm(c["embedding"], axis=1, keepdims=True), 1e-12)
        picked = unit[rows]
        if "selected" in nd.against and len(rows) > 1:
            sims = picked @ picked.T
            np.fill_diagonal(sims, -1)
            assert sims.max() <= nd.max_cosine + 1e-5
        if "labeled" in nd.against and n_labeled and rows:
            lab = labeled / np.linalg.norm(labeled, axis=1, keepdims=True)
            assert (picked @ lab.T).max() <= nd.max_cosine + 1e-5
    q = _quota(spec)
    if q is not None:
        for key, share in q.max_share.items():
            assert sum(_matches(key, c["weather"][i], c["time_of_day"][i]) for i in rows) <= math.floor(share * r.budget + 1e-9)
        # the report agrees with the picks, and every unmet reservation is reported as a shortfall
        for rep in r.quota:
            actual = sum(_matches(rep.key, c["weather"][i], c["time_of_day"][i]) for i in rows)
            assert rep.picked == actual
            if rep.kind == "min":
                assert rep.shortfall == max(0, rep.required - actual)
                if rep.shortfall:
                    assert any(rep.key in m for m in r.messages)
        assert sum(cell.picked for cell in r.cells) == len(r)
    # the same seed gives the same batch
    again = select(c, spec, labeled_embeddings=labeled)
    assert again.frame_ids == r.frame_ids and again.strategies == r.strategies


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(candidates(), specs(constraints=False))
def test_quotas_hold_whenever_the_candidates_allow_them(c, spec):
    q = _quota(spec)
    r = select(c, spec)
    n = len(c["frame_id"])
    assert len(r) == min(spec.budget, n)  # nothing else constrains: the budget is always filled
    if q is None:
        return
    required = {k: math.ceil(s * r.budget - 1e-9) for k, s in q.min_share.items()}
    available = {k: sum(_matches(k, w, t) for w, t in zip(c["weather"], c["time_of_day"])) for k in q.min_share}
    feasible = sum(required.values()) <= r.budget and all(available[k] >= required[k] for k in required)
    rows = [int(f[1:]) for f in r.frame_ids]
    counts = Counter()
    for key in q.min_share:
        counts[key] = sum(_matches(key, c["weather"][i], c["time_of_day"][i]) for i in rows)
    if feasible:
        for key, need in required.items():
            assert counts[key] >= need, (key, need, counts, available)
    # a key short of candidates still gets every one of them
    for key, need in required.items():
        if available[key] < need and sum(required.values()) <= r.budget:
            assert counts[key] == available[key]


@settings(max_examples=40, deadline=None)
@given(candidates(max_n=40), st.integers(1, 20))
def test_without_diversity_the_pool_does_not_change_the_result(c, budget):
    # Static-only specs are exact: the same picks as sorting every candidate by score (ties by seed).
    spec = parse_spec({"budget": budget, "strategies": [{"strategy": "topk", "input": "mutual_information"}]})
    r = select(c, spec)
    mi = np.asarray(c["mutual_information"])
    picked = mi[r.indices] if len(r) else np.array([])
    assert np.all(np.diff(picked) <= 0)
    if len(r):
        rest = np.delete(mi, r.indices)
        assert rest.size == 0 or rest.max() <= picked.min()
