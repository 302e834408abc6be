"""The course website (``make site``): built from the stored outputs, then read in headless Chromium.

The site is built into a scratch folder (as ``site/build.py`` does for ``make site``), served on
127.0.0.1, and every page is opened: every image loads, every link inside the site leads to a
page (and anchor) that exists, no page shows an error, the landing page links every lesson, and
every widget is shown as its stored picture with the note that it is live in JupyterLab.
Requests to other hosts (MathJax's CDN, used by pages with formulas) are blocked: the pages
must stand without them.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

REPO = Path(__file__).resolve().parent.parent
REQUIRE_ENV = "LENET_COURSE_REQUIRE_BROWSER"
LESSONS = sorted(p.stem for p in (REPO / "notebooks").glob("*.ipynb"))
LESSONS_ZH = sorted(p.stem for p in (REPO / "notebooks" / "zh").glob("*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: Text that means something went wrong in a page (a stored error, a Sphinx problem).
ERROR_TEXT = ("Traceback (most recent call last)", "Error rendering", "SEVERE", "ERROR/")


def _load_build_module():
    spec = importlib.util.spec_from_file_location("site_build", REPO / "site" / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


site_build = _load_build_module()


# ---- the widget swap, on hand-made outputs --------------------------------------------------------
def test_a_widget_output_becomes_its_png_and_the_live_note():
    widget = {
        "output_type": "execute_result",
        "execution_count": 3,
        "metadata": {"image/png": {"width": 400}, "other": 1},
        "data": {WIDGET_VIEW: {"model_id": "abc"}, "image/png": "iVBORw0KGgo=", "text/plain": "VBox(...)"},
    }
    text = {"output_type": "stream", "name": "stdout", "text": "hello\n"}
    picture, note, kept = site_build.static_widget_outputs([widget, text])
    assert picture == {
        "output_type": "execute_result",
        "execution_count": 3,
        "data": {"image/png": "iVBORw0KGgo="},
        "metadata": {"image/png": {"width": 400}},
    }
    assert site_build.NOTE_CLASS in note["data"]["text/html"] and "live" in note["data"]["text/html"]
    assert "Above" in note["data"]["text/html"]
    assert kept is text


def test_a_widget_without_a_png_gets_only_the_note_and_the_state_is_dropped():
    notebook = {
        "metadata": {"widgets": {"state": {}}, "kernelspec": {"name": "python3"}},
        "cells": [{"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {WIDGET_VIEW: {}}}]}],
    }
    static = site_build.static_notebook(notebook)
    assert "widgets" not in static["metadata"] and "widgets" in notebook["metadata"]  # the input is untouched
    (note,) = static["cells"][0]["outputs"]
    assert site_build.NOTE_CLASS in note["data"]["text/html"] and "no picture" in note["data"]["text/html"]


# ---- the built site, in a browser -----------------------------------------------------------------
@pytest.fixture(scope="module")
def chromium() -> str:
    sys.path.insert(0, str(REPO / "tests"))
    try:
        from browser.lab import find_chromium
    finally:
        sys.path.remove(str(REPO / "tests"))
    path = find_chromium()
    reason = None
    if path is None:
        reason = "no Chromium found (install Debian's 'chromium', or set LENET_COURSE_CHROMIUM)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the 'playwright' pip package is not installed (pip install -e '.[dev]')"
    if reason:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{reason}; {REQUIRE_ENV}=1 requires one")
        pytest.skip(reason)
    assert path is not None
    return path


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    """The site, built as ``make site`` builds it, into a scratch folder."""
    tmp = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, str(REPO / "site" / "build.py"), str(tmp / "site"), "--src", str(tmp / "src")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    warnings = [line for line in done.stderr.splitlines() if "WARNING" in line or "ERROR" in line]
    assert not warnings, "\n".join(warnings)
    return tmp / "site"


@pytest.fixture(scope="module")
def served(built_site):
    """The site on http://127.0.0.1:<port>/ (a quiet file server in a thread)."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(built_site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser_page(chromium, playwright, tmp_path_factory):
    sys.path.insert(0, str(REPO / "tests"))
    try:
        from browser.lab import CHROMIUM_FLAGS
    finally:
        sys.path.remove(str(REPO / "tests"))
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path_factory.mktemp("chromium-profile")),
        executable_path=chromium,
        headless=True,
        args=CHROMIUM_FLAGS,
        viewport={"width": 1280, "height": 900},
    )
    try:
        context.route(re.compile(r"^(?!http://127\.0\.0\.1[:/]).*"), lambda route: route.abort())
        yield context.new_page()
    finally:
        context.close()


def _ids_in(html_file: Path) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html_file.read_text()))


PAGE_FACTS = """() => ({
            broken_images: Array.from(document.images)
                .filter(i => !i.complete || i.naturalWidth === 0).map(i => i.getAttribute('src')),
            links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
            text: document.body.innerText,
            problems: document.querySelectorAll('.system-message, .problematic, .output.traceback').length,
            notes: Array.from(document.querySelectorAll('.live-panel-note')).map(n => {
                const picture = n.closest('.cell_output').querySelector('img');
                return picture ? picture.complete && picture.naturalWidth > 0 : null;
            }),
        })"""


def _visit(page, url: str) -> dict:
    """Open ``url``; what a reader would hit: failed requests, script errors, broken images, links, text."""
    failed: list[str] = []
    errors: list[str] = []
    handlers = {
        "requestfailed": lambda r: failed.append(r.url) if r.url.startswith("http://127.0.0.1") else None,
        "response": lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        "pageerror": lambda e: errors.append(str(e)),
    }
    for event, handler in handlers.items():
        page.on(event, handler)
    try:
        page.goto(url, wait_until="load")
        found = page.evaluate(PAGE_FACTS)
    finally:
        for event, handler in handlers.items():
            page.remove_listener(event, handler)
    found.update(failed=failed, errors=errors)
    return found


def _page_file(site: Path, base: str, url: str) -> tuple[Path, str]:
    parts = urlsplit(url)
    path = unquote(parts.path[len(urlsplit(base).path) :]) or "index.html"
    target = site / path
    return (target / "index.html" if target.is_dir() else target), parts.fragment


def _widget_outputs(lesson: str) -> list[bool]:
    """For each widget output stored in a lesson: whether it carries a PNG."""
    cells = json.loads((REPO / "notebooks" / f"{lesson}.ipynb").read_text())["cells"]
    return [
        "image/png" in out["data"]
        for cell in cells
        for out in cell.get("outputs", [])
        if WIDGET_VIEW in out.get("data", {})
    ]


def test_every_page_loads_whole_with_working_links(built_site, served, browser_page):
    pages = sorted(
        p.relative_to(built_site).as_posix()
        for p in built_site.rglob("*.html")
        if not p.relative_to(built_site).parts[0].startswith("_")  # _static/: the theme's template fragments
    )
    assert {"index.html"} | {f"lessons/{name}.html" for name in LESSONS} <= set(pages)
    assert {f"lessons/zh/{name}.html" for name in LESSONS_ZH} <= set(pages)
    problems = []
    for name in pages:
        url = urljoin(served, name)
        seen = _visit(browser_page, url)
        for what in ("broken_images", "failed", "errors"):
            problems += [f"{name}: {what}: {x}" for x in seen[what]]
        if seen["problems"]:
            problems.append(f"{name}: {seen['problems']} error block(s) on the page")
        problems += [f"{name}: shows {t!r}" for t in ERROR_TEXT if t in seen["text"]]
        for link in seen["links"]:
            if not link.startswith(served):
                continue
            target, fragment = _page_file(built_site, served, link)
            if not target.is_file():
                problems.append(f"{name}: link to a missing page: {link}")
            elif fragment and target.suffix == ".html" and fragment not in _ids_in(target):
                problems.append(f"{name}: link to a missing anchor: {link}")
    assert not problems, "\n".join(problems)


def test_the_landing_page_maps_every_lesson_and_shows_the_screenshots(served, browser_page):
    seen = _visit(browser_page, served)
    for name in LESSONS:
        assert urljoin(served, f"lessons/{name}.html") in seen["links"], name
    for name in LESSONS_ZH:  # the Chinese edition, linked from the same table
        assert urljoin(served, f"lessons/zh/{name}.html") in seen["links"], name
    shots = browser_page.evaluate("() => Array.from(document.images).map(i => i.alt)")
    assert {"schedule explorer", "training panel", "draw a digit"} <= set(shots)
    assert not seen["broken_images"]


def test_every_widget_is_its_picture_with_the_live_note(served, browser_page):
    lessons_with_widgets = 0
    for name in LESSONS:
        stored = _widget_outputs(name)
        seen = _visit(browser_page, urljoin(served, f"lessons/{name}.html"))
        # one note per widget; under a stored PNG it follows that picture, and the picture loads
        assert len(seen["notes"]) == len(stored), name
        assert [shown is True for shown in seen["notes"]] == stored, name
        assert "live" in seen["text"] or not stored
        lessons_with_widgets += bool(stored)
    assert lessons_with_widgets >= 3  # 05, 06 and 07 have panels
