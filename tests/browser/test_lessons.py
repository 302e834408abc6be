"""Every lesson, opened in JupyterLab in headless Chromium, runs top to bottom without an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from .lab import REPO, error_outputs, open_notebook, run_all_cells, wait_idle

#: The lessons that show live panels (their code uses ``lenet_course.widgets``), and the first
#: lesson a learner opens. Every lesson runs top to bottom under nbval already (``make test``);
#: what only a browser can show is how the panels render in JupyterLab, so the browser runs those.
#: The panels themselves are driven on scratch notebooks by test_widgets_in_browser.py.
EVERY_LESSON = sorted((REPO / "notebooks").glob("[0-9A-Z][0-9]_*.ipynb"))
LESSONS = [
    p.name for p in EVERY_LESSON if p.name.startswith("00_") or "lenet_course.widgets" in p.read_text(encoding="utf-8")
]


def test_the_browser_runs_every_lesson_with_a_panel():
    with_panels = {p.name for p in EVERY_LESSON if "lenet_course.widgets" in p.read_text(encoding="utf-8")}
    assert with_panels and with_panels <= set(LESSONS)
    expected = {"05_learning_rate_policies.ipynb", "06_training_lenet.ipynb", "07_inspecting_tut2_model.ipynb"}
    assert expected <= with_panels


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_runs_in_the_browser(lesson, lab, page, screenshot_dir: Path):
    open_notebook(page, lab, f"notebooks/{lesson}")
    run_all_cells(page)
    errors = error_outputs(page)
    wait_idle(page, settle_s=0.5)
    page.evaluate("() => window.jupyterapp.shell.currentWidget.content.scrollToItem(0, 'start')")
    page.wait_for_timeout(500)  # the title and objectives, not the last exercise
    page.screenshot(path=str(screenshot_dir / f"{Path(lesson).stem}.png"), full_page=False)
    assert not errors, f"{lesson} shows error output:\n" + "\n---\n".join(errors)


def test_the_harness_sees_an_error_output(lab, page):
    """A failing cell must fail a lesson test: check the detector on a scratch notebook."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("print('before')"),
        nbformat.v4.new_code_cell("1 / 0"),
        nbformat.v4.new_code_cell("print('never runs')"),
    ]
    nbformat.write(nb, lab.root / "notebooks" / "scratch_error.ipynb")
    open_notebook(page, lab, "notebooks/scratch_error.ipynb")
    run_all_cells(page)
    errors = error_outputs(page)
    assert len(errors) == 1 and "ZeroDivisionError" in errors[0]
