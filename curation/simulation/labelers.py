"""Who labels the frames a round picked: the oracle, either directly or through a real Label Studio server.

- `DirectLabeler`: the frames' `ground_truth` becomes `labels` rows of source `oracle`
  (`curation.jobs.ingest.copy_ground_truth_to_labels`). Fast; what the benchmark uses.
- `LabelStudioLabeler`: the whole human path, with the oracle as the annotator: the round's picks become
  a `selections` run, `push` creates the tasks, `answer_open_tasks` annotates them from ground truth
  through the API, `pull` brings the annotations back as `labels` of source `human`.

Both are idempotent per frame: labeling a frame twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol, Sequence

from connectors.lake import Lake


class Labeler(Protocol):
    name: str

    def label(self, lake: Lake, frame_ids: Sequence[str], run_id: str, arm: str) -> int:
        """Label `frame_ids` in `lake` (the selection run `run_id` of arm `arm`, e.g. 'dpe-s0', picked them);
        returns frames newly labeled."""
        ...


def _in_list(frame_ids: Sequence[str]) -> str:
    """A SQL predicate `frame_id IN (...)` on frames, every id quoted as a literal (quotes doubled); unqualified,
    so it holds whatever alias (if any) the oracle query gives frames."""
    quoted = ", ".join("'" + str(fid).replace("'", "''") + "'" for fid in frame_ids)
    return f"frame_id IN ({quoted})"


@dataclass
class DirectLabeler:
    """The oracle without a server: ground truth -> `labels` (source `oracle`)."""

    name: str = "direct"

    def label(self, lake: Lake, frame_ids: Sequence[str], run_id: str, arm: str) -> int:
        from curation.jobs.ingest import copy_ground_truth_to_labels

        if not frame_ids:
            return 0
        counts = copy_ground_truth_to_labels(lake, _in_list(sorted(set(frame_ids))))
        return counts["inserted"]


@dataclass
class LabelStudioLabeler:
    """The oracle as a Label Studio annotator: push -> answer open tasks -> pull.

    client: a `connectors.labelstudio.client.LabelStudioClient`; hosting: the push job's `ImageHosting`
    (the server's local-files document root); project_prefix: each arm labels in its own project
    `<prefix><arm>`, so arms that pick the same frames never see each other's tasks.
    """

    client: Any
    hosting: Any
    project_prefix: str = "simulate-"
    name: str = "labelstudio"

    def label(self, lake: Lake, frame_ids: Sequence[str], run_id: str, arm: str) -> int:
        from curation.jobs.labelstudio import answer_open_tasks, pull, push

        if not frame_ids:
            return 0
        before = _labeled(lake)
        _ensure_selection(lake, frame_ids, run_id)
        title = f"{self.project_prefix}{arm}"
        push(lake, self.client, run_id, title, hosting=self.hosting)
        answer_open_tasks(lake, self.client, title)
        pull(lake, self.client, title, run_id=run_id)
        return _labeled(lake) - before


def _labeled(lake: Lake) -> int:
    return int(lake.query("SELECT count(DISTINCT frame_id) AS n FROM labels").column("n")[0].as_py())


def _ensure_selection(lake: Lake, frame_ids: Sequence[str], run_id: str) -> None:
    """Push reads what to send from `selections`; the seed set and random picks get a run there too."""
    now = dt.datetime.now(dt.timezone.utc)
    rows = [{"run_id": run_id, "frame_id": fid, "rank": i + 1, "strategy": "simulate", "selected_at": now}
            for i, fid in enumerate(frame_ids)]
    lake.write("selections", rows)
