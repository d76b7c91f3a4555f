"""`curate simulate`: the offline active-learning experiment. Config as data (`config`), built-in strategies
(`strategies`), the label schedule (`budgets`), isolated working lakes (`workspace`), the oracle labelers
(`labelers`), the round loop (`loop`), learning curves and label efficiency (`curves`) and the report
(`report`)."""

from curation.simulation.budgets import BudgetError, initial_labeled, schedule, to_count
from curation.simulation.config import SimConfig, SimConfigError, load_config, parse_config
from curation.simulation.curves import fraction_to_reach, labels_to_reach, learning_curves
from curation.simulation.loop import SimulationError, SimulationSummary, run_simulation
from curation.simulation.strategies import PRESETS, list_presets

__all__ = [
    "PRESETS",
    "BudgetError",
    "SimConfig",
    "SimConfigError",
    "SimulationError",
    "SimulationSummary",
    "fraction_to_reach",
    "initial_labeled",
    "labels_to_reach",
    "learning_curves",
    "list_presets",
    "load_config",
    "parse_config",
    "run_simulation",
    "schedule",
    "to_count",
]
