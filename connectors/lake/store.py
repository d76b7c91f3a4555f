"""The lake: a directory of Parquet tables with atomic, idempotent writes by key, queried with DuckDB.

Layout: `<root>/<table>/part-<id>.parquet`, or `<root>/frames/date=YYYY-MM-DD/part-<id>.parquet` for the
Hive-partitioned `frames`. Everything else under the root (masks/, checkpoints/, labelstudio/) is files
that rows point at.

How a write stays atomic: new files are written under `<root>/_txn/tmp/`, then a journal naming every
rename and removal is written (itself atomically), then applied, then deleted. A crash before the journal
exists leaves only temporary files (swept on the next write); a crash after it is rolled forward by the
next `Lake(...)` or write. Writers hold an exclusive lock on `<root>/.lock`; readers take none.

What a reader sees: each table has a manifest, `<table>/_manifest.json`, listing its live files. Applying a
journal moves the new files into place (no reader looks at them yet), then replaces the manifest in one
rename: that rename is the moment the write becomes visible, all of it at once, so a reader sees the table
before or after a write, never both the old and the new copy of an upserted row. Files a write replaces are
not deleted at once but retired (`_txn/retired.ledger`) and deleted by a later write after RETIRE_AFTER_S, so a
query that listed them just before keeps reading them. A lake written before manifests existed is read by
globbing its folders until its first write creates the manifest.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from connectors.lake.conform import conform
from connectors.lake.errors import LakeError
from connectors.lake.schemas import TABLES, TableSpec, table_spec

# A partition holding more files than this is merged into one file after a write: nightly jobs write in
# small batches and thousands of tiny files would make every query slow.
COMPACT_AFTER_FILES = 48
MANIFEST = "_manifest.json"
# Replaced files stay on disk this long after the write that replaced them (for queries already reading them).
RETIRE_AFTER_S = 600.0
_KEY_SEP = "\x1f"
# Statement types `Lake.query(read_only=True)` accepts: anything else (DROP, INSERT, COPY, ATTACH, SET...)
# could change the lake or the files around it.
_READ_ONLY_STATEMENTS = {"SELECT", "EXPLAIN"}
_EXPLAIN_PREFIX = re.compile(r"^\s*EXPLAIN\s*(\([^()]*\))?\s*(ANALY[SZ]E\b)?", re.IGNORECASE)


@dataclass(frozen=True)
class WriteResult:
    """What a write did: rows newly added, rows that replaced an existing key, rows skipped as present."""

    inserted: int = 0
    replaced: int = 0
    skipped: int = 0


def _key_strings(table: pa.Table, key: Sequence[str]) -> pa.Array:
    """One string per row that identifies its key (columns joined by an unprintable separator)."""
    parts = [pc.cast(table.column(k), pa.string()) for k in key]
    if len(parts) == 1:
        return parts[0].combine_chunks() if isinstance(parts[0], pa.ChunkedArray) else parts[0]
    # Each part is prefixed with its length, so a value that contains the separator cannot make two different
    # keys join to the same string (("a\x1fb", "c") vs ("a", "b\x1fc")).
    parts = [pc.binary_join_element_wise(pc.cast(pc.utf8_length(p), pa.string()), p, ":") for p in parts]
    joined = pc.binary_join_element_wise(*parts, _KEY_SEP)
    return joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined


def _value_range(table: pa.Table, column: str) -> tuple[Any, Any]:
    """(min, max) of a column, as Python values."""
    bounds = pc.min_max(table.column(column))
    return bounds["min"].as_py(), bounds["max"].as_py()


def _may_hold(path: Path, column: str, low: Any, high: Any) -> bool:
    """False only when the file's Parquet statistics prove no value of `column` lies in [low, high].

    Lets a write or delete skip reading files whose key range cannot overlap the batch: ids are clustered
    (one source, drive or day per file), so most files of a large lake are ruled out from their footer alone.
    """
    try:
        meta = pq.read_metadata(path)
    except (OSError, pa.ArrowException):
        return True
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        chunk = next((group.column(j) for j in range(group.num_columns) if group.column(j).path_in_schema == column), None)
        stats = chunk.statistics if chunk is not None else None
        if stats is None or not stats.has_min_max:
            return True
        try:
            if not (stats.max < low or stats.min > high):
                return True
        except TypeError:  # statistics of an unexpected type: do not guess
            return True
    return False


def _dedupe_last(table: pa.Table, key: Sequence[str]) -> pa.Table:
    """Keep the last row of each key: within one write, a later row wins over an earlier one."""
    key_strings = _key_strings(table, key)
    if pc.count_distinct(key_strings).as_py() == table.num_rows:  # the usual case, without a Python loop
        return table
    keys = key_strings.to_pylist()
    last = {k: i for i, k in enumerate(keys)}
    if len(last) == len(keys):
        return table
    return table.take(sorted(last.values()))


def _read_manifest(base: Path) -> list[Path] | None:
    """The files a table's manifest lists (absolute paths), or None when the table has no manifest yet."""
    try:
        names = json.loads((base / MANIFEST).read_text())["files"]
    except FileNotFoundError:
        return None
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise LakeError(f"manifest {base / MANIFEST} is unreadable ({exc}): delete it to read the table from the "
                        "files in its folder (the next write then writes a new manifest)") from None
    return [base / name for name in names]


def _write_manifest(base: Path, files: list[Path]) -> None:
    """Replace a table's manifest in one rename: readers see the old list or the new one, never a mix."""
    base.mkdir(parents=True, exist_ok=True)
    staged = base / f".{MANIFEST}.{uuid.uuid4().hex}.tmp"
    staged.write_text(json.dumps({"files": [str(p.relative_to(base)) for p in files]}))
    os.replace(staged, base / MANIFEST)


class Lake:
    """A lake rooted at `root`. See the module docstring for layout and guarantees."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).expanduser().resolve()
        if self.root.exists() and not self.root.is_dir():
            raise LakeError(f"lake root {self.root} is a file, not a directory: pass a directory with --lake")
        self.root.mkdir(parents=True, exist_ok=True)
        self._txn = self.root / "_txn"
        if self._txn.exists():
            with self._locked():
                self._recover()

    # ------------------------------------------------------------------ paths and files
    def table_dir(self, table: str) -> Path:
        return self.root / table_spec(table).name

    def files(self, table: str, partition: str | None = None) -> list[Path]:
        """The live Parquet files of `table` (of one partition value, if given), sorted: the manifest's list."""
        spec = table_spec(table)
        base = self.table_dir(table)
        if not base.exists():
            return []
        listed = _read_manifest(base)
        if listed is not None:
            if spec.partition and partition is not None:
                prefix = f"{spec.partition}={partition}"
                listed = [p for p in listed if p.parent.name == prefix]
            return listed
        return self._glob(spec, base, partition)

    @staticmethod
    def _glob(spec: TableSpec, base: Path, partition: str | None = None) -> list[Path]:
        """The Parquet files in a table's folder (a lake without a manifest yet)."""
        if spec.partition:
            pattern = f"{spec.partition}={partition}/*.parquet" if partition is not None else f"{spec.partition}=*/*.parquet"
            return sorted(base.glob(pattern))
        return sorted(base.glob("*.parquet"))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.root / ".lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # ------------------------------------------------------------------ transactions
    def _recover(self) -> None:
        """Roll forward journals a crashed writer left; remove temporary files no journal names."""
        named: set[str] = set()
        for journal in sorted(self._txn.glob("*.json")):
            try:
                ops = json.loads(journal.read_text())
            except (OSError, json.JSONDecodeError):
                journal.unlink(missing_ok=True)  # written via rename, so a broken one was never committed
                continue
            self._apply(ops)
            journal.unlink(missing_ok=True)
            named.update(src for src, _ in ops["add"])
        tmp = self._txn / "tmp"
        if tmp.exists():
            for leftover in tmp.iterdir():
                if str(leftover) not in named:
                    leftover.unlink(missing_ok=True)

    def _apply(self, ops: dict) -> None:
        """Carry out a journal: move the new files into place, publish each touched table's new file list
        (the commit point for readers), retire the replaced files. Idempotent, so a crash anywhere in it is
        finished by running it again."""
        for src, dst in ops["add"]:
            if os.path.exists(src):
                Path(dst).parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
        added: dict[Path, set[Path]] = {}
        removed: dict[Path, set[Path]] = {}
        for _, dst in ops["add"]:
            added.setdefault(self._owning_table_dir(Path(dst)), set()).add(Path(dst))
        for path in ops["remove"]:
            removed.setdefault(self._owning_table_dir(Path(path)), set()).add(Path(path))
        for base in set(added) | set(removed):
            spec = table_spec(base.name)
            current = _read_manifest(base)
            live = set(current if current is not None else self._glob(spec, base))
            live = (live - removed.get(base, set())) | added.get(base, set())
            _write_manifest(base, sorted(live))
        self._retire([Path(p) for p in ops["remove"]])

    def _owning_table_dir(self, path: Path) -> Path:
        """The table folder a data file belongs to (`<root>/<table>`, above any partition folder)."""
        return self.root / path.relative_to(self.root).parts[0]

    def _retire(self, paths: list[Path]) -> None:
        """Note replaced files for deletion later; delete those retired more than RETIRE_AFTER_S ago."""
        ledger = self._txn / "retired.ledger"  # not *.json: those are journals
        try:
            entries = json.loads(ledger.read_text()) if ledger.exists() else []
        except (OSError, json.JSONDecodeError):
            entries = []
        now = time.time()
        entries += [[str(p), now] for p in paths if p.exists()]
        keep = []
        for path, since in entries:
            if now - since >= RETIRE_AFTER_S:
                Path(path).unlink(missing_ok=True)
            else:
                keep.append([path, since])
        if keep or ledger.exists():
            self._txn.mkdir(parents=True, exist_ok=True)
            staged = self._txn / "retired.ledger.tmp"
            staged.write_text(json.dumps(keep))
            os.replace(staged, ledger)

    def _commit(self, add: list[tuple[pa.Table, Path]], remove: list[Path]) -> None:
        """Write `add` tables to their final paths and drop `remove` from the table, all or nothing (dropped files
        are retired, see `_retire`)."""
        tmp = self._txn / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        renames = []
        for table, final in add:
            staged = tmp / f"{uuid.uuid4().hex}.parquet"
            pq.write_table(table, staged, compression="zstd")
            renames.append((str(staged), str(final)))
        ops = {"add": renames, "remove": [str(p) for p in remove]}
        journal = self._txn / f"{uuid.uuid4().hex}.json"
        staged_journal = tmp / f"{journal.stem}.journal"
        staged_journal.write_text(json.dumps(ops))
        os.replace(staged_journal, journal)
        self._apply(ops)
        journal.unlink()

    # ------------------------------------------------------------------ writes
    def _partitions(self, spec: TableSpec, table: pa.Table) -> dict[str | None, pa.Table]:
        if not spec.partition:
            return {None: table}
        if spec.partition != "date":
            raise LakeError(f"table {spec.name}: only date partitions are supported, got {spec.partition!r}")
        # A cast to date32 is the UTC date (ts is stored in UTC) and is ~50x faster than strftime, which goes
        # through the time-zone database for every value.
        dates = pc.cast(table.column("ts"), pa.date32())
        out = {}
        for value in pc.unique(dates).to_pylist():
            out[value.isoformat()] = table.filter(pc.equal(dates, pa.scalar(value, pa.date32())))
        return out

    def _part_path(self, spec: TableSpec, partition: str | None) -> Path:
        base = self.table_dir(spec.name)
        if partition is not None:
            base = base / f"{spec.partition}={partition}"
        return base / f"part-{uuid.uuid4().hex}.parquet"

    def write(self, table: str, rows: Any, mode: str = "insert") -> WriteResult:
        """Write rows to `table`, idempotently by the table's key.

        mode="insert": a row whose key is already in the lake is skipped (re-running a job changes nothing).
        mode="upsert": a row whose key is already in the lake replaces the stored row.
        Within one call, the last row of a key wins. Raises LakeSchemaError for a row that breaks the schema.
        """
        if mode not in ("insert", "upsert"):
            raise LakeError(f"write mode {mode!r} is not one of 'insert', 'upsert'")
        spec = table_spec(table)
        new = _dedupe_last(conform(spec, rows), spec.key)
        if new.num_rows == 0:
            return WriteResult()
        inserted = replaced = skipped = 0
        with self._locked():
            self._recover()
            add: list[tuple[pa.Table, Path]] = []
            remove: list[Path] = []
            # Look for the keys in every partition, not only the one a new row maps to: an upsert may move a
            # frame to another date (a corrected ts), and the old row must not stay behind as a duplicate.
            new_keys = _key_strings(new, spec.key)
            present_mask = pa.array([False] * new.num_rows)
            low, high = _value_range(new, spec.key[0])
            for path in self.files(table):
                if not _may_hold(path, spec.key[0], low, high):
                    continue
                stored_keys = _key_strings(pq.read_table(path, columns=list(spec.key)), spec.key)
                hit_in_file = pc.is_in(stored_keys, value_set=new_keys)
                if not pc.any(hit_in_file).as_py():
                    continue
                present_mask = pc.or_(present_mask, pc.is_in(new_keys, value_set=stored_keys))
                if mode == "upsert":
                    kept = pq.read_table(path).filter(pc.invert(hit_in_file))
                    remove.append(path)
                    if kept.num_rows:
                        add.append((kept.cast(spec.schema), path.parent / f"part-{uuid.uuid4().hex}.parquet"))
            n_present = pc.sum(pc.cast(present_mask, pa.int64())).as_py() or 0
            if mode == "insert":
                new = new.filter(pc.invert(present_mask))
                skipped, inserted = n_present, new.num_rows
            else:
                replaced, inserted = n_present, new.num_rows - n_present
            if new.num_rows:
                for partition, part in self._partitions(spec, new).items():
                    add.append((part, self._part_path(spec, partition)))
            if add or remove:
                self._commit(add, remove)
            self._maybe_compact(spec)
        return WriteResult(inserted=inserted, replaced=replaced, skipped=skipped)

    def delete(self, table: str, keys: list[dict[str, Any]]) -> int:
        """Remove the rows with these keys; returns how many were removed."""
        spec = table_spec(table)
        if not keys:
            return 0
        wanted_rows = pa.Table.from_pylist([{k: row[k] for k in spec.key} for row in keys])
        wanted = _key_strings(wanted_rows, spec.key)
        removed = 0
        with self._locked():
            self._recover()
            add, remove = [], []
            low, high = _value_range(wanted_rows, spec.key[0])
            for path in self.files(table):
                if not _may_hold(path, spec.key[0], low, high):
                    continue
                stored = pq.read_table(path)
                hit = pc.is_in(_key_strings(stored, spec.key), value_set=wanted)
                n = pc.sum(pc.cast(hit, pa.int64())).as_py() or 0
                if not n:
                    continue
                removed += n
                remove.append(path)
                kept = stored.filter(pc.invert(hit))
                if kept.num_rows:
                    add.append((kept, path.parent / f"part-{uuid.uuid4().hex}.parquet"))
            if add or remove:
                self._commit(add, remove)
        return removed

    def _maybe_compact(self, spec: TableSpec) -> None:
        groups: dict[Path, list[Path]] = {}
        for path in self.files(spec.name):
            groups.setdefault(path.parent, []).append(path)
        for folder, paths in groups.items():
            if len(paths) > COMPACT_AFTER_FILES:
                merged = pa.concat_tables([pq.read_table(p).cast(spec.schema) for p in paths])
                self._commit([(merged, folder / f"part-{uuid.uuid4().hex}.parquet")], paths)

    def compact(self, table: str) -> int:
        """Merge each partition of `table` into one file; returns the number of files afterwards."""
        spec = table_spec(table)
        with self._locked():
            groups: dict[Path, list[Path]] = {}
            for path in self.files(table):
                groups.setdefault(path.parent, []).append(path)
            for folder, paths in groups.items():
                if len(paths) > 1:
                    merged = pa.concat_tables([pq.read_table(p).cast(spec.schema) for p in paths])
                    self._commit([(merged, folder / f"part-{uuid.uuid4().hex}.parquet")], paths)
        return len(self.files(table))

    # ------------------------------------------------------------------ reads
    def keys(self, table: str) -> set[tuple]:
        """Every key stored in `table`, as tuples in key-column order."""
        spec = table_spec(table)
        out: set[tuple] = set()
        for path in self.files(table):
            stored = pq.read_table(path, columns=list(spec.key))
            out.update(zip(*(stored.column(k).to_pylist() for k in spec.key)))
        return out

    def count(self, table: str) -> int:
        return sum(pq.ParquetFile(p).metadata.num_rows for p in self.files(table))

    def connect(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection with one view per lake table (the caller closes it).

        Tables that have no files yet are empty views with the right column types, so queries work on a
        fresh lake. Times are shown in UTC.
        """
        con = duckdb.connect(":memory:")
        con.execute("SET TimeZone = 'UTC'")
        # Parquet views carry no distinct counts, so DuckDB cannot see that frame_id is unique and its partial
        # aggregate pushdown groups all 10M scores by frame_id below a join with 100k labels: 12 s instead of
        # 4 s on the lake benchmark (benchmarks/lake.py). Older DuckDB versions do not have the optimizer.
        with contextlib.suppress(duckdb.Error):
            con.execute("SET disabled_optimizers = 'partial_aggregate_pushdown'")
        for name, spec in TABLES.items():
            files = self.files(name)
            if files:
                # The manifest's list, not a glob of the folder: the view is the snapshot the manifest held
                # when this connection opened, whatever writers do meanwhile (see the module docstring).
                listed = "[" + ", ".join(_sql_string(str(p)) for p in files) + "]"
                hive = "true" if spec.partition else "false"
                # read_parquet's file argument must be a constant in a view, not a bound parameter.
                con.execute(
                    f"CREATE VIEW {name} AS SELECT * FROM read_parquet({listed}, "
                    f"hive_partitioning = {hive}, union_by_name = true)"
                )
            else:
                empty = spec.schema.empty_table()
                if spec.partition:
                    # hive_partitioning reads `date=YYYY-MM-DD` folders back as DATE: the empty view must agree.
                    empty = empty.append_column(spec.partition, pa.array([], pa.date32()))
                con.register(f"_{name}_empty", empty)
                con.execute(f"CREATE VIEW {name} AS SELECT * FROM _{name}_empty")
        return con

    def query(self, sql: str, params: Sequence[Any] | dict | None = None, read_only: bool = False) -> pa.Table:
        """Run SQL over the lake's views and return an Arrow table.

        read_only=True refuses any statement that is not a SELECT/EXPLAIN (what `curate sql` uses).
        """
        con = self.connect()
        try:
            if read_only:
                check_read_only(con, sql)
            relation = con.sql(sql, params=params) if params is not None else con.sql(sql)
            if relation is None:  # a statement that returns nothing (only reachable with read_only=False)
                return pa.table({})
            return relation.to_arrow_table()
        except duckdb.Error as exc:
            raise LakeError(f"query failed: {exc}") from exc
        finally:
            con.close()

    def read(self, table: str, columns: Sequence[str] | None = None) -> pa.Table:
        """All rows of `table` (only `columns`, if given) as an Arrow table."""
        spec = table_spec(table)
        cols = ", ".join(f'"{c}"' for c in columns) if columns else "*"
        out = self.query(f"SELECT {cols} FROM {spec.name}")
        return out


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def check_read_only(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Raise LakeError unless every statement in `sql` only reads."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise LakeError(f"cannot parse SQL: {exc}") from exc
    if not statements:
        raise LakeError("no SQL statement given")
    for statement in statements:
        kind = statement.type.name
        if kind == "EXPLAIN":
            # EXPLAIN ANALYZE runs the statement it explains (EXPLAIN ANALYZE COPY ... TO writes the file):
            # what it explains must be read-only too.
            inner = _EXPLAIN_PREFIX.sub("", statement.query, count=1)
            if inner.strip() == statement.query.strip():
                raise LakeError(f"cannot tell what this EXPLAIN runs; refused (read-only SQL): {statement.query[:200]}")
            check_read_only(con, inner)
            continue
        if kind not in _READ_ONLY_STATEMENTS:
            raise LakeError(
                f"refused a {kind} statement: the lake is read-only from SQL (allowed: SELECT, WITH ... SELECT, "
                "EXPLAIN, DESCRIBE, SHOW); change data with the curate commands instead"
            )
