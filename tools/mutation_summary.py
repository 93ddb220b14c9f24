"""Per-module summary of a mutmut run: killed, survived, equivalent, score.

Reads the result files mutmut 3 leaves next to each mutated module
(``mutants/<path>.py.meta``, JSON with ``exit_code_by_key``) and the reviewed
list of equivalent mutants (``tests/mutation-equivalents.txt``), and prints one
line per module and a total. It does not run mutmut (``tox -e mutation`` does;
see docs/mutation.md) and judges nothing itself: the exit codes mean what
mutmut says they mean.

Score = detected / (all mutants - listed equivalents - not yet checked), where
*detected* is killed plus timed out (a mutant that makes the tests hang is
caught). "no tests" mutants (no unit test reaches the function) count against
the score, like survivors.

Exit status: 0; 1 with ``--fail-under N`` when the total score is below N %;
2 when there are no results or the equivalents file names a mutant that does
not exist or did not survive (a stale entry must be removed, not kept).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: mutmut 3 exit codes by outcome (mutmut/stats.py ``status_by_exit_code``).
_STATUS: dict[int | None, str] = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    36: "timeout",
    -24: "timeout",
    24: "timeout",
    152: "timeout",
    255: "timeout",
    37: "caught by type check",
    None: "not checked",
}
_DETECTED = {"killed", "timeout", "caught by type check"}
_UNCOUNTED = {"not checked", "skipped"}

EQUIVALENTS = Path("tests/mutation-equivalents.txt")


@dataclass
class Module:
    """Outcome counts of one mutated module."""

    path: str
    counts: Counter[str] = field(default_factory=Counter)
    survivors: list[str] = field(default_factory=list)

    @property
    def detected(self) -> int:
        return sum(self.counts[s] for s in _DETECTED)

    @property
    def counted(self) -> int:
        skip = sum(self.counts[s] for s in _UNCOUNTED) + self.counts["equivalent"]
        return sum(self.counts.values()) - skip

    @property
    def score(self) -> float | None:
        """The score in percent; None while no mutant has been checked."""
        return 100.0 * self.detected / self.counted if self.counted else None


def read_equivalents(path: Path) -> dict[str, str]:
    """Mutant name -> the reason it is equivalent, from ``path``.

    One entry a line: ``mutant name | file:line | the change | why``; blank
    lines and lines starting with ``#`` are ignored.
    """
    found: dict[str, str] = {}
    if not path.exists():
        return found
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        parts = [p.strip() for p in text.split("|")]
        if len(parts) != 4 or not all(parts):
            raise SystemExit(
                f"{path}:{number}: expected 'mutant | file:line | change | why', "
                f"got {text!r}"
            )
        found[parts[0]] = parts[3]
    return found


def summarise(
    root: Path, equivalents: dict[str, str], only: Sequence[str] = ()
) -> tuple[list[Module], list[str]]:
    """Modules with their counts, and the problems with the equivalents list.

    ``only``: module path globs (``kritis_sim/core/kritis/*.py``); when given,
    other modules and their equivalents are left out. An equivalent whose
    mutant has not been checked yet is no problem (a run of one core leaves
    the other cores' mutants unchecked).
    """
    modules: list[Module] = []
    problems: list[str] = []
    seen: set[str] = set()
    for meta in sorted(root.rglob("*.py.meta")):
        data = json.loads(meta.read_text("utf-8"))
        path = meta.relative_to(root).as_posix()[: -len(".meta")]
        module = Module(path)
        left_out = bool(only) and not any(fnmatch.fnmatchcase(path, g) for g in only)
        for name, code in sorted(data.get("exit_code_by_key", {}).items()):
            status = _STATUS.get(code, "suspicious")
            if name in equivalents:
                seen.add(name)
                if status not in {"survived", "not checked"} and not left_out:
                    problems.append(f"{name}: listed as equivalent but {status}")
                status = "equivalent" if status != "not checked" else status
            module.counts[status] += 1
            if status in {"survived", "no tests", "suspicious"}:
                module.survivors.append(f"{name} ({status})")
        if module.counts and not left_out:
            modules.append(module)
    problems += [
        f"{name}: listed as equivalent but no such mutant"
        for name in equivalents
        if name not in seen
    ]
    return modules, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--mutants",
        type=Path,
        default=Path("mutants"),
        help="mutmut's working directory (default: mutants)",
    )
    parser.add_argument(
        "--equivalents",
        type=Path,
        default=EQUIVALENTS,
        help=f"the reviewed list of equivalent mutants (default: {EQUIVALENTS})",
    )
    parser.add_argument(
        "--fail-under",
        type=float,
        default=None,
        metavar="PERCENT",
        help="exit 1 when the total score is below PERCENT",
    )
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="also list every surviving mutant by name (mutmut show NAME shows it)",
    )
    parser.add_argument(
        "--module",
        action="append",
        default=[],
        metavar="GLOB",
        help="only modules whose path matches GLOB, e.g. 'kritis_sim/core/kritis/*.py' "
        "(repeatable; default: every mutated module)",
    )
    args = parser.parse_args(argv)
    modules, problems = summarise(
        args.mutants, read_equivalents(args.equivalents), args.module
    )
    if not modules:
        print(f"no mutmut results under {args.mutants}/ (run `tox -e mutation`)")
        return 2
    header = (
        f"{'module':44} {'killed':>6} {'surv':>5} {'notest':>6} {'equiv':>5} "
        f"{'todo':>5} {'score':>7}"
    )
    print(header)
    total = Module("total")
    for m in modules:
        total.counts.update(m.counts)
        print(_row(m))
    print(_row(total))
    if args.survivors:
        for m in modules:
            for name in m.survivors:
                print(f"  {name}")
    for problem in problems:
        print(f"equivalents: {problem}", file=sys.stderr)
    if problems:
        return 2
    score = total.score
    if args.fail_under is not None and (score is None or score < args.fail_under):
        print(f"score {_percent(score)} is below {args.fail_under} %", file=sys.stderr)
        return 1
    return 0


def _percent(score: float | None) -> str:
    return "-" if score is None else f"{score:.1f}%"


def _row(m: Module) -> str:
    c = m.counts
    return (
        f"{m.path:44} {m.detected:6} {c['survived'] + c['suspicious']:5} "
        f"{c['no tests']:6} {c['equivalent']:5} {c['not checked']:5} "
        f"{_percent(m.score):>7}"
    )


if __name__ == "__main__":
    sys.exit(main())
