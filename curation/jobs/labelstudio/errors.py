"""Errors of the labeling jobs that the user can fix (bad input, an ambiguous project, nothing to do)."""


class LabelingJobError(Exception):
    """A push/pull/oracle job cannot proceed. Says what was found, what is expected and what to do."""
