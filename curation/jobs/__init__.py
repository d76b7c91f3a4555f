"""Jobs: orchestration of connectors (I/O) and pure computation, each recorded as a row of `runs`."""
