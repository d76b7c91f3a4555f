"""`Lake.query(read_only=True)`, what `curate sql` uses: reads pass, anything that could change something is refused."""

from __future__ import annotations

import pytest

from connectors.lake import LakeError


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count(*) FROM frames",
        "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
        "FROM frames",
        "EXPLAIN SELECT * FROM frames",
        "EXPLAIN ANALYZE SELECT * FROM frames",
        "DESCRIBE frames",
        "SHOW TABLES",
        "SELECT 1; SELECT 2",
    ],
)
def test_reads_are_allowed(lake, sql):
    lake.query(sql, read_only=True)


@pytest.mark.parametrize(
    "sql, kind",
    [
        ("DROP VIEW frames", "DROP"),
        ("INSERT INTO frames SELECT * FROM frames", "INSERT"),
        ("CREATE TABLE t AS SELECT 1", "CREATE"),
        ("ATTACH '{tmp}/other.duckdb' AS other", "ATTACH"),
        ("COPY (SELECT 1) TO '{tmp}/out.csv'", "COPY"),
        ("SET threads = 1", "SET"),
        ("SELECT 1; DROP VIEW frames", "DROP"),
        ("PRAGMA version", "PRAGMA"),
        ("EXPLAIN ANALYZE COPY (SELECT 1) TO '{tmp}/out.csv'", "COPY"),
        ("EXPLAIN (FORMAT json) COPY (SELECT 1) TO '{tmp}/out.csv'", "COPY"),
    ],
)
def test_writes_are_refused_and_nothing_is_written(lake, tmp_path, sql, kind):
    sql = sql.format(tmp=tmp_path)
    with pytest.raises(LakeError, match=f"refused a {kind} statement.*read-only"):
        lake.query(sql, read_only=True)
    assert not (tmp_path / "out.csv").exists()
    assert not (tmp_path / "other.duckdb").exists()


def test_empty_and_unparsable_sql(lake):
    with pytest.raises(LakeError, match="no SQL statement"):
        lake.query("  ", read_only=True)
    with pytest.raises(LakeError, match="cannot parse SQL"):
        lake.query("SELEC 1", read_only=True)


def test_without_read_only_the_caller_may_run_anything_on_its_own_connection(lake):
    # Library callers get an in-memory connection: a DROP there changes nothing on disk.
    lake.query("DROP VIEW frames")
    assert lake.query("SELECT count(*) AS n FROM frames").column("n")[0].as_py() == 0
