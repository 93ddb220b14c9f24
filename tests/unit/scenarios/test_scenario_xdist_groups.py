"""With pytest-xdist loaded, a scenario file's items share one ``xdist_group``
(so ``--dist loadgroup`` simulates each scenario once, on one worker)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
FILES = ["scenarios/breakglass.yaml", "scenarios/attestation-deleted.yaml"]


class _Grab:
    items: list[pytest.Item]

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.items = list(session.items)


def _groups(*args: str) -> dict[str, set[str]]:
    grab = _Grab()
    code = pytest.main(
        ["--collect-only", "-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT),
         *args, *(str(ROOT / f) for f in FILES)],
        plugins=[grab],
    )  # fmt: skip
    assert code == 0
    out: dict[str, set[str]] = {}
    for item in grab.items:
        marks = [m.args[0] for m in item.iter_markers("xdist_group")]
        out.setdefault(str(item.path), set()).update(marks or {"-"})
    return out


def test_scenario_items_are_grouped_by_file_under_xdist(
    capsys: pytest.CaptureFixture[str],
) -> None:
    groups = _groups("-p", "xdist")
    capsys.readouterr()
    assert len(groups) == len(FILES)
    assert all(len(marks) == 1 and "-" not in marks for marks in groups.values())
    assert len(set().union(*groups.values())) == len(FILES)
