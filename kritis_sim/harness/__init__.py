"""harness layer of kritis-sim: the webhook in a local kind cluster (docs/kind.md).

:mod:`.kind` drives kind, docker and kubectl through subprocesses; it is used
by ``tests/e2e`` and ``kritis-sim kind`` only, and nothing below it imports it.
It makes no decisions of its own: the webhook in the cluster does.
"""
