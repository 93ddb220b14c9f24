"""Running kind, kubectl and docker: one seam, always with a timeout.

:class:`Runner` is the only way the harness starts a process. The real one,
:class:`SubprocessRunner`, runs it without a shell, with captured text output
and a timeout, in its own process group (:func:`kritis_sim._processes.run`:
the group is ended on timeout and when kritis-sim is interrupted), and turns every failure (non-zero exit,
timeout, program not on ``PATH``) into a :class:`~kritis_sim.errors.CommandError`
that names the command and carries its stderr. Tests pass a fake runner and
assert on the command lines asked for, so nothing here needs a cluster.

:func:`missing_requirements` says which of the harness's needs (a Docker
engine, ``kind`` and ``kubectl`` on ``PATH``) are not met. This module does not
know what the commands mean; :mod:`._commands` builds them.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from kritis_sim import _processes
from kritis_sim.errors import CommandError, HarnessError

__all__ = [
    "REQUIREMENTS",
    "Completed",
    "MissingRequirementsError",
    "Runner",
    "SubprocessRunner",
    "missing_requirements",
]

#: What the harness needs, in the words every skip and error message uses.
REQUIREMENTS = "a Docker engine, kind and kubectl on PATH"

#: Seconds allowed for ``docker info`` when probing for the engine.
_PROBE_TIMEOUT = 20.0


@dataclass(frozen=True, slots=True)
class Completed:
    """A finished command: its argv, exit status and captured output."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def __bool__(self) -> bool:
        return self.returncode == 0


class Runner(Protocol):
    """Runs one command and returns what it did."""

    def __call__(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        stdin: str | None = None,
        check: bool = True,
    ) -> Completed:
        """Run ``argv`` (no shell) with ``stdin`` as input.

        Raises:
            CommandError: the command timed out or could not start, or (with
                ``check``) exited with a non-zero status.
        """
        ...


class SubprocessRunner:
    """The real :class:`Runner`, over :func:`kritis_sim._processes.run`.

    Args:
        log: called with each command line before it runs (e.g. for ``-v``).
    """

    def __init__(self, log: Callable[[str], None] | None = None) -> None:
        self._log = log

    def __call__(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        stdin: str | None = None,
        check: bool = True,
    ) -> Completed:
        """See :meth:`Runner.__call__`."""
        args = tuple(argv)
        if self._log is not None:
            self._log("$ " + " ".join(args))
        try:
            # argv is a tuple built by _commands; no shell is involved. The
            # command runs in its own process group, ended on timeout or when
            # kritis-sim is interrupted (kritis_sim._processes).
            proc = _processes.run(args, input=stdin, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            stderr = exc.stderr if isinstance(exc.stderr, str) else ""
            raise CommandError(
                args, f"timed out after {timeout:g} s", stderr=stderr
            ) from None
        except FileNotFoundError:
            raise CommandError(
                args, f"could not start: {args[0]!r} is not on PATH"
            ) from None
        except OSError as exc:
            raise CommandError(args, f"could not start: {exc}") from None
        done = Completed(args, proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            raise CommandError(
                args,
                f"failed with exit status {proc.returncode}",
                stderr=proc.stderr or proc.stdout,
                returncode=proc.returncode,
            )
        return done


class MissingRequirementsError(HarnessError):
    """Docker, kind or kubectl is not available.

    Args:
        missing: one line per unmet requirement.
    """

    def __init__(self, missing: Sequence[str]) -> None:
        self.missing = tuple(missing)
        super().__init__(
            f"the kind harness needs {REQUIREMENTS}; missing: " + "; ".join(missing)
        )


def missing_requirements(
    runner: Runner | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> tuple[str, ...]:
    """What is missing for the harness to run, one description each.

    Checks that ``kind``, ``kubectl`` and ``docker`` are on ``PATH`` and that
    ``docker info`` reaches a running engine. Empty when all is there.
    """
    missing = [
        f"`{tool}` is not on PATH"
        for tool in ("kind", "kubectl", "docker")
        if which(tool) is None
    ]
    if which("docker") is not None:
        run = runner or SubprocessRunner()
        try:
            run(
                ("docker", "info", "--format", "{{.ServerVersion}}"),
                timeout=_PROBE_TIMEOUT,
            )
        except CommandError as exc:
            detail = (exc.stderr.strip().splitlines() or [exc.message])[-1]
            missing.append(f"no running Docker engine (`docker info`: {detail})")
    return tuple(missing)
