"""Selection: a spec as data (`spec`), strategies as terms and constraints (`strategies/`), one greedy
pass that composes them (`greedy.select`), and the lake loading and run job around it (`load`, `job`)."""

from curation.selection.candidates import Candidates
from curation.selection.errors import SpecError
from curation.selection.greedy import select
from curation.selection.result import CellReport, QuotaReport, SelectionResult
from curation.selection.spec import SelectionSpec, load_spec, parse_spec

__all__ = [
    "Candidates",
    "CellReport",
    "QuotaReport",
    "SelectionResult",
    "SelectionSpec",
    "SpecError",
    "load_spec",
    "parse_spec",
    "select",
]
