"""Continuous validation (``kritis-sim cv``): readers of what runs
(:mod:`~kritis_sim.cv.inputs`, :mod:`~kritis_sim.cv.items`,
:mod:`~kritis_sim.cv.audit_logs`), the judge seam (:mod:`~kritis_sim.cv.judge`),
one pass (:mod:`~kritis_sim.cv.validate`) and its outputs: GKE-shaped CV log
entries (:mod:`~kritis_sim.cv.entries`) and the HTML report
(:mod:`~kritis_sim.cv.html_report`). No decision logic lives here: judges wrap
the cores."""
