"""Fixtures for the end-to-end suite: one JupyterLab server and one headless Chromium per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .lab import CHROMIUM_FLAGS, REPO, REQUIRE_ENV, find_chromium, jupyter_lab, shutdown_kernel


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        reason = (
            "no Chromium found (install Debian's 'chromium' package, or set "
            "LENET_COURSE_CHROMIUM to a Chromium/Chrome binary) - browser tests skipped"
        )
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(reason.replace(" - browser tests skipped", f"; {REQUIRE_ENV}=1 requires one"))
        pytest.skip(reason)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        message = "the 'playwright' pip package is not installed (pip install -e '.[dev]')"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    """Where lesson screenshots go: $LENET_COURSE_SCREENSHOTS, else a temp folder."""
    target = os.environ.get("LENET_COURSE_SCREENSHOTS")
    path = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def lab(chromium, tmp_path_factory):
    """A JupyterLab serving a scratch copy of notebooks/ (so runs never touch the repo's files)."""
    home = tmp_path_factory.mktemp("lab")
    work = home / "course"
    shutil.copytree(REPO / "notebooks", work / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    with jupyter_lab(work, home / "jupyterlab.log") as running:
        yield running


@pytest.fixture(scope="session")
def browser_context(chromium, playwright, tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh, empty user-data dir
    context = playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=chromium,
        headless=True,
        args=CHROMIUM_FLAGS,
        viewport={"width": 1280, "height": 900},
    )
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(browser_context):
    page = browser_context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        shutdown_kernel(page)
        page.close()
