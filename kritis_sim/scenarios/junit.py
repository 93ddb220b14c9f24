"""JUnit XML for CI systems: one ``<testsuite>`` per scenario, one
``<testcase>`` per deploy event and per ``expect`` event (plus one for
``expect.reached``); a deploy
without an expectation is ``<skipped>`` (the same counts as the closing line of
``kritis-sim run``).

A failed expectation is a ``<failure>`` whose text says where the deploy is
written, what was expected, what happened and why. Uses the standard library's
ElementTree only; writes nothing itself (the CLI writes the returned text).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from kritis_sim.scenarios.result import RunSummary, ScenarioResult

__all__ = ["junit_xml"]


def _suite(result: ScenarioResult) -> ET.Element:
    scenario = result.scenario
    suite = ET.Element("testsuite", name=scenario.name, file=scenario.where.source)
    failures = 0
    skipped = 0
    cases = 0
    each = result.seconds / max(1, len(result.deploys))
    for deploy in result.deploys:
        cases += 1
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"scenarios.{scenario.name}",
            name=deploy.event.label,
            file=scenario.where.source,
            line=str(deploy.event.where.line or 0),
            time=f"{each:.6f}",
        )
        reply = deploy.reply
        ET.SubElement(case, "system-out").text = "\n".join(filter(None, (reply.message, reply.text)))
        if deploy.event.expect is None:
            skipped += 1
            ET.SubElement(case, "skipped", message="the deploy states no expectation")
        elif not deploy.ok:
            failures += 1
            failure = ET.SubElement(case, "failure", message="; ".join(deploy.failures))
            failure.text = deploy.explain()
    for entry in result.expectations:
        cases += 1
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"scenarios.{scenario.name}",
            name=entry.label,
            file=scenario.where.source,
            line=str(entry.where.line or 0),
        )
        if not entry.ok:
            failures += 1
            failure = ET.SubElement(case, "failure", message="; ".join(entry.failures or ()))
            failure.text = entry.explain()
    if scenario.reached is not None:
        cases += 1
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"scenarios.{scenario.name}",
            name="pipeline reached",
            file=scenario.where.source,
            line=str(scenario.reached.where.line or 0),
        )
        if result.reached_failures:
            failures += 1
            failure = ET.SubElement(case, "failure", message="; ".join(result.reached_failures))
            failure.text = "\n".join(f"{scenario.reached.where}: {f}" for f in result.reached_failures)
    suite.set("tests", str(cases))
    suite.set("failures", str(failures))
    suite.set("skipped", str(skipped))
    suite.set("errors", "0")
    suite.set("time", f"{result.seconds:.6f}")
    return suite


def junit_xml(summary: RunSummary) -> str:
    """The JUnit XML document for a run."""
    root = ET.Element("testsuites", name="kritis-sim scenarios")
    for result in summary.results:
        root.append(_suite(result))
    root.set("tests", str(sum(int(s.get("tests", "0")) for s in root)))
    root.set("failures", str(sum(int(s.get("failures", "0")) for s in root)))
    root.set("skipped", str(sum(int(s.get("skipped", "0")) for s in root)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
