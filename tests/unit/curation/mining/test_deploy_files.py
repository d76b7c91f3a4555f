"""The deployment files of the nightly job: they parse, their embedded config is valid, and they set the
policies deploy/nightly/README.md promises (the image itself is not built here: no Docker)."""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml

from curation.mining.config import parse_config

REPO = Path(__file__).resolve().parents[4]
NIGHTLY = REPO / "deploy" / "nightly"


def _manifest() -> dict[str, dict]:
    docs = [d for d in yaml.safe_load_all((NIGHTLY / "cronjob.yaml").read_text()) if d]
    return {d["kind"]: d for d in docs}


def test_the_cronjob_never_overlaps_restarts_on_failure_and_reads_the_token_from_a_secret():
    cron = _manifest()["CronJob"]
    assert cron["apiVersion"] == "batch/v1"
    spec = cron["spec"]
    assert spec["concurrencyPolicy"] == "Forbid" and spec["schedule"] == "0 2 * * *"
    pod = spec["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "OnFailure"
    (container,) = pod["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["LABEL_STUDIO_API_KEY"]["valueFrom"]["secretKeyRef"] == {"name": "labelstudio-api", "key": "token"}
    assert "value" not in env["LABEL_STUDIO_API_KEY"]
    args = container["args"]
    assert args[:3] == ["--lake", "/data/lake", "mine"]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes[mounts["/data/lake"]]["persistentVolumeClaim"]["claimName"]
    config_path = Path(args[args.index("--config") + 1])
    assert volumes[mounts[str(config_path.parent)]]["configMap"]["name"] == _manifest()["ConfigMap"]["metadata"]["name"]


def test_the_configmap_holds_a_valid_mine_config_without_secrets():
    data = _manifest()["ConfigMap"]["data"]
    config = parse_config(yaml.safe_load(data["mine.yaml"]), "cronjob.yaml ConfigMap")
    assert config.push.enabled and config.labelstudio.document_root is not None
    assert "token" not in data["mine.yaml"].lower()


def test_the_crontab_lines_run_curate_mine_on_the_lake_with_a_config():
    lines = [line for line in (NIGHTLY / "crontab.example").read_text().splitlines()
             if line and not line.startswith("#") and "=" not in line.split()[0]]
    assert len(lines) == 2
    for line in lines:
        fields = line.split(None, 5)
        assert fields[1] in ("2", "4") and fields[2:5] == ["*", "*", "*"]
        words = shlex.split(fields[5].replace("\\%", "%"))
        at = words.index(".venv/bin/curate")
        assert words[at + 1:at + 6] == ["--lake", "/data/lake", "mine", "--config", "/etc/fleet-curation/mine.yaml"]


def test_the_dockerfile_builds_from_the_lock_and_runs_curate():
    text = (REPO / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in text
    assert "pip install --extra-index-url \"${TORCH_INDEX}\" -r requirements.lock" in text
    assert 'ENTRYPOINT ["tini", "--", "curate"]' in text
    assert "USER curate" in text
    ignored = (REPO / ".dockerignore").read_text().split()
    for path in (".git", ".venv", "lake", "**/server.json"):
        assert path in ignored
