"""The command recipes in README.md and docs/*.md run, in the order written.

One test per page runs all of that page's ``sh`` blocks in one bash session
(see ``tests/docs/recipes.py`` for the convention); every block annotated
``<!-- recipe: skip REASON -->`` is its own test, skipped with that reason, so
``pytest -rs`` lists what is not run and why.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.docs.recipes import Recipe, locate, page_recipes, pages, run_page

ALL = {page: page_recipes(page) for page in pages()}


def _page_params() -> list[object]:
    params: list[object] = []
    for page, recipes in ALL.items():
        runnable = [r for r in recipes if r.skip is None]
        if not runnable:
            continue
        needs = {tool for r in runnable for tool in r.needs}
        marks = [pytest.mark.gcloud] if "gcloud" in needs else []
        params.append(pytest.param(page, marks=marks, id=page))
    return params


def _skipped_params() -> list[object]:
    return [
        pytest.param(recipe, id=recipe.where)
        for recipes in ALL.values()
        for recipe in recipes
        if recipe.skip is not None
    ]


def _check_tools(recipes: list[Recipe]) -> None:
    missing = sorted(
        {tool for r in recipes for tool in r.needs if shutil.which(tool) is None}
    )
    if not missing:
        return
    if "gcloud" in missing and os.environ.get("KRITIS_SIM_REQUIRE_GCLOUD") == "1":
        pytest.fail("gcloud is not on PATH and KRITIS_SIM_REQUIRE_GCLOUD=1")
    pytest.skip(f"needs {', '.join(missing)} on PATH")


@pytest.mark.parametrize("page", _page_params())
def test_page_recipes_run(page: str, tmp_path: Path) -> None:
    recipes = ALL[page]
    runnable = [r for r in recipes if r.skip is None]
    _check_tools(runnable)
    workdir = tmp_path / "work"
    workdir.mkdir()
    result, where = run_page(runnable, workdir)
    if not result.ok():
        what = "timed out" if result.timed_out else f"exit {result.returncode}"
        pytest.fail(
            f"{page}: recipes {what}\n--- stderr (last 60 lines)\n"
            + "\n".join(locate(result.stderr, where).splitlines()[-60:])
            + "\n--- stdout (last 30 lines)\n"
            + "\n".join(result.stdout.splitlines()[-30:]),
            pytrace=False,
        )


@pytest.mark.parametrize("recipe", _skipped_params())
def test_skipped_recipe(recipe: Recipe) -> None:
    pytest.skip(f"{recipe.where}: {recipe.skip}")


def test_every_page_is_read() -> None:
    assert "README.md" in ALL
    assert any(page.startswith("docs/") for page in ALL)
    assert any(r.skip is None for recipes in ALL.values() for r in recipes)
