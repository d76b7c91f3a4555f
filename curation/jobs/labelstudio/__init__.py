"""Label Studio jobs: push a selection as tasks (exactly once), pull finished annotations into `labels`,
and the oracle annotator that answers open tasks from ground truth. All talking to the server goes
through `connectors.labelstudio.client.LabelStudioClient`."""

from curation.jobs.labelstudio.errors import LabelingJobError
from curation.jobs.labelstudio.oracle import OracleSummary, answer_open_tasks
from curation.jobs.labelstudio.predictor import Prediction, Predictor
from curation.jobs.labelstudio.pull import PullSummary, pull
from curation.jobs.labelstudio.push import ImageHosting, PushSummary, push

__all__ = [
    "ImageHosting",
    "LabelingJobError",
    "OracleSummary",
    "Prediction",
    "Predictor",
    "PullSummary",
    "PushSummary",
    "answer_open_tasks",
    "pull",
    "push",
]
