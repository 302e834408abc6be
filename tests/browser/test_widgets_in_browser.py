"""What a learner does with the live panels, done with a real mouse in JupyterLab."""

from __future__ import annotations

import re
import time
from pathlib import Path

from .lab import error_outputs, open_notebook, run_all_cells, wait_idle


def _slider(panel, label: str):
    """The slider row whose description is exactly ``label``."""
    exact = re.compile(rf"^\s*{re.escape(label)}\s*$")
    return panel.locator(".widget-slider").filter(has=panel.page.locator(".widget-label", has_text=exact)).first


def _drag(page, handle, dx: float) -> None:
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x + dx * step / 10, y)
    page.mouse.up()


def _wait_for_change(read, before, timeout_s: float = 30.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = read()
        if now != before:
            return now
        time.sleep(0.25)
    raise AssertionError("nothing changed within the time allowed")


def _wait_for_text(locator, text: str, what: str, timeout_s: float = 60.0) -> str:
    deadline = time.monotonic() + timeout_s
    while text not in (shown := locator.inner_text()):
        assert time.monotonic() < deadline, f"{what}: {shown!r}"
        time.sleep(0.25)
    return shown


#: The cell that builds each panel: the panels are tested on their own scratch notebook, so a
#: failing lesson cell elsewhere (test_lessons.py reports those) cannot hide a panel's behaviour.
PANEL_CELLS = {
    "lenet-schedule-explorer": "from lenet_course.widgets import ScheduleExplorer\nScheduleExplorer()",
    "lenet-training-panel": (
        "import torch\nfrom lenet_course.models import CaffeLeNet\n"
        "from lenet_course.widgets import TrainingPanel\ntorch.manual_seed(0)\n"
        "TrainingPanel(CaffeLeNet(), train_limit=6000, test_limit=500)"
    ),
    "lenet-draw-digit": (
        "import torch\nfrom lenet_course.models import build_model\n"
        "from lenet_course.widgets import DrawDigit\ntorch.manual_seed(0)\n"
        "DrawDigit(build_model('tut'))"
    ),
}


def _open_panel(page, lab, css_class: str, screenshot_dir: Path):
    """A scratch notebook holding one panel, run in the lab; the panel brought into view."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(PANEL_CELLS[css_class])]
    name = f"scratch_{css_class}.ipynb"
    nbformat.write(nb, lab.root / "notebooks" / name)
    open_notebook(page, lab, f"notebooks/{name}")
    run_all_cells(page)
    errors = error_outputs(page)
    wait_idle(page, settle_s=0.5)
    assert not errors, f"the {css_class} cell shows error output:\n" + "\n---\n".join(errors)
    panel = page.locator(f".{css_class}").first
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / f"{css_class}.png"))
    return panel


def _screenshot_when_idle(page, path: Path) -> None:
    wait_idle(page)
    page.screenshot(path=str(path))


def test_lr_and_gamma_sliders_redraw_the_schedule(lab, page, screenshot_dir: Path):
    panel = _open_panel(page, lab, "lenet-schedule-explorer", screenshot_dir)
    image = panel.locator("img").first
    for label, dx in (("gamma", 60), ("base_lr", -50)):
        slider = _slider(panel, label)
        readout = slider.locator(".widget-readout")
        before_png, before_value = image.screenshot(), readout.inner_text()
        _drag(page, slider.locator(".noUi-handle"), dx)
        after_value = _wait_for_change(readout.inner_text, before_value)
        after_png = _wait_for_change(image.screenshot, before_png)
        assert after_value != before_value and after_png != before_png
    formula = panel.inner_text()
    assert "lr(" in formula or "base_lr" in formula
    _screenshot_when_idle(page, screenshot_dir / "05_schedule_explorer_dragged.png")


def test_training_panel_trains_and_stops(lab, page, screenshot_dir: Path):
    panel = _open_panel(page, lab, "lenet-training-panel", screenshot_dir)
    image = panel.locator("img").first
    status = panel.locator(".widget-html").last
    # A long run, so that Stop has something to stop: drag the iterations slider to its end.
    slider = _slider(panel, "iterations")
    readout = slider.locator(".widget-readout")
    assert readout.inner_text().strip() == "300"  # a round start, not 301
    _drag(page, slider.locator(".noUi-handle"), 2000)
    _wait_for_text(readout, "5000", "the iterations slider did not reach 5000", timeout_s=10)
    before_png = image.screenshot()
    panel.get_by_role("button", name="Train").click()
    _wait_for_text(status, "training... iteration", "training never reported progress")
    time.sleep(1.5)
    panel.get_by_role("button", name="Stop").click()
    shown = _wait_for_text(status, "stopped at iteration", "Stop did not stop")
    assert "validation accuracy" in shown  # the panel tunes on val, never on test
    assert image.screenshot() != before_png  # the curves grew
    assert panel.get_by_role("button", name="Train").is_enabled()
    _screenshot_when_idle(page, screenshot_dir / "06_training_panel_stopped.png")


def test_drawing_a_digit_gives_a_prediction(lab, page, screenshot_dir: Path):
    panel = _open_panel(page, lab, "lenet-draw-digit", screenshot_dir)
    assert "draw a digit" in panel.inner_text() and "prediction:" not in panel.inner_text()
    canvas = panel.locator("canvas").last
    box = canvas.bounding_box()
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.click(x0 + 0.5 * w, y0 + 0.5 * h)  # a lone dot is not a digit
    _wait_for_text(panel, "too little ink to be a digit", "a dot was classified", timeout_s=30)
    assert "prediction:" not in panel.inner_text()
    panel.get_by_role("button", name="Clear").click()
    _wait_for_text(panel, "draw a digit on the black square", "Clear did not clear", timeout_s=30)
    # A "7": a bar across the top, then a stroke down to the lower left.
    points = [(0.25, 0.2), (0.5, 0.2), (0.75, 0.2), (0.6, 0.45), (0.5, 0.65), (0.4, 0.85)]
    page.mouse.move(x0 + points[0][0] * w, y0 + points[0][1] * h)
    page.mouse.down()
    for px, py in points[1:]:
        page.mouse.move(x0 + px * w, y0 + py * h, steps=8)
    page.mouse.up()
    text = _wait_for_text(panel, "prediction:", "no prediction appeared", timeout_s=30)
    digit = text.split("prediction:")[1].split()[0]
    assert digit.isdigit() and "sure" in text
    _screenshot_when_idle(page, screenshot_dir / "07_draw_digit.png")
