"""`quota`: shares of the batch per condition (weather x time of day ...), hard where the candidates allow.

Candidates fall into cells: one per combination of the quota input columns' values present among them.
A key of min_share/max_share (`rain`, `weather=rain`, `rain&night`) selects the cells that satisfy it.

- max_share is a cap: floor(share x budget) picks; when a key reaches it, its cells are closed.
- min_share is a reservation: ceil(share x budget) picks. Picks are free while the remaining budget
  covers every unmet reservation; once it no longer does, only cells that reduce the unmet reservations
  enough may be picked (`allowed_cells`). Reservations are capped by what is still available, so a key
  without enough candidates does not block the rest: its shortfall is reported instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from curation.selection.candidates import Candidates
from curation.selection.errors import SpecError
from curation.selection.spec import QuotaSpec, parse_condition


@dataclass(frozen=True)
class QuotaKey:
    """One min_share or max_share entry, resolved against the candidates' cells."""

    strategy_index: int
    key: str
    kind: str  # "min" | "max"
    share: float
    count: int  # picks required (min) or allowed (max)
    conditions: tuple[tuple[str, str], ...]  # resolved (column, value) pairs; empty if a value matched nothing
    cells: np.ndarray  # bool [n_cells]
    note: str = ""


class QuotaPlan:
    """Cells of the candidates and the quota keys over them."""

    def __init__(self, cands: Candidates, quotas: list[tuple[int, QuotaSpec]], budget: int):
        self.columns: list[str] = []
        for _, q in quotas:
            for c in q.input:
                if c not in self.columns:
                    self.columns.append(c)
        codes, cats = [], []
        for idx, q in quotas:
            for c in q.input:
                cands.require(c, f"strategies[{idx}].input")
        for c in self.columns:
            code, names = cands.categorical(c, "quota input")
            codes.append(code.astype(np.int64))
            cats.append(names)
        combined = np.zeros(cands.n, dtype=np.int64)
        for code, names in zip(codes, cats):
            combined = combined * max(1, len(names)) + code
        uniq, cell_of = np.unique(combined, return_inverse=True)
        self.cell_of = cell_of.astype(np.int32).reshape(-1)
        self.n_cells = int(uniq.size)
        # Decode each cell's column values from its mixed-radix code.
        self.cell_labels: list[dict[str, str]] = []
        for u in uniq.tolist():
            label = {}
            for c, names in zip(reversed(self.columns), reversed(cats)):
                radix = max(1, len(names))
                label[c] = names[u % radix] if names else ""
                u //= radix
            self.cell_labels.append({c: label[c] for c in self.columns})
        self.candidates_per_cell = np.bincount(self.cell_of, minlength=self.n_cells)
        values_by_column = {c: set(names) for c, names in zip(self.columns, cats)}

        self.mins: list[QuotaKey] = []
        self.caps: list[QuotaKey] = []
        for idx, q in quotas:
            for kind, shares in (("min", q.min_share), ("max", q.max_share)):
                for key, share in shares.items():
                    resolved = self._resolve(idx, key, q.input, values_by_column)
                    cells = np.ones(self.n_cells, dtype=bool)
                    note = ""
                    if resolved is None:
                        cells[:] = False
                        note = f"no candidate has {key!r} in {', '.join(q.input)}"
                        resolved = ()
                    else:
                        for column, value in resolved:
                            cells &= np.array([lab[column] == value for lab in self.cell_labels], dtype=bool)
                    count = math.ceil(share * budget - 1e-9) if kind == "min" else math.floor(share * budget + 1e-9)
                    entry = QuotaKey(idx, key, kind, share, int(count), tuple(resolved), cells, note)
                    (self.mins if kind == "min" else self.caps).append(entry)
        self.min_hits = np.array([k.cells for k in self.mins], dtype=np.int64).reshape(len(self.mins), self.n_cells)
        self.cap_hits = np.array([k.cells for k in self.caps], dtype=np.int64).reshape(len(self.caps), self.n_cells)
        self.required = np.array([k.count for k in self.mins], dtype=np.int64)
        self.cap_counts = np.array([k.count for k in self.caps], dtype=np.int64)

    @staticmethod
    def _resolve(idx: int, key: str, inputs: list[str], values: dict[str, set[str]]) -> tuple | None:
        """(column, value) pairs for a key, or None when some value occurs in no input column."""
        out = []
        for column, value in parse_condition(key, inputs):
            if column is None:
                where = [c for c in inputs if value in values[c]]
                if len(where) > 1:
                    raise SpecError(
                        f"strategies[{idx}] (quota): key {key!r}: value {value!r} occurs in columns {where}; "
                        f"qualify it, e.g. '{where[0]}={value}'"
                    )
                if not where:
                    return None
                column = where[0]
            elif value not in values[column]:
                return None
            out.append((column, value))
        return tuple(out)

    # ------------------------------------------------------------------ during the greedy pass
    def unmet(self, picked_min: np.ndarray, available_min: np.ndarray) -> np.ndarray:
        """Unmet reservations `[n_min]`, capped by what is still available to pick."""
        return np.maximum(0, np.minimum(self.required - picked_min, available_min))

    def allowed_cells(
        self, picked_min: np.ndarray, cell_available: np.ndarray, remaining: int
    ) -> tuple[np.ndarray, bool]:
        """(cells a pick may come from `[n_cells]` bool, whether reservations forced the restriction).

        A pick from cell c leaves sum_k max(0, unmet_k - hits[k, c]) unmet for remaining - 1 picks; the
        excess over remaining - 1 must be as small as possible (0 whenever the candidates allow).
        `cell_available`: eligible candidates per cell.
        """
        has = cell_available > 0
        if not len(self.mins):
            return has, False
        unmet = self.unmet(picked_min, self.min_hits @ cell_available)
        if unmet.sum() <= remaining - 1:
            return has, False
        left = np.maximum(0, unmet[:, None] - self.min_hits).sum(axis=0)  # [n_cells]
        excess = np.maximum(0, left - (remaining - 1))
        if not has.any():
            return has, False
        best = excess[has].min()
        allowed = has & (excess == best)
        return allowed, bool((has & ~allowed).any())

    def breaks_reservation(
        self, picked_min: np.ndarray, cell_available: np.ndarray, pick_cell: int, blocked_per_cell: np.ndarray
    ) -> bool:
        """Would a pick from `pick_cell` that rules out `blocked_per_cell` eligible candidates (the pick
        included) leave some reservation short that the candidates could still meet now?"""
        if not len(self.mins):
            return False
        available = self.min_hits @ cell_available
        need = self.required - picked_min
        after_need = need - self.min_hits[:, pick_cell]
        after_available = available - self.min_hits @ blocked_per_cell
        return bool(((need <= available) & (need > 0) & (after_need > after_available)).any())

    def capped_cells(self, picked_cap: np.ndarray) -> np.ndarray:
        """`[n_cells]` bool: cells of every max_share key that has reached its cap."""
        full = picked_cap >= self.cap_counts
        if not full.any():
            return np.zeros(self.n_cells, dtype=bool)
        return self.cap_hits[full].any(axis=0)
