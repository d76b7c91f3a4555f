"""Compose a spec's strategies in one greedy pass: `select(candidates, spec) -> SelectionResult`.

Each pick maximises the combined objective of the scoring terms among the candidates the constraints
still allow:

    sum:      sum_t strength_t * term_t            (terms in [0, 1])
    product:  sum_t strength_t * log(term_t)       (the log of prod_t term_t ** strength_t)

Static terms (`weight`, `topk`, `random`) are fixed per candidate; the `diversity` term changes after
every pick. Constraints: `drive_dedup` and `near_duplicate` rule candidates out as picks happen,
`quota` caps close cells and reservations restrict the cells a pick may come from once the remaining
budget is needed for them.

The pool. Every step scores only a pool of candidates, kept as a prefix of each cell's candidates in
static order (a cell is one combination of the quota columns' values; without quotas there is one).
The pool starts with the best `pool_factor x budget` candidates by static score (plus, per min_share
key, `pool_factor x` its reservation from that key's cells) and grows whenever an allowed cell has no
eligible member left in it. Because a cell's best eligible candidate is always in its pool prefix:

- without `diversity` the result is exactly the greedy optimum over all candidates;
- with `diversity`, k-center runs over the pool only (rank-and-filter): a candidate outside the top
  `pool_factor x budget` by the other terms is never picked for its distance alone. The pool is
  refilled (next `pool_factor x budget` by static score) when fewer than `pool_factor x remaining / 2`
  of its members are still eligible. `pool_factor: null` puts every candidate in the pool (exact
  k-center, O(N x budget x dim)). benchmarks/selection.py measures what this costs in coverage.

Nothing here reads files or the clock; the same spec (seed) and candidates give the same picks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pyarrow as pa

from curation.selection.candidates import Candidates
from curation.selection.errors import SpecError
from curation.selection.result import CellReport, QuotaReport, SelectionResult
from curation.selection.spec import SelectionSpec
from curation.selection.strategies.diversity import KCenter
from curation.selection.strategies.drive_dedup import DriveDedup
from curation.selection.strategies.near_duplicate import near_duplicates, unit_rows
from curation.selection.strategies.quota import QuotaPlan
from curation.selection.strategies.random import random_term
from curation.selection.strategies.topk import topk_term
from curation.selection.strategies.weight import normalized

# product mode: log(max(term, FLOOR)) so a zero term is a large penalty, not -inf.
FLOOR = 1e-6
# A pick that would make a still-feasible reservation infeasible is passed over; this many at most per step.
MAX_LOOKAHEAD = 32
# Smallest growth of a cell's pool prefix when it runs dry.
MIN_CHUNK = 64
# Pool factor used when there is no diversity term (the result does not depend on it then).
STATIC_POOL_FACTOR = 2.0


@dataclass(frozen=True)
class _Term:
    name: str
    strength: float
    raw: np.ndarray  # [N] float64 as read (NaN = missing)
    norm: np.ndarray  # [N] float64 in [0, 1]
    input: str | None


def check_columns(cands: Candidates, spec: SelectionSpec) -> None:
    """SpecError naming the spec key when a strategy names a column the candidates lack."""
    for i, s in enumerate(spec.strategies):
        where = f"strategies[{i}].input"
        if s.strategy in ("weight", "topk"):
            cands.numeric(s.input, where)
        elif s.strategy in ("diversity", "near_duplicate"):
            cands.require(s.input, where, kind="embedding column")
        elif s.strategy == "quota":
            for column in s.input:
                cands.require(column, where)
        elif s.strategy == "drive_dedup":
            cands.require("drive_id", f"strategies[{i}] (drive_dedup) needs column")
            cands.require("ts", f"strategies[{i}] (drive_dedup) needs column")


def select(
    candidates: pa.Table | Mapping[str, Any] | Candidates,
    spec: SelectionSpec,
    labeled_embeddings: np.ndarray | None = None,
) -> SelectionResult:
    """Pick up to the spec's budget of candidates, in order, with the why of each pick.

    candidates: a pyarrow Table or dict of arrays with `frame_id` and the columns the strategies name
        (score columns, `embedding` as `[N, D]` or a list column, `drive_id`, `ts`, quota columns).
        They are taken as already filtered (the loader drops labeled/queued frames).
    labeled_embeddings: `[L, D]` embeddings of labeled/queued frames, for `near_duplicate` against
        labeled and `diversity` with against_labeled (k-center then starts from them).
    """
    cands = candidates if isinstance(candidates, Candidates) else Candidates(candidates)
    check_columns(cands, spec)
    budget = spec.resolve_budget(cands.n)
    if cands.n == 0:
        return SelectionResult(budget=budget, n_candidates=0, messages=["no candidates: nothing to select"])
    return _Greedy(cands, spec, budget, labeled_embeddings).run()


class _Greedy:
    def __init__(self, cands: Candidates, spec: SelectionSpec, budget: int, labeled: np.ndarray | None):
        self.c, self.spec, self.budget = cands, spec, budget
        n = self.n = cands.n
        self.sum_mode = spec.combine == "sum"
        rng = np.random.default_rng(spec.seed)
        self.stats = {"near_duplicates_of_labeled": 0, "near_duplicates_of_picks": 0}

        # ---- static terms and the static order
        self.terms: list[_Term] = []
        for i, s in enumerate(spec.strategies):
            where = f"strategies[{i}].input"
            if s.strategy == "weight":
                raw = cands.numeric(s.input, where)
                name = s.input if s.input not in {t.name for t in self.terms} else f"{s.input}#{i}"
                self.terms.append(_Term(name, s.strength, raw, normalized(raw, s.normalize), s.input))
            elif s.strategy == "topk":
                raw = cands.numeric(s.input, where)
                self.terms.append(_Term("topk", 1.0, raw, topk_term(raw), s.input))
            elif s.strategy == "random":
                raw = random_term(n, rng)
                self.terms.append(_Term("random", 1.0, raw, raw, None))
        static = np.zeros(n, dtype=np.float64)
        for t in self.terms:
            static += t.strength * (t.norm if self.sum_mode else np.log(np.maximum(t.norm, FLOOR)))
        self.static = static
        # Ties in the static score are broken by a seeded permutation, so they are reproducible.
        self.order = np.lexsort((rng.permutation(n), -static))

        # ---- cells (quota) and their candidates in static order
        quotas = spec.of_kind("quota")
        self.plan = QuotaPlan(cands, quotas, budget) if quotas else None
        self.cell_of = self.plan.cell_of if self.plan else np.zeros(n, dtype=np.int32)
        self.n_cells = self.plan.n_cells if self.plan else 1
        self.cell_size = np.bincount(self.cell_of, minlength=self.n_cells).astype(np.int64)
        self.cell_start = np.concatenate([[0], np.cumsum(self.cell_size)[:-1]]).astype(np.int64)
        self.cell_sorted = self.order[np.argsort(self.cell_of[self.order], kind="stable")]
        self.cell_taken = np.zeros(self.n_cells, dtype=np.int64)
        self.global_taken = 0
        self.global_counts = np.zeros(self.n_cells, dtype=np.int64)
        self.eligible = np.ones(n, dtype=bool)
        self.cell_eligible = self.cell_size.copy()
        self.closed_cells = np.zeros(self.n_cells, dtype=bool)
        n_min = len(self.plan.mins) if self.plan else 0
        n_cap = len(self.plan.caps) if self.plan else 0
        self.picked_min = np.zeros(n_min, dtype=np.int64)
        self.picked_cap = np.zeros(n_cap, dtype=np.int64)
        self.picked_cell = np.zeros(self.n_cells, dtype=np.int64)

        # ---- constraints
        dd = spec.of_kind("drive_dedup")
        self.dedup = None
        if dd:
            i, s = dd[0]
            codes, self.drive_names = cands.categorical("drive_id", f"strategies[{i}] (drive_dedup) needs column")
            ts = cands.timestamps_s("ts", f"strategies[{i}] (drive_dedup) needs column")
            self.dedup = DriveDedup(codes, ts, s.min_gap_s, s.max_per_drive)
            self.drive_codes = codes

        lab = None
        if labeled is not None and len(labeled):
            lab = np.ascontiguousarray(labeled, dtype=np.float32)
            if lab.ndim != 2:
                raise SpecError(f"labeled embeddings must be [L, D], got shape {lab.shape}")
        self.nd_labeled: list[tuple[np.ndarray, np.ndarray, float]] = []
        self.nd_selected: list[tuple[np.ndarray, float]] = []
        self.nd_unit_pool: list[np.ndarray] = []
        for i, s in spec.of_kind("near_duplicate"):
            emb = cands.embedding(s.input, f"strategies[{i}].input")
            if "labeled" in s.against and lab is not None:
                self._check_dims(emb, lab, i)
                self.nd_labeled.append((emb, unit_rows(lab), s.max_cosine))
            if "selected" in s.against:
                self.nd_selected.append((emb, s.max_cosine))
                self.nd_unit_pool.append(np.zeros((0, emb.shape[1]), dtype=np.float32))

        div = spec.of_kind("diversity")
        self.kc: KCenter | None = None
        self.pool_factor: float | None = STATIC_POOL_FACTOR
        if div:
            i, s = div[0]
            self.div_emb = cands.embedding(s.input, f"strategies[{i}].input")
            start = None
            if s.against_labeled and lab is not None:
                self._check_dims(self.div_emb, lab, i)
                start = lab
            self.kc = KCenter(s.metric, start)
            self.div_strength = s.strength
            self.pool_factor = s.pool_factor

        # ---- the pool
        self.pos_in_pool = np.full(n, -1, dtype=np.int64)
        self.pool_idx = np.zeros(0, dtype=np.int64)
        self.pool_cell = np.zeros(0, dtype=np.int32)
        self.pool_elig = np.zeros(0, dtype=bool)
        self.pool_score = np.zeros(0, dtype=np.float64)  # static score, -inf once ineligible
        self.pool_cell_elig = np.zeros(self.n_cells, dtype=np.int64)
        self.admitted = 0
        self.picked: list[int] = []

        if self.plan is not None and n_cap:
            self._close_capped_cells()
        self.cell_eligible_at_start = self.cell_eligible.copy()
        first = n if self.pool_factor is None else min(n, max(256, math.ceil(self.pool_factor * budget)))
        self._admit_global(first)
        if self.plan is not None:
            factor = self.pool_factor if self.pool_factor is not None else 1.0
            for key in self.plan.mins:
                self._admit_key(key.cells, math.ceil(factor * key.count))

    @staticmethod
    def _check_dims(emb: np.ndarray, lab: np.ndarray, i: int) -> None:
        if emb.shape[1] != lab.shape[1]:
            raise SpecError(
                f"strategies[{i}]: candidate embeddings have {emb.shape[1]} dims but labeled ones {lab.shape[1]}; "
                "use the same model_version for both"
            )

    # ------------------------------------------------------------------ eligibility
    def _block(self, idx: np.ndarray, unique: bool = True) -> int:
        """Rule candidates out for the rest of the run; returns how many were still eligible."""
        idx = np.asarray(idx, dtype=np.int64)
        if idx.size == 0:
            return 0
        if unique:
            idx = np.unique(idx)
        new = idx[self.eligible[idx]]
        if new.size == 0:
            return 0
        self.eligible[new] = False
        self.cell_eligible -= np.bincount(self.cell_of[new], minlength=self.n_cells)
        p = self.pos_in_pool[new]
        p = p[p >= 0]
        if p.size:
            self.pool_elig[p] = False
            self.pool_score[p] = -np.inf
            self.pool_cell_elig -= np.bincount(self.pool_cell[p], minlength=self.n_cells)
            if self.kc is not None:
                self.kc.retire(p)
        return int(new.size)

    def _close_capped_cells(self) -> None:
        newly = self.plan.capped_cells(self.picked_cap) & ~self.closed_cells
        for c in np.flatnonzero(newly):
            s = self.cell_start[c]
            self._block(self.cell_sorted[s : s + self.cell_size[c]], unique=False)
        self.closed_cells |= newly

    # ------------------------------------------------------------------ the pool
    def _admit_global(self, m: int) -> None:
        m = min(self.n, m)
        if m <= self.global_taken:
            return
        self.global_counts += np.bincount(self.cell_of[self.order[self.global_taken : m]], minlength=self.n_cells)
        self.global_taken = m
        self._admit_to(np.maximum(self.cell_taken, self.global_counts))

    def _admit_key(self, cells: np.ndarray, take: int) -> None:
        if take <= 0 or not cells.any():
            return
        in_key = self.order[cells[self.cell_of[self.order]]]
        counts = np.bincount(self.cell_of[in_key[:take]], minlength=self.n_cells)
        self._admit_to(np.maximum(self.cell_taken, counts))

    def _admit_to(self, taken: np.ndarray) -> None:
        grow = np.flatnonzero(taken > self.cell_taken)
        if grow.size == 0:
            return
        parts = [
            self.cell_sorted[self.cell_start[c] + self.cell_taken[c] : self.cell_start[c] + taken[c]] for c in grow
        ]
        self.cell_taken = np.maximum(self.cell_taken, taken)
        self._add_members(np.concatenate(parts))

    def _add_members(self, new: np.ndarray) -> None:
        if new.size == 0:
            return
        for emb, lab_unit, threshold in self.nd_labeled:
            check = new[self.eligible[new]]
            dup = near_duplicates(unit_rows(emb[check]), lab_unit, threshold)
            self.stats["near_duplicates_of_labeled"] += self._block(check[dup], unique=False)
        if self.picked:
            for emb, threshold in self.nd_selected:
                check = new[self.eligible[new]]
                dup = near_duplicates(unit_rows(emb[check]), unit_rows(emb[np.array(self.picked)]), threshold)
                self.stats["near_duplicates_of_picks"] += self._block(check[dup], unique=False)
        self.admitted += int(new.size)
        start = self.pool_idx.size
        self.pos_in_pool[new] = np.arange(start, start + new.size)
        el = self.eligible[new]
        self.pool_idx = np.concatenate([self.pool_idx, new])
        self.pool_cell = np.concatenate([self.pool_cell, self.cell_of[new]])
        self.pool_elig = np.concatenate([self.pool_elig, el])
        self.pool_score = np.concatenate([self.pool_score, np.where(el, self.static[new], -np.inf)])
        self.pool_cell_elig += np.bincount(self.cell_of[new][el], minlength=self.n_cells)
        if self.kc is not None:
            self.kc.add_members(self.div_emb[new])
            self.kc.retire(np.flatnonzero(~el) + start)
        for k, (emb, _) in enumerate(self.nd_selected):
            self.nd_unit_pool[k] = np.concatenate([self.nd_unit_pool[k], unit_rows(emb[new])])

    def _compact(self) -> None:
        """Drop members that can no longer be picked, once they are the majority: every later step then
        touches only live rows (picks and drive_dedup/caps rule out most of the pool as a run goes on)."""
        live = int(self.pool_cell_elig.sum())
        if self.pool_idx.size < 1024 or live * 2 > self.pool_idx.size:
            return
        keep = self.pool_elig
        self.pos_in_pool[self.pool_idx[~keep]] = -1
        self.pool_idx = self.pool_idx[keep]
        self.pos_in_pool[self.pool_idx] = np.arange(self.pool_idx.size)
        self.pool_cell = self.pool_cell[keep]
        self.pool_score = self.pool_score[keep]
        if self.kc is not None:
            self.kc.keep(keep)
        for k in range(len(self.nd_unit_pool)):
            self.nd_unit_pool[k] = self.nd_unit_pool[k][keep]
        self.pool_elig = np.ones(self.pool_idx.size, dtype=bool)

    def _ensure_pool(self, allowed: np.ndarray, remaining: int) -> None:
        """Every allowed cell with eligible candidates has an eligible pool member (so its best one)."""
        while True:
            need = allowed & (self.pool_cell_elig == 0) & (self.cell_eligible > 0)
            if not need.any():
                break
            taken = self.cell_taken.copy()
            taken[need] = np.minimum(self.cell_size[need], taken[need] + np.maximum(taken[need], MIN_CHUNK))
            self._admit_to(taken)
        if self.kc is not None and self.pool_factor is not None:
            in_pool = int(self.pool_cell_elig.sum())
            if in_pool < 0.5 * self.pool_factor * remaining and int(self.cell_eligible.sum()) > in_pool:
                self._admit_global(self.global_taken + math.ceil(self.pool_factor * self.budget))

    # ------------------------------------------------------------------ one step
    def _values(self) -> tuple[np.ndarray, np.ndarray | None]:
        if self.kc is None:
            return self.pool_score, None
        d = self.kc.terms()
        if self.sum_mode:
            values = np.multiply(d, self.div_strength, dtype=np.float64)
        else:
            values = np.log(np.maximum(d, FLOOR), dtype=np.float64)
            values *= self.div_strength
        values += self.pool_score
        return values, d

    def _blocked_per_cell_if_picked(self, j: int) -> np.ndarray:
        counts = np.zeros(self.n_cells, dtype=np.int64)
        if self.dedup is not None:
            b = self.dedup.blocked_by(j)
            b = b[self.eligible[b]]
            counts += np.bincount(self.cell_of[b], minlength=self.n_cells)
        else:
            counts[self.cell_of[j]] += 1
        if self.plan is not None and len(self.plan.caps):
            after = self.picked_cap + self.plan.cap_hits[:, self.cell_of[j]]
            closing = (after >= self.plan.cap_counts) & (self.picked_cap < self.plan.cap_counts)
            if closing.any():
                cells = self.plan.cap_hits[closing].any(axis=0).astype(bool)
                counts[cells] = self.cell_eligible[cells]
        return counts

    def _look_ahead(self, values: np.ndarray, jp: int) -> int:
        """The best pool position whose pick keeps every still-feasible reservation feasible."""
        first, v = jp, None
        for _ in range(MAX_LOOKAHEAD):
            j = int(self.pool_idx[jp])
            blocked = self._blocked_per_cell_if_picked(j)
            if not self.plan.breaks_reservation(self.picked_min, self.cell_eligible, int(self.cell_of[j]), blocked):
                return jp
            if v is None:
                v = values.copy()
            v[jp] = -np.inf
            jp = int(np.argmax(v))
            if not np.isfinite(v[jp]):
                break
        return first

    def run(self) -> SelectionResult:
        messages: list[str] = []
        if self.kc is not None and not self.terms and self.pool_factor is not None and self.n > self.admitted:
            messages.append(
                f"diversity without a weight term ran k-center on a random sample of {self.admitted} of "
                f"{self.n} candidates (pool_factor {self.pool_factor:g}); on large sets that covers little better "
                "than random picks (see BENCHMARKS.md): set pool_factor: null for exact k-center, "
                "O(candidates x budget x dim)"
            )
        picks: list[int] = []
        scores: list[float] = []
        strategies: list[str] = []
        reasons: list[dict[str, Any]] = []
        while len(picks) < self.budget:
            remaining = self.budget - len(picks)
            if self.plan is not None:
                allowed, forced = self.plan.allowed_cells(self.picked_min, self.cell_eligible, remaining)
            else:
                allowed, forced = self.cell_eligible > 0, False
            if not allowed.any():
                messages.append(
                    f"picked {len(picks)} of the budget of {self.budget}: no eligible candidate is left "
                    "(drive_dedup, near_duplicate and max_share ruled out the rest)"
                )
                break
            self._compact()
            self._ensure_pool(allowed, remaining)
            values, div_terms = self._values()
            restricted = forced or not allowed[self.cell_eligible > 0].all()
            choose = np.where(allowed[self.pool_cell], values, -np.inf) if restricted else values
            jp = int(np.argmax(choose))
            if not np.isfinite(choose[jp]):  # cannot happen after _ensure_pool; stop rather than pick junk
                messages.append(f"picked {len(picks)} of {self.budget}: no eligible candidate in the pool")
                break
            best = jp
            if self.plan is not None and self.picked_min.size and (self.dedup is not None or len(self.plan.caps)):
                if (self.plan.required - self.picked_min > 0).any():
                    jp = self._look_ahead(choose, jp)
            # A reservation decided the pick when, without it, another candidate would have won.
            decided_by_quota = bool((forced or jp != best) and self.pool_idx[int(np.argmax(values))] != self.pool_idx[jp])
            reason, strategy = self._why(jp, div_terms, forced, decided_by_quota)
            picks.append(int(self.pool_idx[jp]))
            scores.append(float(choose[jp]))
            strategies.append(strategy)
            reasons.append(reason)
            self._apply_pick(jp)
        return self._result(picks, scores, strategies, reasons, messages)

    def _why(self, jp: int, div_terms: np.ndarray | None, forced: bool, by_quota: bool) -> tuple[dict, str]:
        j = int(self.pool_idx[jp])
        terms: dict[str, dict[str, Any]] = {}
        weight_of: dict[str, float] = {}
        for t in self.terms:
            raw = float(t.raw[j])
            norm = float(t.norm[j])
            contribution = t.strength * (norm if self.sum_mode else math.log(max(norm, FLOOR)))
            entry = {"value": None if math.isnan(raw) else raw, "term": norm, "contribution": contribution}
            if t.name == "topk":
                entry["input"] = t.input
            terms[t.name] = entry
            weight_of[t.name] = t.strength * norm
        if self.kc is not None:
            d = float(div_terms[jp])
            contribution = self.div_strength * (d if self.sum_mode else math.log(max(d, FLOOR)))
            terms["diversity"] = {"distance": self.kc.distance(jp), "term": d, "contribution": contribution}
            weight_of["diversity"] = self.div_strength * d
        reason: dict[str, Any] = {"terms": terms}
        if self.plan is not None:
            cell = int(self.cell_of[j])
            reason["cell"] = self.plan.cell_labels[cell]
            unmet = self.plan.required - self.picked_min
            reason["quota"] = {
                "reserved": forced,
                "decided": by_quota,
                "counts_toward": [k.key for k, hit, u in zip(self.plan.mins, self.plan.min_hits[:, cell], unmet) if hit and u > 0],
            }
        if self.dedup is not None:
            reason["drive"] = {
                "drive_id": self.drive_names[self.drive_codes[j]],
                "picks_before": self.dedup.picks_in_drive(j),
            }
        strategy = "quota" if by_quota else max(weight_of, key=lambda k: weight_of[k])
        return reason, strategy

    def _apply_pick(self, jp: int) -> None:
        j = int(self.pool_idx[jp])
        cell = int(self.cell_of[j])
        self.picked.append(j)
        self.picked_cell[cell] += 1
        if self.plan is not None:
            self.picked_min += self.plan.min_hits[:, cell]
            self.picked_cap += self.plan.cap_hits[:, cell]
        self._block(self.dedup.record(j) if self.dedup is not None else np.array([j]), unique=False)
        if self.plan is not None and len(self.plan.caps):
            self._close_capped_cells()
        for k, (_, threshold) in enumerate(self.nd_selected):
            sims = np.einsum("ij,j->i", self.nd_unit_pool[k], self.nd_unit_pool[k][jp])  # see KCenter.add_center
            self.stats["near_duplicates_of_picks"] += self._block(self.pool_idx[sims > threshold], unique=False)
        if self.kc is not None:
            self.kc.add_center(jp)

    # ------------------------------------------------------------------ the result
    def _result(self, picks, scores, strategies, reasons, messages) -> SelectionResult:
        idx = np.asarray(picks, dtype=np.int64)
        quota: list[QuotaReport] = []
        cells: list[CellReport] = []
        if self.plan is not None:
            start_avail = self.plan.min_hits @ self.cell_eligible_at_start
            for key, req, avail, got in zip(self.plan.mins, self.plan.required, start_avail, self.picked_min):
                short = int(max(0, req - got))
                note = key.note
                if short and not note:
                    if avail < req:
                        note = f"only {int(avail)} candidates match {key.key!r}"
                    elif len(picks) < self.budget:
                        note = "the constraints left too few eligible candidates to fill the budget"
                    else:
                        note = "drive_dedup/near_duplicate/max_share ruled out the other matching candidates"
                quota.append(QuotaReport(key.strategy_index, key.key, "min", key.share, int(req), int(avail), int(got), short, note))
            cap_avail = self.plan.cap_hits @ self.plan.candidates_per_cell
            for key, cap, avail, got in zip(self.plan.caps, self.plan.cap_counts, cap_avail, self.picked_cap):
                quota.append(QuotaReport(key.strategy_index, key.key, "max", key.share, int(cap), int(avail), int(got), 0, key.note))
            for c in range(self.n_cells):
                cells.append(CellReport(self.plan.cell_labels[c], int(self.plan.candidates_per_cell[c]), int(self.picked_cell[c])))
            for q in quota:
                if q.kind == "min" and q.shortfall:
                    messages.append(f"quota shortfall: {q.key!r} needed {q.required}, got {q.picked} ({q.note})")
        summary = {}
        for t in self.terms:
            if t.name == "random":
                continue
            summary[t.input if t.name == "topk" else t.name] = {
                "candidates": _describe(t.raw),
                "picked": _describe(t.raw[idx]),
            }
        stats = dict(self.stats)
        stats["pool"] = self.admitted
        return SelectionResult(
            budget=self.budget,
            n_candidates=self.n,
            indices=idx,
            frame_ids=self.c.frame_ids_at(idx),
            scores=scores,
            strategies=strategies,
            reasons=reasons,
            quota=quota,
            cell_columns=list(self.plan.columns) if self.plan else [],
            cells=cells,
            score_summary=summary,
            stats=stats,
            messages=messages,
        )


def _describe(values: np.ndarray) -> dict[str, float]:
    v = values[~np.isnan(values)] if values.size else values
    if v.size == 0:
        return {"n": 0}
    q = np.quantile(v, [0.0, 0.1, 0.5, 0.9, 1.0])
    return {"n": int(v.size), "mean": float(v.mean()), "min": float(q[0]), "p10": float(q[1]),
            "p50": float(q[2]), "p90": float(q[3]), "max": float(q[4])}
