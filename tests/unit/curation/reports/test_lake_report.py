"""The HTML report reads every table it promises and shows the picks with their reasons."""

from __future__ import annotations

import datetime as dt
import json

from curation.reports.lake_report import build_report, write_report

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def _fill(lake) -> None:
    frames = [
        {"frame_id": f"f{i}", "drive_id": f"d{i % 2}", "ts": T0 + dt.timedelta(seconds=i), "uri": f"/x/{i}.png",
         "width": 4, "height": 3, "domain": "real", "source": "camvid", "weather": ["rain", "clear"][i % 2],
         "time_of_day": "day", "ingested_at": T0}
        for i in range(6)
    ]
    lake.write("frames", frames)
    lake.write("labels", [{"frame_id": "f0", "source": "human", "label_id": "7", "label_uri": "/m/0.png",
                           "labeled_at": T0}])
    lake.write("scores", [{"frame_id": f"f{i}", "model_version": "m1", "mutual_information": 0.1 * i,
                           "scored_at": T0} for i in range(6)])
    lake.write("selections", [{"run_id": "sel-1", "frame_id": "f5", "rank": 1, "strategy": "mutual_information",
                               "score": 0.5, "reasons": json.dumps({"mutual_information": 0.5}),
                               "model_version": "m1", "selected_at": T0}])
    lake.write("models", [{"model_version": "m1", "task": "segmentation", "arch_spec": "{}", "members": 5,
                           "num_classes": 11, "checkpoint_uri": "/c.pt", "created_at": T0,
                           "metrics": json.dumps({"val_miou": 0.4321}),
                           "label_set": json.dumps({"train_frames": 1, "per_source": {"human": 1}})}])
    lake.write("quarantine", [{"uri": "/x/bad.png", "stage": "ingest", "reason": "corrupt or truncated image",
                               "detected_at": T0}])


def test_report_shows_models_picks_conditions_and_quarantine(lake, tmp_path):
    _fill(lake)
    page = build_report(lake)
    assert "m1" in page and "0.4321" in page
    assert "sel-1" in page and "f5" in page and "mutual_information" in page
    assert "corrupt or truncated image" in page
    assert "rain" in page and "clear" in page
    assert "data:image/png;base64," in page  # the picked-vs-candidates histogram
    path = write_report(lake, tmp_path / "r" / "report.html")
    assert "f5" in path.read_text(encoding="utf-8")


def test_report_on_an_empty_lake_says_so(lake):
    page = build_report(lake)
    assert "no selection yet" in page and "nothing quarantined" in page
