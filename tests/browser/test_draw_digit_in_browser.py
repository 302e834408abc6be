"""Lesson 10's panels with a real mouse in JupyterLab: the explaining draw-a-digit panel and the FGSM explorer.

Every control is moved: the canvas (a dot, Clear, a drawn 7), the layer list, the epsilon slider;
the FGSM explorer's image and epsilon sliders. Screenshots go to the screenshot folder.
"""

from __future__ import annotations

import time
from pathlib import Path

from .lab import error_outputs, open_notebook, run_all_cells, wait_idle
from .test_widgets_in_browser import _drag, _slider, _wait_for_change, _wait_for_text

CELLS = {
    "lenet-draw-digit": (
        "from lenet_course.checkpoints import load_model\nfrom lenet_course.paths import shipped_model_path\n"
        "from lenet_course.widgets.draw_digit import DrawDigit\n"
        "DrawDigit(load_model(shipped_model_path(), device='cpu'), explain=True, epsilon=0.05)"
    ),
    "lenet-fgsm-explorer": (
        "from lenet_course.checkpoints import load_model\nfrom lenet_course.data import load_mnist\n"
        "from lenet_course.paths import shipped_model_path\n"
        "from lenet_course.widgets.adversarial import AdversarialExplorer\n"
        "images, labels = load_mnist('test')\n"
        "AdversarialExplorer(load_model(shipped_model_path(), device='cpu'), images[:50], labels[:50], epsilon=0.05)"
    ),
}


def _open(page, lab, css_class: str, screenshot_dir: Path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(CELLS[css_class])]
    name = f"scratch10_{css_class}.ipynb"
    nbformat.write(nb, lab.root / "notebooks" / name)
    open_notebook(page, lab, f"notebooks/{name}")
    run_all_cells(page)
    errors = error_outputs(page)
    wait_idle(page, settle_s=0.5)
    assert not errors, f"the {css_class} cell shows error output:\n" + "\n---\n".join(errors)
    panel = page.locator(f".{css_class}").first
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / f"10_{css_class}_start.png"))
    return panel


def _draw(page, canvas, points) -> None:
    box = canvas.bounding_box()
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x0 + points[0][0] * w, y0 + points[0][1] * h)
    page.mouse.down()
    for px, py in points[1:]:
        page.mouse.move(x0 + px * w, y0 + py * h, steps=8)
    page.mouse.up()


def test_explained_drawing_shows_saliency_and_reacts_to_epsilon(lab, page, screenshot_dir: Path):
    panel = _open(page, lab, "lenet-draw-digit", screenshot_dir)
    image = panel.locator("img").first
    nudge = panel.locator(".widget-html").last
    assert "draw a digit" in panel.inner_text() and "prediction:" not in panel.inner_text()
    assert "nudged" not in panel.inner_text()  # blank: nothing explained
    canvas = panel.locator("canvas").last
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + 0.5 * box["width"], box["y"] + 0.5 * box["height"])
    _wait_for_text(panel, "too little ink to be a digit", "a dot was classified", timeout_s=30)
    assert "nudged" not in panel.inner_text()
    panel.get_by_role("button", name="Clear").click()
    _wait_for_text(panel, "draw a digit on the black square", "Clear did not clear", timeout_s=30)
    _draw(page, canvas, [(0.25, 0.2), (0.5, 0.2), (0.75, 0.2), (0.6, 0.45), (0.5, 0.65), (0.4, 0.85)])
    _wait_for_text(panel, "prediction:", "no prediction appeared", timeout_s=30)
    text = _wait_for_text(nudge, "nudged by epsilon 0.05", "no nudge shown", timeout_s=30)
    assert "answer" in text
    wait_idle(page)
    page.screenshot(path=str(screenshot_dir / "10_draw_digit_explained.png"))
    # the epsilon slider: drag it right; the nudge text and the picture follow
    slider = _slider(panel, "epsilon")
    readout = slider.locator(".widget-readout")
    before_value, before_png = readout.inner_text(), image.screenshot()
    _drag(page, slider.locator(".noUi-handle"), 2000)  # to the end: 0.30
    _wait_for_text(readout, "0.30", "the epsilon slider did not reach 0.30", timeout_s=10)
    assert readout.inner_text() != before_value
    _wait_for_text(nudge, "nudged by epsilon 0.30", "the nudge did not follow the slider", timeout_s=30)
    _wait_for_change(image.screenshot, before_png)
    # the layer list still works, in forward order, with the explanation row kept
    layer = panel.locator("select").first
    options = [o.strip() for o in layer.locator("option").all_inner_texts()]
    assert options[0] == "conv1" and options[-1] == "fc_3"
    before_png = image.screenshot()
    layer.select_option("fc_3")
    _wait_for_change(image.screenshot, before_png)
    assert "nudged by epsilon 0.30" in nudge.inner_text()
    wait_idle(page)
    page.screenshot(path=str(screenshot_dir / "10_draw_digit_eps030_fc3.png"))


def test_fgsm_explorer_sliders_change_digit_and_epsilon(lab, page, screenshot_dir: Path):
    panel = _open(page, lab, "lenet-fgsm-explorer", screenshot_dir)
    image = panel.locator("img").first
    status = panel.locator(".widget-html").first
    _wait_for_text(status, "epsilon 0.05", "no status line", timeout_s=30)
    for label, dx, expect in (("epsilon", 2000, "epsilon 0.30"), ("test image", 40, None)):
        slider = _slider(panel, label)
        readout = slider.locator(".widget-readout")
        before_value, before_png = readout.inner_text(), image.screenshot()
        _drag(page, slider.locator(".noUi-handle"), dx)
        assert _wait_for_change(readout.inner_text, before_value) != before_value
        _wait_for_change(image.screenshot, before_png)
        if expect:
            _wait_for_text(status, expect, f"the {label} slider did not reach the status", timeout_s=30)
        time.sleep(0.5)
    assert "fooled" in status.inner_text() or "still right" in status.inner_text()
    wait_idle(page)
    page.screenshot(path=str(screenshot_dir / "10_fgsm_explorer_dragged.png"))
