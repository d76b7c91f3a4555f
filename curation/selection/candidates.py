"""The candidates a selection chooses from, as NumPy arrays: one view over a pyarrow Table or a dict of arrays.

Rows are candidates (N of them); `frame_id` is required, every other column only when a strategy names it.
Conversions happen once per column and are cached; embeddings become one contiguous float32 `[N, D]` array.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from curation.selection.errors import SpecError

NULL_VALUE = "<null>"


class Candidates:
    """Column access by name over a pyarrow Table or a mapping of column -> array-like (all of length N)."""

    def __init__(self, data: pa.Table | Mapping[str, Any]):
        if isinstance(data, pa.Table):
            self._table: pa.Table | None = data
            self._arrays: dict[str, Any] = {}
            self.columns = list(data.column_names)
            self.n = data.num_rows
        elif isinstance(data, Mapping):
            self._table = None
            self._arrays = dict(data)
            self.columns = list(data)
            lengths = {name: len(v) for name, v in self._arrays.items()}
            if len(set(lengths.values())) > 1:
                raise SpecError(f"candidate columns differ in length: {lengths}; every column needs one value per candidate")
            self.n = next(iter(lengths.values()), 0)
        else:
            raise TypeError(f"candidates must be a pyarrow.Table or a dict of arrays, got {type(data).__name__}")
        if "frame_id" not in self.columns:
            raise SpecError(f"candidates need a frame_id column; got columns {self.columns}")
        self._cache: dict[tuple[str, str], Any] = {}

    # ------------------------------------------------------------------ checks
    def require(self, name: str, where: str, kind: str = "column") -> None:
        """SpecError naming the spec key `where` when column `name` does not exist."""
        if name not in self.columns:
            shown = ", ".join(c for c in self.columns if c != "frame_id")
            raise SpecError(f"{where} = {name!r}: no such {kind} among the candidates; available: {shown}")

    def _raw(self, name: str) -> Any:
        if self._table is not None:
            col = self._table.column(name)
            if isinstance(col, pa.ChunkedArray):
                # one chunk: use it as is (combining would copy, e.g. 512 MB of embeddings at 1M x 128)
                return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()
            return col
        return self._arrays[name]

    # ------------------------------------------------------------------ typed views
    def frame_ids_at(self, indices: np.ndarray) -> list[str]:
        """Frame ids (str) of the rows at `indices`, in that order."""
        raw = self._raw("frame_id")
        idx = np.asarray(indices, dtype=np.int64)
        if isinstance(raw, pa.Array):
            return [str(v) for v in raw.take(pa.array(idx)).to_pylist()]
        return [str(raw[i]) for i in idx]

    def values_at(self, name: str, indices: np.ndarray) -> list[Any]:
        """Plain Python values of column `name` at `indices` (for reasons and reports)."""
        raw = self._raw(name)
        idx = np.asarray(indices, dtype=np.int64)
        if isinstance(raw, pa.Array):
            return raw.take(pa.array(idx)).to_pylist()
        return [raw[i].item() if hasattr(raw[i], "item") else raw[i] for i in idx]

    def numeric(self, name: str, where: str) -> np.ndarray:
        """`[N]` float64, NaN for nulls. SpecError if the column is missing or not numeric."""
        self.require(name, where)
        key = (name, "num")
        if key not in self._cache:
            raw = self._raw(name)
            if isinstance(raw, pa.Array):
                if not (pa.types.is_integer(raw.type) or pa.types.is_floating(raw.type) or pa.types.is_boolean(raw.type)):
                    raise SpecError(f"{where} = {name!r}: column has type {raw.type}, a number per frame is needed")
                values = pc.cast(raw, pa.float64()).to_numpy(zero_copy_only=False)
            else:
                try:
                    values = np.asarray(raw, dtype=np.float64)
                except (TypeError, ValueError):
                    raise SpecError(f"{where} = {name!r}: column is not numeric, a number per frame is needed") from None
                if values.ndim != 1:
                    raise SpecError(f"{where} = {name!r}: column has shape {values.shape}, one number per frame is needed")
            self._cache[key] = np.ascontiguousarray(values, dtype=np.float64)
        return self._cache[key]

    def categorical(self, name: str, where: str) -> tuple[np.ndarray, list[str]]:
        """(`[N]` int32 codes, category names as str); nulls become the category '<null>'."""
        self.require(name, where)
        key = (name, "cat")
        if key not in self._cache:
            raw = self._raw(name)
            if isinstance(raw, pa.Array):
                encoded = pc.fill_null(pc.cast(raw, pa.string()), NULL_VALUE).dictionary_encode()
                found = [str(v) for v in encoded.dictionary.to_pylist()]
                indices = encoded.indices.to_numpy(zero_copy_only=False)
            else:
                arr = np.asarray(raw)
                if arr.dtype.kind not in "USiub":  # objects (maybe None): the slow, general way
                    arr = np.asarray([NULL_VALUE if v is None else str(v) for v in raw], dtype=str)
                found_arr, indices = np.unique(arr, return_inverse=True)
                found = [str(v) for v in found_arr]
            # Sorted category names make codes independent of row order (determinism across loads).
            order = np.argsort(np.asarray(found, dtype=str), kind="stable") if found else np.zeros(0, int)
            remap = np.empty(len(found), dtype=np.int32)
            remap[order] = np.arange(len(found), dtype=np.int32)
            codes = remap[np.asarray(indices, dtype=np.int64).reshape(-1)] if len(found) else np.zeros(self.n, np.int32)
            self._cache[key] = (codes.astype(np.int32), [found[i] for i in order])
        return self._cache[key]

    def timestamps_s(self, name: str, where: str) -> np.ndarray:
        """`[N]` float64 seconds (since the epoch for timestamps; as given for numbers). No nulls allowed."""
        self.require(name, where)
        key = (name, "ts")
        if key not in self._cache:
            raw = self._raw(name)
            if isinstance(raw, pa.Array):
                if raw.null_count:
                    raise SpecError(f"{where}: column {name!r} has {raw.null_count} null values; every frame needs a time")
                if pa.types.is_timestamp(raw.type):
                    us = pc.cast(pc.cast(raw, pa.timestamp("us", tz=raw.type.tz)), pa.int64()).to_numpy(zero_copy_only=False)
                    values = us.astype(np.float64) / 1e6
                else:
                    values = pc.cast(raw, pa.float64()).to_numpy(zero_copy_only=False)
            else:
                arr = np.asarray(raw)
                if np.issubdtype(arr.dtype, np.datetime64):
                    values = arr.astype("datetime64[us]").astype(np.int64).astype(np.float64) / 1e6
                else:
                    values = arr.astype(np.float64)
                if np.isnan(values).any():
                    raise SpecError(f"{where}: column {name!r} has missing values; every frame needs a time")
            self._cache[key] = np.ascontiguousarray(values)
        return self._cache[key]

    def embedding(self, name: str, where: str) -> np.ndarray:
        """`[N, D]` float32 C-contiguous. SpecError if missing, null for some row, or of varying length."""
        self.require(name, where)
        key = (name, "emb")
        if key not in self._cache:
            raw = self._raw(name)
            if isinstance(raw, pa.Array):
                if not (pa.types.is_list(raw.type) or pa.types.is_large_list(raw.type) or pa.types.is_fixed_size_list(raw.type)):
                    raise SpecError(f"{where} = {name!r}: column has type {raw.type}, a list of floats per frame is needed")
                if raw.null_count:
                    raise SpecError(
                        f"{where} = {name!r}: {raw.null_count} candidates have no embedding; re-score them or filter them out"
                    )
                lengths = pc.list_value_length(raw)
                lo, hi = pc.min(lengths).as_py(), pc.max(lengths).as_py()
                if self.n and lo != hi:
                    raise SpecError(f"{where} = {name!r}: embeddings differ in length ({lo} to {hi}); one model's embeddings are needed")
                flat = raw.flatten().to_numpy(zero_copy_only=False)
                values = flat.astype(np.float32, copy=False).reshape(self.n, lo or 0)
            else:
                values = np.asarray(raw, dtype=np.float32) if not isinstance(raw, list) else np.asarray(list(raw), dtype=np.float32)
                if values.ndim != 2:
                    raise SpecError(f"{where} = {name!r}: embeddings have shape {values.shape}, [N, D] is needed")
            for lo in range(0, values.shape[0], 65536):  # in blocks: a full-size bool mask would be N x D bytes
                if not np.isfinite(values[lo : lo + 65536]).all():
                    raise SpecError(f"{where} = {name!r}: embeddings contain NaN or inf")
            self._cache[key] = np.ascontiguousarray(values, dtype=np.float32)
        return self._cache[key]
