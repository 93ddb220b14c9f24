"""What-if: replay admissions under a candidate policy and report what changes.

* :mod:`~kritis_sim.whatif.sides`: one side of the comparison (a classic or a
  platform policy, or "as admitted"), answering at admission time: admitted
  or not, and per image the rule or check responsible and the reason;
* :mod:`~kritis_sim.whatif.inputs`: the admissions of the inputs, streamed
  (the ``cv`` readers, every event of an audit log);
* :mod:`~kritis_sim.whatif.replay`: judging each admission on both sides
  (memoized per images and deploy target) and folding the differences into
  a bounded report;
* :mod:`~kritis_sim.whatif.render`: text, JSON and HTML (with an SVG chart).

No decision logic lives here: the sides wrap the cores.
"""
