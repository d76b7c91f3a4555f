"""Label Studio: the client (retries on reads, never on writes), the local dev server, and the pure parts
that turn masks and classes into Label Studio JSON and back.

Modules: `client` (the only code that talks HTTP to Label Studio), `server` (install/start/stop a local
server), `label_config` (config XML builder + validator), `rle` (brush RLE <-> binary masks), `payloads`
(task / prediction / result JSON), `decode` (annotation -> class-id mask or class, with the choice and
painting rules), `staging` (frames' images into the document root), `errors`, `retry`.
"""

from connectors.labelstudio.errors import (
    AnnotationRejected,
    ImportOutcomeUnknown,
    LabelConfigError,
    LabelStudioApiError,
    LabelStudioAuthError,
    LabelStudioError,
    LabelStudioUnavailable,
    ServerSetupError,
)
from connectors.labelstudio.label_config import CLASSIFICATION, SEGMENTATION, ProjectSpec
from connectors.labelstudio.retry import RetryPolicy

__all__ = [
    "AnnotationRejected",
    "CLASSIFICATION",
    "ImportOutcomeUnknown",
    "LabelConfigError",
    "LabelStudioApiError",
    "LabelStudioAuthError",
    "LabelStudioError",
    "LabelStudioUnavailable",
    "ProjectSpec",
    "RetryPolicy",
    "SEGMENTATION",
    "ServerSetupError",
]
