"""One file per strategy. Terms (score a candidate): weight, diversity, random, topk.
Constraints (rule candidates out or restrict where picks come from): quota, drive_dedup, near_duplicate."""
