"""``kritis-sim lint``: findings about a policy that loads (or nearly loads)
but probably does not do what its author meant.

* :mod:`~kritis_sim.lint.findings`: the :class:`Finding` value, severities,
  text and JSON output;
* :mod:`~kritis_sim.lint.patterns`: allowlist patterns that look like
  mistakes (shared by both policy models);
* :mod:`~kritis_sim.lint.classic`: the classic project policy;
* :mod:`~kritis_sim.lint.platform`: GKE platform policies.

Lint reads the document as written (so it can report several problems at
once, with their lines) and also runs the real loader; it decides nothing.
"""
