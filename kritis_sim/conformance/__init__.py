"""The conformance kit: drive any Binary Authorization enforcer through its
webhook and report where it differs from kritis-sim's reference decision.

* :mod:`~kritis_sim.conformance.case`: case directories as values (fields
  checked by :mod:`~kritis_sim.conformance._fields`);
* :mod:`~kritis_sim.conformance.forms`: the wire forms occurrences are
  written in, and moving their times without changing their shape;
* :mod:`~kritis_sim.conformance.reference`: the reference answer for a case;
* :mod:`~kritis_sim.conformance.protocol`: the adapter protocol (suite side);
* :mod:`~kritis_sim.conformance.runner`: running cases, strict xfail, skips;
* :mod:`~kritis_sim.conformance.store`: the suite's Grafeas with faults;
* :mod:`~kritis_sim.conformance.report`: JSON, JUnit and the feature matrix;
* :mod:`~kritis_sim.conformance.differential`: generated cases and shrinking;
* :mod:`~kritis_sim.conformance.reference_adapter`,
  :mod:`~kritis_sim.conformance.adapter_server`,
  :mod:`~kritis_sim.conformance.defects` (and ``defect_hooks``,
  ``defects_wire``): the reference adapter and its deliberately broken
  variants.

See docs/conformance.md. This package imports nothing at import time, so the
adapter's per-case subcommands stay fast.
"""
