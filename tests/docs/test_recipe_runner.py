"""The recipe extractor and runner: what counts as a recipe, and that a broken
recipe (failing command, undefined variable, server left running) is caught."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.docs.recipes import RecipeSyntaxError, extract, locate, run_page

PAGE = """# Title

```sh
A=1
echo "$A" > a.txt
```

```console
$ not run
```

```
not run either
```

<!-- recipe: skip needs a cluster -->
```sh
kubectl apply -f x.yaml
```

<!-- recipe: needs curl -->
```bash
curl --version
```

<!-- recipe: file conf/app.yaml -->
```yaml
key: value
```

  ```sh
  indented=yes
  ```
"""


def test_extract_finds_shell_blocks_and_annotations() -> None:
    recipes = extract(PAGE, "docs/x.md")
    assert [(r.line, r.skip, r.needs, r.file) for r in recipes] == [
        (4, None, (), None),
        (18, "needs a cluster", (), None),
        (23, None, ("curl",), None),
        (28, None, (), "conf/app.yaml"),
        (32, None, (), None),
    ]
    assert recipes[0].code == 'A=1\necho "$A" > a.txt\n'
    assert recipes[3].code == "key: value\n"
    assert recipes[4].code == "indented=yes\n"
    assert recipes[1].where == "docs/x.md:18"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<!-- recipe: skipp typo -->\n```sh\nls\n```\n", "expected"),
        ("<!-- recipe: skip -->\n```sh\nls\n```\n", "expected"),
        ("<!-- recipe: file ../escape -->\n```yaml\na: 1\n```\n", "expected"),
        ("<!-- recipe: skip reason -->\n\n```sh\nls\n```\n", "right before"),
        ("```sh\nls\n", "unclosed"),
    ],
)
def test_malformed_annotations_are_errors(text: str, message: str) -> None:
    with pytest.raises(RecipeSyntaxError, match=message):
        extract(text, "docs/x.md")


def _run(page: str, tmp_path: Path) -> tuple[bool, str, Path]:
    work = tmp_path / "work"
    work.mkdir()
    result, where = run_page(extract(page, "docs/x.md"), work, timeout=60)
    return result.ok(), locate(result.stderr, where), work


def test_recipes_run_in_order_in_one_session(tmp_path: Path) -> None:
    ok, err, work = _run(PAGE.replace("curl --version", "echo curl"), tmp_path)
    assert ok, err
    assert (work / "a.txt").read_text() == "1\n"
    assert (work / "conf" / "app.yaml").read_text() == "key: value\n"


def test_kritis_sim_on_path_is_this_checkout(tmp_path: Path) -> None:
    page = (
        "```sh\n"
        "python3 -c 'import kritis_sim; print(kritis_sim.__file__)' > where.txt\n"
        "kritis-sim --version\n"
        "```\n"
    )
    ok, err, work = _run(page, tmp_path)
    assert ok, err
    root = Path(__file__).resolve().parents[2]
    assert (work / "where.txt").read_text().startswith(str(root / "kritis_sim"))


def test_undefined_variable_fails_naming_the_markdown_line(tmp_path: Path) -> None:
    ok, err, _ = _run("# t\n\n```sh\necho ok\necho $UNDEFINED\n```\n", tmp_path)
    assert not ok
    assert "UNDEFINED: unbound variable" in err
    assert "docs/x.md:5" in err


def test_failing_command_fails_the_page(tmp_path: Path) -> None:
    ok, err, _ = _run("```sh\nfalse\necho never\n```\n```sh\ntrue\n```\n", tmp_path)
    assert not ok
    assert "docs/x.md:2" in err


def test_failure_inside_a_pipeline_fails_the_page(tmp_path: Path) -> None:
    ok, _, _ = _run("```sh\nfalse | cat\n```\n", tmp_path)
    assert not ok


def test_background_servers_are_stopped(tmp_path: Path) -> None:
    ok, err, work = _run("```sh\nsleep 300 &\necho $! > pid\n```\n", tmp_path)
    assert ok, err
    pid = int((work / "pid").read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    pytest.fail(f"background process {pid} still runs after the page ended")
