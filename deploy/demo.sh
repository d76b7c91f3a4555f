#!/usr/bin/env bash
# `make demo`: the whole loop on a fresh machine in a few minutes (2 CPU cores), on generated data.
#   synthetic fleet frames -> lake -> local Label Studio -> night 1 (random pick, no model yet) ->
#   oracle labeler answers the queue -> pull -> train a DPE ensemble -> night 2 (uncertain + diverse +
#   rain quota + drive dedup, pre-annotations from the model) -> oracle -> pull -> train -> report.
# Everything lands in ./demo-lake (DEMO_LAKE); delete it to start over. Re-running resumes/reuses.
set -euo pipefail
cd "$(dirname "$0")/.."
CURATE=".venv/bin/curate"
LAKE="${DEMO_LAKE:-demo-lake}"
export CURATE_LAKE="$LAKE"
PROJECT=demo-fleet
TRAIN_ARGS=(--task segmentation --arch fbnet_tiny --members 3 --max-steps "${DEMO_STEPS:-40}" --batch-size 8)
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. labeled synthetic scenes (the source domain; their labels are free)"
$CURATE ingest synthetic "$LAKE/raw/source" --frames "${DEMO_SOURCE_FRAMES:-48}" --seed 0 --frames-per-drive 8

step "2. a local Label Studio (installed into .ls-venv on first use)"
$CURATE labelstudio up

step "3. night 1: ingest fleet frames, no model yet -> seeded pick, push to Label Studio"
$CURATE mine --config deploy/configs/demo-mine.yaml --date 2026-11-20

step "4. the labeling team (here: the oracle labeler, through the Label Studio API) answers the queue"
$CURATE labelstudio oracle --project "$PROJECT"
$CURATE pull --project "$PROJECT"

step "5. train a K=3 DPE ensemble on human + synthetic labels"
$CURATE train "${TRAIN_ARGS[@]}"

step "6. night 2: new frames, scored by the ensemble, picked by uncertainty + diversity + quota + drive dedup"
$CURATE mine --config deploy/configs/demo-mine.yaml --date 2026-11-21

step "7. label night 2, pull, retrain"
$CURATE labelstudio oracle --project "$PROJECT"
$CURATE pull --project "$PROJECT"
$CURATE train "${TRAIN_ARGS[@]}"

step "8. the report"
$CURATE report --out "$LAKE/reports/report.html"
$CURATE sql "SELECT kind, status, count(*) AS runs FROM runs GROUP BY ALL ORDER BY kind"

URL=$($CURATE labelstudio status --json | tail -1 | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin).get("url",""))')
cat <<TXT

Where to look
  Label Studio:  $URL  (project "$PROJECT"; login: see "curate labelstudio up" above)
  Report:        $LAKE/reports/report.html
  Three queries:
    $CURATE --lake $LAKE sql "SELECT rank, frame_id, strategy, round(score, 3) AS score, reasons FROM selections WHERE run_id LIKE 'mine-2026-11-21%' ORDER BY rank"
    $CURATE --lake $LAKE sql "SELECT f.weather, f.time_of_day, count(*) AS labeled FROM labels l JOIN frames f USING (frame_id) WHERE l.source = 'human' GROUP BY ALL"
    $CURATE --lake $LAKE sql "SELECT model_version, json_extract(metrics, '\$.val_miou') AS val_miou, json_extract(label_set, '\$.per_source') AS labels FROM models ORDER BY created_at"
  Stop Label Studio with: $CURATE --lake $LAKE labelstudio down
TXT
