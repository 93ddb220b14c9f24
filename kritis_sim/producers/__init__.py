"""Producers: pure functions that make the occurrences pipelines publish.

* :mod:`~kritis_sim.producers.provenance`: a Grafeas ``BUILD`` occurrence
  carrying a DSSE-signed in-toto Statement with SLSA provenance v1 (what
  ``kritis-sim provenance`` prints);
* :mod:`~kritis_sim.producers.scan_reports`: ``VULNERABILITY`` occurrences and
  one ``DISCOVERY`` occurrence from a Trivy or Grype JSON report (what
  ``kritis-sim vulns`` prints).

Every output is built as Grafeas v1 JSON and read back through the model's
own loaders, so a producer can only emit what those loaders accept. No I/O
and no clock: files and times are the CLI's job.
"""
