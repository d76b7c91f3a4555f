"""The platform's decisions and jobs: acquisition, selection, scoring/training/mining jobs, the CLI."""
