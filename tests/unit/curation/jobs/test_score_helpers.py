"""The scoring job's parts, one at a time: batching, decode/normalise, workers, the prefetch and write
threads (their failures must reach the caller), and the columns it writes from logits."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
from PIL import Image

from connectors.lake import Lake
from curation.acquisition import score_batch
from curation.data.transforms import to_tensor
from curation.jobs import score
from curation.jobs.score import ScoreConfig, _chunks, _decode, _normalise, _prefetch, _Writer, _worker_plan
from models.ensemble import Ensemble
from models.registry import create_model


@pytest.mark.parametrize("n,batch,workers", [(0, 4, 2), (5, 4, 1), (16, 4, 2), (17, 4, 2), (23, 4, 3), (3, 8, 2)])
def test_chunks_cover_every_frame_once_and_split_the_last_round(n, batch, workers):
    chunks = list(_chunks(n, batch, workers))
    covered = [i for a, b in chunks for i in range(a, b)]
    assert covered == list(range(n))
    assert all(0 < b - a <= batch for a, b in chunks)
    full_rounds = n - n % (workers * batch) if n % (workers * batch) else n
    tail = [b - a for a, b in chunks if a >= full_rounds]
    if tail:  # the last, partial round: at most `workers` batches whose sizes differ by at most one
        assert len(tail) <= workers and max(tail) - min(tail) <= 1


def test_normalise_is_bit_identical_to_to_tensor_and_channels_last():
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (9, 14, 3), dtype=np.uint8) for _ in range(3)]
    batch = _normalise(images)
    assert batch.shape == (3, 3, 9, 14) and batch.dtype == torch.float32
    assert batch.is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(batch, torch.stack([to_tensor(im) for im in images]))


def test_decode_keeps_good_frames_and_reports_bad_ones(tmp_path):
    good = tmp_path / "a.png"
    Image.fromarray(np.full((6, 8, 3), 200, np.uint8)).save(good)
    bad = tmp_path / "b.png"
    bad.write_bytes(b"not a png")
    frames = [{"frame_id": "a", "uri": str(good)}, {"frame_id": "b", "uri": str(bad)},
              {"frame_id": "c", "uri": str(tmp_path / "missing.png")}]
    ok, images, failed = _decode(frames, (3, 4))  # resized to 3x4
    assert [f["frame_id"] for f in ok] == ["a"]
    assert images.shape == (1, 3, 3, 4)
    assert [(f["frame_id"], reason) for f, reason in failed] == [
        ("b", "not a recognised image format (corrupt or not an image)"), ("c", "file not found")]
    assert _decode(frames[1:], None)[1] is None  # nothing decodable: no tensor


def test_worker_plan_follows_torch_threads_and_rejects_negative():
    previous = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        assert _worker_plan(ScoreConfig()) == (2, 1)
        assert _worker_plan(ScoreConfig(workers=1)) == (1, 2)
        with pytest.raises(ValueError, match="workers must be >= 0"):
            _worker_plan(ScoreConfig(workers=-1))
    finally:
        torch.set_num_threads(previous)


def test_prefetch_runs_ahead_and_surfaces_the_producers_error():
    def items():
        yield 1
        yield 2
        raise RuntimeError("decoder broke")

    got = []
    with pytest.raises(RuntimeError, match="decoder broke"):
        for item in _prefetch(items(), depth=2):
            got.append(item)
    assert got == [1, 2]


def test_prefetch_consumer_can_stop_early_without_leaving_the_producer_blocked():
    produced = []

    def endless():
        i = 0
        while True:
            produced.append(i)
            yield i
            i += 1

    before = threading.active_count()
    stream = _prefetch(endless(), depth=1)
    assert next(stream) == 0
    stream.close()  # the consumer's finally sets the stop flag
    for _ in range(50):
        if threading.active_count() <= before:
            break
        threading.Event().wait(0.05)
    assert threading.active_count() <= before


def test_writer_reraises_a_failed_write_on_close(tmp_path):
    writer = _Writer(Lake(tmp_path / "lake"))
    writer.put("scores", [{"frame_id": "x", "model_version": "m", "entropy": "not a number"}])
    with pytest.raises(Exception, match="scores"):
        writer.close()


def test_rows_carry_every_column_from_the_logits():
    torch.manual_seed(0)
    ensemble = Ensemble([create_model("fbnet_tiny", "segmentation", 11, seed=i) for i in range(2)]).eval()
    images = torch.randn(2, 3, 32, 48).contiguous(memory_format=torch.channels_last)
    frames = [{"frame_id": "f1"}, {"frame_id": "f2"}]
    config = ScoreConfig(precision="fp32")
    rows = score._rows(ensemble, "m1", frames, images, config, "run-1", score._StageClock())
    assert [r["frame_id"] for r in rows] == ["f1", "f2"]
    logits, embedding = score.member_logits(ensemble, images, "fp32")
    expected = score_batch(torch.softmax(logits.float(), dim=2))
    for i, row in enumerate(rows):
        assert row["model_version"] == "m1" and row["run_id"] == "run-1" and row["reduction"] == "mean"
        for column in ("entropy", "expected_entropy", "mutual_information", "variation_ratio", "margin",
                       "least_confidence", "confidence"):
            assert row[column] == pytest.approx(expected[column][i].item(), abs=1e-5), column
        assert len(row["class_fractions"]) == 11 and sum(row["class_fractions"]) == pytest.approx(1.0)
        assert row["embedding"] == pytest.approx(embedding[i].tolist(), abs=1e-6)
