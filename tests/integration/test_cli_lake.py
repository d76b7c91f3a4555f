"""`curate sql`, `curate tables`, `curate compact`, `curate ingest`, `curate oracle` as a user runs them:
through the console-script entry point, reading stdout/stderr and the exit code."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from connectors.lake import Lake
from curation.cli import main

pytestmark = pytest.mark.integration
UTC = dt.timezone.utc


def rows_of(csv_text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(csv_text)))


def curate(capsys, *argv: str) -> tuple[int, str, str]:
    """Run `curate argv...` in this process: (exit code, stdout, stderr with whitespace collapsed)."""
    capsys.readouterr()
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, " ".join(captured.err.split())


def _frames(n: int = 3) -> list[dict]:
    weathers = ["rain", "clear", "rain"]
    return [
        {"frame_id": f"f{i}", "drive_id": "d1", "ts": dt.datetime(2024, 5, 1 + i % 2, tzinfo=UTC), "uri": f"/x/{i}.png",
         "width": 4, "height": 3, "domain": "real", "source": "unit", "weather": weathers[i % 3],
         "ingested_at": dt.datetime(2024, 6, 1, tzinfo=UTC)}
        for i in range(n)
    ]


@pytest.fixture
def filled(tmp_path):
    lake = Lake(tmp_path / "lake")
    lake.write("frames", _frames())
    lake.write("scores", [{"frame_id": "f0", "model_version": "m1", "mutual_information": 0.5,
                           "class_fractions": [0.25, 0.75], "scored_at": dt.datetime(2024, 6, 2, tzinfo=UTC)}])
    return lake


# ---------------------------------------------------------------- curate sql
def test_sql_csv(capsys, filled):
    code, out, _ = curate(capsys, "--lake", str(filled.root), "sql",
                          "SELECT weather, count(*) AS n FROM frames GROUP BY weather ORDER BY weather", "--format", "csv")
    assert code == 0
    assert list(csv.DictReader(io.StringIO(out))) == [{"weather": "clear", "n": "1"}, {"weather": "rain", "n": "2"}]


def test_sql_json(capsys, filled):
    code, out, _ = curate(capsys, "--lake", str(filled.root), "sql",
                          "SELECT frame_id, date FROM frames ORDER BY frame_id", "--format", "json")
    assert code == 0
    assert json.loads(out) == [{"frame_id": "f0", "date": "2024-05-01"}, {"frame_id": "f1", "date": "2024-05-02"},
                               {"frame_id": "f2", "date": "2024-05-01"}]


def test_sql_table(capsys, filled):
    code, out, _ = curate(capsys, "--lake", str(filled.root), "sql", "SELECT frame_id, weather FROM frames ORDER BY 1")
    assert code == 0
    lines = [line for line in out.splitlines() if "f0" in line or "f1" in line or "f2" in line]
    assert len(lines) == 3 and "rain" in lines[0] and "clear" in lines[1]


def test_sql_table_says_when_rows_are_cut(capsys, filled):
    code, out, _ = curate(capsys, "--lake", str(filled.root), "sql", "SELECT * FROM frames", "--max-rows", "1")
    assert code == 0 and "3 rows, first 1 shown" in " ".join(out.split())


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_sql_list_columns_in_every_format(capsys, filled, fmt):
    code, out, err = curate(capsys, "--lake", str(filled.root), "sql",
                            "SELECT frame_id, class_fractions FROM scores", "--format", fmt)
    assert code == 0, err
    assert "0.25" in out and "0.75" in out
    if fmt == "csv":
        (row,) = list(csv.DictReader(io.StringIO(out)))
        assert json.loads(row["class_fractions"]) == [0.25, 0.75]


@pytest.mark.parametrize(
    "sql, kind",
    [
        ("DROP VIEW frames", "DROP"),
        ("INSERT INTO frames SELECT * FROM frames", "INSERT"),
        ("COPY frames TO '{tmp}/out.csv'", "COPY"),
        ("ATTACH '{tmp}/out.duckdb' AS other", "ATTACH"),
        ("EXPLAIN ANALYZE COPY frames TO '{tmp}/out.csv'", "COPY"),
    ],
)
def test_sql_refuses_writes(capsys, filled, tmp_path, sql, kind):
    files_before = sorted(p for p in filled.root.rglob("*") if p.is_file())
    code, out, err = curate(capsys, "--lake", str(filled.root), "sql", sql.format(tmp=tmp_path))
    assert code == 2
    assert f"refused a {kind} statement" in err and "read-only" in err
    assert "Traceback" not in err and out == ""
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "out.duckdb").exists()
    assert sorted(p for p in filled.root.rglob("*") if p.is_file()) == files_before


def test_sql_error_is_a_clean_exit(capsys, filled):
    code, _, err = curate(capsys, "--lake", str(filled.root), "sql", "SELECT nope FROM frames")
    assert code == 2 and "query failed" in err and "nope" in err and "Traceback" not in err


def test_lake_from_environment_and_option(capsys, filled, tmp_path, monkeypatch):
    monkeypatch.setenv("CURATE_LAKE", str(filled.root))
    code, out, _ = curate(capsys, "sql", "SELECT count(*) AS n FROM frames", "--format", "csv")
    assert (code, rows_of(out)) == (0, [["n"], ["3"]])
    # --lake wins over CURATE_LAKE.
    code, out, _ = curate(capsys, "--lake", str(tmp_path / "other"), "sql", "SELECT count(*) AS n FROM frames", "-f", "csv")
    assert (code, rows_of(out)) == (0, [["n"], ["0"]])


def test_default_lake_is_dot_lake(capsys, filled, tmp_path, monkeypatch):
    monkeypatch.delenv("CURATE_LAKE", raising=False)
    monkeypatch.chdir(filled.root.parent)  # the fixture's lake is ./lake here
    code, out, _ = curate(capsys, "sql", "SELECT count(*) AS n FROM frames", "-f", "csv")
    assert (code, rows_of(out)) == (0, [["n"], ["3"]])


# ---------------------------------------------------------------- curate tables / compact
def test_tables_lists_counts_and_schemas(capsys, filled):
    code, out, _ = curate(capsys, "--lake", str(filled.root), "tables")
    assert code == 0
    counts = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.replace("┃", "│").split("│") if c.strip()]
        if len(cells) >= 2 and cells[1].isdigit():
            counts[cells[0]] = int(cells[1])
    assert counts["frames"] == 3 and counts["scores"] == 1 and counts["labels"] == 0
    assert len(counts) == 10
    flat = " ".join(out.split())
    assert "frames: frame_id string NOT NULL" in flat and "date" in flat


def test_compact(capsys, filled):
    Lake(filled.root).write("frames", _frames(5)[3:])
    code, out, _ = curate(capsys, "--lake", str(filled.root), "compact", "frames")
    assert code == 0 and "frames: 2 file(s)" in out
    code, _, err = curate(capsys, "--lake", str(filled.root), "compact", "frame")
    assert code == 2 and "unknown table 'frame'" in err


# ---------------------------------------------------------------- curate ingest
def _png(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def _tiny_camvid(root: Path) -> Path:
    for split, stems in (("train", ["0001TP_000030", "0016E5_000060"]), ("val", ["0016E5_000090"])):
        for stem in stems:
            _png(root / split / f"{stem}.png", np.zeros((3, 4, 3), np.uint8))
            _png(root / f"{split}annot" / f"{stem}.png", np.full((3, 4), 3, np.uint8))
    (root / "train" / "0016E5_000120.png").write_bytes(b"garbage")
    return root


def test_ingest_camvid_prints_counts_and_is_idempotent(capsys, tmp_path):
    root, lake = _tiny_camvid(tmp_path / "camvid"), tmp_path / "lake"
    code, out, err = curate(capsys, "--lake", str(lake), "ingest", "camvid", str(root), "--json")
    assert code == 0, err
    counts = json.loads(out.strip().splitlines()[-1])
    assert {k: counts[k] for k in ("ingested", "already_present", "quarantined", "ground_truth")} == {
        "ingested": 3, "already_present": 0, "quarantined": 1, "ground_truth": 3}
    assert "1 quarantined" in err
    code, out, _ = curate(capsys, "--lake", str(lake), "ingest", "camvid", str(root), "--json")
    again = json.loads(out.strip().splitlines()[-1])
    assert (again["ingested"], again["already_present"], again["quarantined"]) == (0, 3, 1)
    runs = Lake(lake).query("SELECT status, kind FROM runs").to_pylist()
    assert runs == [{"status": "succeeded", "kind": "ingest"}] * 2


@pytest.mark.parametrize("fmt, expected", [
    ("camvid", "SegNet layout"),
    ("gtsrb", "Final_Training/Images/000CC"),
    ("cityscapes", "leftImg8bit/<split>/<city>/"),
    ("folder", "no images"),
])
def test_ingest_wrong_layout_is_a_clear_error(capsys, tmp_path, fmt, expected):
    (tmp_path / "data" / "random").mkdir(parents=True)
    code, out, err = curate(capsys, "--lake", str(tmp_path / "lake"), "ingest", fmt, str(tmp_path / "data"))
    assert code == 2
    assert expected in err and "Traceback" not in err
    assert not (tmp_path / "lake" / "runs").exists(), "a layout error must not leave a run behind"


@pytest.mark.parametrize("fmt, expected", [
    ("camvid", "expected a folder with train/"),
    ("gtsrb", "does not exist; expected the official GTSRB training layout"),
    ("cityscapes", "expected leftImg8bit/<split>/<city>/"),
    ("folder", "is not a directory of images"),
])
def test_ingest_missing_path_is_a_clear_error(capsys, tmp_path, fmt, expected):
    missing = tmp_path / "no-such-folder"
    code, _, err = curate(capsys, "--lake", str(tmp_path / "lake"), "ingest", fmt, str(missing))
    assert code == 2 and str(missing) in err and expected in err and "Traceback" not in err


def test_ingest_gtsrb_tiny_zip(capsys, tmp_path):
    archive = tmp_path / "GTSRB_Final_Training_Images.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        csv_text = "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\n"
        for name in ("00000_00000.ppm", "00000_00001.ppm", "00001_00000.ppm"):
            buffer = io.BytesIO()
            Image.fromarray(np.zeros((5, 5, 3), np.uint8)).save(buffer, format="PPM")
            zf.writestr(f"GTSRB/Final_Training/Images/00014/{name}", buffer.getvalue())
            csv_text += f"{name};5;5;0;0;4;4;14\n"
        zf.writestr("GTSRB/Final_Training/Images/00014/GT-00014.csv", csv_text)
    code, out, err = curate(capsys, "--lake", str(tmp_path / "lake"), "ingest", "gtsrb", str(archive), "--json")
    assert code == 0, err
    assert json.loads(out.strip().splitlines()[-1])["ingested"] == 3
    rows = Lake(tmp_path / "lake").query(
        "SELECT count(DISTINCT f.drive_id) AS drives, min(g.class_id) AS c FROM frames f JOIN ground_truth g USING (frame_id)"
    ).to_pylist()
    assert rows == [{"drives": 2, "c": 14}]


def test_ingest_cityscapes_tiny_tree(capsys, tmp_path):
    root = tmp_path / "cs"
    _png(root / "leftImg8bit/val/bonn/bonn_000001_000019_leftImg8bit.png", np.zeros((2, 2, 3), np.uint8))
    _png(root / "gtFine/val/bonn/bonn_000001_000019_gtFine_labelIds.png", np.array([[7, 26], [0, 24]], np.uint8))
    code, out, err = curate(capsys, "--lake", str(tmp_path / "lake"), "ingest", "cityscapes", str(root), "--json")
    assert code == 0, err
    assert json.loads(out.strip().splitlines()[-1])["ground_truth"] == 1
    lake = Lake(tmp_path / "lake")
    (row,) = lake.query("SELECT f.location, f.drive_id, g.label_uri FROM frames f JOIN ground_truth g USING (frame_id)").to_pylist()
    assert (row["location"], row["drive_id"]) == ("bonn", "bonn_000001")
    np.testing.assert_array_equal(np.array(Image.open(row["label_uri"])), [[0, 13], [19, 11]])


def test_ingest_folder_with_metadata(capsys, tmp_path):
    root = tmp_path / "imgs"
    for name in ("a.png", "b.png"):
        _png(root / name, np.zeros((2, 3, 3), np.uint8))
    (tmp_path / "meta.csv").write_text("path,weather,ts,drive_id\na.png,rain,2024-05-01 10:00:00,car7\n")
    code, out, err = curate(capsys, "--lake", str(tmp_path / "lake"), "ingest", "folder", str(root),
                            "--metadata", str(tmp_path / "meta.csv"), "--source", "fleet", "--json")
    assert code == 0, err
    rows = Lake(tmp_path / "lake").query("SELECT frame_id, weather, drive_id, ts FROM frames ORDER BY 1").to_pylist()
    assert rows[0] == {"frame_id": "fleet:a.png", "weather": "rain", "drive_id": "car7",
                       "ts": dt.datetime(2024, 5, 1, 10, tzinfo=UTC)}
    assert rows[1]["frame_id"] == "fleet:b.png" and rows[1]["weather"] is None
    code, _, err = curate(capsys, "--lake", str(tmp_path / "lake"), "ingest", "folder", str(root), "--domain", "sim")
    assert code == 2 and "--domain must be 'real' or 'synthetic'" in err


def test_oracle(capsys, tmp_path):
    lake = tmp_path / "lake"
    curate(capsys, "--lake", str(lake), "ingest", "camvid", str(_tiny_camvid(tmp_path / "camvid")))
    code, out, _ = curate(capsys, "--lake", str(lake), "oracle", "--where", "split = 'train'", "--json")
    assert code == 0
    assert json.loads(out.strip().splitlines()[-1]) == {"matched": 2, "inserted": 2, "already_labeled": 0}
    code, out, _ = curate(capsys, "--lake", str(lake), "oracle", "--where", "true", "--limit", "10", "--json")
    assert json.loads(out.strip().splitlines()[-1]) == {"matched": 3, "inserted": 1, "already_labeled": 2}
    assert Lake(lake).query("SELECT DISTINCT source FROM labels").column(0).to_pylist() == ["oracle"]
    code, _, err = curate(capsys, "--lake", str(lake), "oracle", "--where", "true)); DROP VIEW frames; SELECT ((1")
    assert code == 2 and "refused a DROP statement" in err


# ---------------------------------------------------------------- the acceptance check, as a user runs it
def test_real_camvid_through_the_console_script(camvid_root, tmp_path):
    script = Path(sys.executable).with_name("curate")
    env = {**os.environ, "CURATE_LAKE": str(tmp_path / "lake")}

    def run(*argv):
        return subprocess.run([str(script), *argv], capture_output=True, text=True, env=env, timeout=120)

    first = run("ingest", "camvid", str(camvid_root))
    assert first.returncode == 0, first.stderr
    query = run("sql", "SELECT split, count(*) AS n FROM frames GROUP BY split ORDER BY split", "--format", "csv")
    assert rows_of(query.stdout) == [["split", "n"], ["train", "367"], ["val", "101"]]
    before = query.stdout
    second = run("ingest", "camvid", str(camvid_root), "--json")
    counts = json.loads(second.stdout.strip().splitlines()[-1])
    assert (counts["ingested"], counts["already_present"], counts["quarantined"]) == (0, 468, 0)
    assert run("sql", "SELECT split, count(*) AS n FROM frames GROUP BY split ORDER BY split", "--format", "csv").stdout == before
    refused = run("sql", "DROP VIEW frames")
    assert refused.returncode == 2 and "refused a DROP statement" in refused.stderr
