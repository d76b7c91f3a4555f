"""The report: summaries from hand-made rows, the HTML's tables, and the files it writes."""

from __future__ import annotations

import json

import pytest

from curation.simulation.report import render_html, summarize, write_report


def _row(strategy, seed, labels, metric, wall=60.0, per_class=(0.5, None), counts=None):
    return {"strategy": strategy, "seed": seed, "labels_used": labels, "metric": metric, "wall_s": wall,
            "per_class": json.dumps(list(per_class)),
            "label_counts": json.dumps(counts or {"drive_id": {"d1": labels}, "time_of_day": {"day": labels}})}


ROWS = [
    _row("dpe", 0, 10, 0.50), _row("dpe", 1, 10, 0.54), _row("dpe", 0, 20, 0.60), _row("dpe", 1, 20, 0.62),
    _row("dpe", 0, 40, 0.62), _row("dpe", 1, 40, 0.62),
    _row("random", 0, 10, 0.40), _row("random", 0, 20, 0.50), _row("random", 0, 40, 0.60),
]


def test_summarize_fraction_and_wall_time():
    dpe, random = summarize(ROWS, pool_size=40)
    assert dpe.strategy == "dpe" and dpe.seeds == 2 and dpe.full_metric == pytest.approx(0.62)
    # 95% of 0.62 = 0.589: dpe's mean at 20 labels is 0.61 -> half the pool
    assert dpe.fraction_95 == pytest.approx(0.5)
    assert dpe.wall_s_per_seed == pytest.approx(180.0)  # 3 rounds x 60 s
    # random: 95% of 0.60 = 0.57, first reached at 40 labels
    assert random.fraction_95 == pytest.approx(1.0) and random.seeds == 1
    # interpolated: 20 + (0.57 - 0.50) / (0.60 - 0.50) * 20 = 34 labels
    assert random.fraction_95_interp == pytest.approx(34 / 40)


def test_html_holds_the_tables_and_escapes_names():
    rows = ROWS + [_row("<b>x</b>", 0, 10, 0.1)]
    page = render_html(rows, sim_id="s<1>", pool_size=40, metric_name="miou", png=b"\x89PNG fake",
                       class_names=["sky", "road"], config={"name": "s"})
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page and "s&lt;1&gt;" in page
    assert "data:image/png;base64," in page
    assert "0.520 ± 0.028" in page  # dpe at 10 labels: mean 0.52, std sqrt(0.0008)
    assert "<th>sky</th>" in page and "<th>road</th>" in page
    assert "time_of_day" in page and "50%" in page


def test_many_drives_are_summarised_not_tabulated():
    counts = {"drive_id": {f"track{i}": 1 for i in range(30)}}
    page = render_html([_row("dpe", 0, 30, 0.5, counts=counts)], sim_id="g", pool_size=30, metric_name="accuracy",
                       png=b"")
    assert "distinct values" in page and "track7" not in page


def test_write_report_writes_a_png_and_a_self_contained_page(tmp_path):
    png, page = write_report(ROWS, tmp_path / "out", sim_id="s", pool_size=40, metric_name="miou")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = page.read_text()
    assert "data:image/png;base64," in text and "src='http" not in text
