"""Every exception kritis-sim raises, in one tree.

::

    KritisSimError
     ├── InputError (also ValueError)   unusable input: says where and what was expected
     │    ├── ImageRefError              an image reference that does not parse
     │    ├── PatternError               an allowlist name pattern that is not valid
     │    ├── PolicyError                a Binary Authorization policy that is not valid
     │    ├── AttestorError              an Attestor resource that is not valid
     │    ├── OccurrenceError            a Grafeas occurrence that is not valid
     │    ├── KeyFormatError             a key that cannot be loaded or used
     │    ├── ManifestError              a Kubernetes object or review of unknown shape
     │    ├── ScenarioError              a scenario file that is not valid
 │    ├── KritisResourceError        a Kritis custom resource that is not valid
     │    └── WebhookRequestError        a malformed AdmissionReview / ImageReview (HTTP 400)
     ├── GrafeasError                    the attestation store failed; decisions fail closed
     │    └── GrafeasApiError            the store answered with a Google-style error
     ├── ConformanceError                the implementation under test misbehaved (protocol)
     └── HarnessError                    the kind harness could not run (tools, cluster)
          └── CommandError               a kind/kubectl/docker command failed or timed out

A *denial* is never an exception: :func:`kritis_sim.core.decide.decide` returns a
:class:`~kritis_sim.model.decision.Decision` whose reasons say why. Exceptions are
for input that cannot be judged at all, and for failures of the machinery around
the decision.
"""

from __future__ import annotations

__all__ = [
    "AttestorError",
    "CommandError",
    "ConformanceError",
    "GrafeasApiError",
    "GrafeasError",
    "HarnessError",
    "ImageRefError",
    "InputError",
    "KeyFormatError",
    "KritisResourceError",
    "KritisSimError",
    "ManifestError",
    "OccurrenceError",
    "PatternError",
    "PolicyError",
    "ScenarioError",
    "WebhookRequestError",
]


class KritisSimError(Exception):
    """Root of every kritis-sim exception."""

    def diagnostics(self) -> str:
        """A human-readable paragraph for the CLI."""
        return f"{type(self).__name__}: {self}"


class InputError(KritisSimError, ValueError):
    """Input that cannot be used at all.

    Args:
        message: what is wrong, with the got and expected values.
        path: the field path inside the document, e.g.
            ``clusterAdmissionRules['us-east1-b.prod'].requireAttestationsBy[1]``.
        source: the file (or other origin) the document came from.
        line: the 1-based line in ``source`` where the field is, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        source: str | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.source = source
        self.line = line
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.source is not None:
            where = self.source if self.line is None else f"{self.source}:{self.line}"
        if self.path:
            where = f"{where}: {self.path}" if where else self.path
        return f"{where}: {self.message}" if where else self.message

    def located(
        self, *, source: str | None = None, line: int | None = None
    ) -> InputError:
        """Return a copy of this error that also names ``source`` and ``line``."""
        return type(self)(
            self.message,
            path=self.path,
            source=source if self.source is None else self.source,
            line=line if self.line is None else self.line,
        )


class ImageRefError(InputError):
    """An image reference string that does not follow the reference grammar."""


class PatternError(InputError):
    """An ``admissionWhitelistPatterns[].namePattern`` that is not valid."""


class PolicyError(InputError):
    """A Binary Authorization policy that the API would refuse."""


class AttestorError(InputError):
    """An Attestor resource that the API would refuse."""


class OccurrenceError(InputError):
    """A Grafeas occurrence (or note) that is not well formed."""


class KeyFormatError(InputError):
    """A public or private key that cannot be loaded or used."""


class ManifestError(InputError):
    """A Kubernetes object, AdmissionReview or ImageReview of unknown shape."""


class ScenarioError(InputError):
    """A release-pipeline scenario file that is not valid."""


class KritisResourceError(InputError):
    """A Kritis custom resource (AttestationAuthority, ImageSecurityPolicy,
    GenericAttestationPolicy, KritisConfig) that cannot be used."""


class WebhookRequestError(InputError):
    """A malformed admission request; the webhook answers HTTP 400."""


class GrafeasError(KritisSimError):
    """The attestation store could not be read (transport, timeout, bad reply).

    Decisions that meet this error fail closed: the workload is denied and the
    reason says the store failed.
    """


class GrafeasApiError(GrafeasError):
    """The store replied with a Google-style error body.

    Args:
        code: the HTTP status code.
        status: the ``google.rpc.Code`` name, e.g. ``NOT_FOUND``.
        message: the server's message.
    """

    def __init__(self, code: int, status: str, message: str) -> None:
        self.code = code
        self.status = status
        self.message = message
        super().__init__(f"{code} {status}: {message}")


class ConformanceError(KritisSimError):
    """The implementation under test broke the conformance protocol."""


class HarnessError(KritisSimError):
    """The kind harness could not do its work (missing tools, a cluster problem)."""


class CommandError(HarnessError):
    """A command the harness ran failed, timed out or could not be started.

    Args:
        argv: the command line.
        message: what went wrong (exit status, timeout, not found).
        stderr: what the command wrote to stderr, if anything.
        returncode: its exit status (None when it did not finish).
    """

    def __init__(
        self,
        argv: tuple[str, ...],
        message: str,
        *,
        stderr: str = "",
        returncode: int | None = None,
    ) -> None:
        self.argv = argv
        self.message = message
        self.stderr = stderr
        self.returncode = returncode
        text = f"`{' '.join(argv)}` {message}"
        if stderr.strip():
            text += f"; stderr:\n{stderr.strip()}"
        super().__init__(text)
