"""Which project frames go to, and with which labeling config: resolved from the frames' datasets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from connectors.datasets import camvid_classes, registry
from connectors.datasets.base import ClassList
from connectors.labelstudio.client import LabelStudioClient
from connectors.labelstudio.errors import LabelConfigError
from connectors.labelstudio.label_config import (
    CLASSIFICATION,
    SEGMENTATION,
    ProjectSpec,
    build_label_config,
    validate_label_config,
)
from curation.jobs.labelstudio.errors import LabelingJobError

# A class list's short name, used in default project titles (synthetic frames use CamVid's classes).
_CLASS_LIST_NAMES = {registry.CAMVID: "camvid", registry.CITYSCAPES: "cityscapes", registry.GTSRB: "gtsrb"}
MAX_TITLE = 50  # Label Studio refuses longer project titles
# Brush colours of class lists that come with a palette.
_PALETTES = {camvid_classes.CLASS_NAMES: camvid_classes.PALETTE}


@dataclass(frozen=True)
class ProjectRef:
    """A Label Studio project the platform uses: id, title and the config it was validated against."""

    id: int
    title: str
    label_config: str
    model_version: str = ""


def _class_list_of(source: str) -> tuple[str, ClassList]:
    for kind in (SEGMENTATION, CLASSIFICATION):
        try:
            return kind, registry.class_list(source, kind)
        except ValueError:
            continue
    raise LabelingJobError(f"frames of dataset {source!r} have no known class list, so no labeling config can be "
                           "built for them; known datasets: camvid, synthetic, cityscapes (segmentation), gtsrb "
                           "(classification)")


def spec_for_sources(sources: Iterable[str]) -> ProjectSpec:
    """The ProjectSpec for frames of these datasets (`frames.source`); they must share one class list."""
    found = {s: _class_list_of(s) for s in sorted(set(sources))}
    if not found:
        raise LabelingJobError("no frames given: cannot tell which class list to label with")
    distinct = set(found.values())
    if len(distinct) > 1:
        raise LabelingJobError(f"these frames come from datasets with different class lists ({', '.join(found)}): "
                               "push each class list to its own project (select them in separate runs)")
    kind, classes = distinct.pop()
    return ProjectSpec(kind, classes.names, _PALETTES.get(classes.names), classes.ignore_index)


def default_title(spec: ProjectSpec) -> str:
    """`curation-<class list>-<kind>`, e.g. `curation-camvid-segmentation`."""
    for classes, name in _CLASS_LIST_NAMES.items():
        if classes.names == spec.class_names:
            return f"curation-{name}-{spec.kind}"
    return f"curation-{len(spec.class_names)}-classes-{spec.kind}"


def find_project(client: LabelStudioClient, title: str) -> ProjectRef | None:
    """The project titled exactly `title`, None if there is none; an error if the title is ambiguous."""
    found = client.projects_titled(title)
    if len(found) > 1:
        ids = ", ".join(str(p["id"]) for p in found)
        raise LabelingJobError(f"Label Studio at {client.url} has {len(found)} projects titled {title!r} (ids {ids}): "
                               "rename all but one, or pass another --project")
    if not found:
        return None
    p = found[0]
    return ProjectRef(int(p["id"]), p["title"], p.get("label_config") or "", p.get("model_version") or "")


def ensure_project(client: LabelStudioClient, title: str, spec: ProjectSpec) -> tuple[ProjectRef, bool]:
    """Reuse the project titled `title` if its config labels exactly `spec`, or create it.

    Returns (project, created). The config is built and validated before it is sent; a reused project
    whose config differs is an error, never silently relabeled.
    """
    if not 1 <= len(title) <= MAX_TITLE:
        raise LabelingJobError(f"project title {title!r} has {len(title)} characters; Label Studio allows 1 to {MAX_TITLE}")
    existing = find_project(client, title)
    if existing is not None:
        try:
            validate_label_config(existing.label_config, spec)
        except LabelConfigError as exc:
            raise LabelingJobError(f"project {title!r} (id {existing.id}) on {client.url} does not label these frames' "
                                   f"classes: {exc}; pass another --project name") from None
        return existing, False
    xml = build_label_config(spec)
    made = client.create_project(title, xml, description=f"fleet-curation {spec.kind}: {len(spec.class_names)} classes")
    return ProjectRef(int(made["id"]), made["title"], made.get("label_config") or xml), True


def require_project(client: LabelStudioClient, title: str) -> ProjectRef:
    """The existing project titled `title`, or an error saying how to create one."""
    found = find_project(client, title)
    if found is None:
        raise LabelingJobError(f"Label Studio at {client.url} has no project titled {title!r}: push frames to it first "
                               "(`curate push --run RUN_ID --project NAME`)")
    return found
