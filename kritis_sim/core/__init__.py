"""core layer of kritis-sim (see docs/architecture.md)."""
