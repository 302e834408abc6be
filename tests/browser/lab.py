"""Start JupyterLab and headless Chromium for the browser tests, and drive a notebook in it.

Kept apart from the tests so each test reads as what a learner does: open a lesson, run it, move
a slider, look.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
#: Set to 1 (CI does) to turn "no Chromium here" from a skip into a failure.
REQUIRE_ENV = "LENET_COURSE_REQUIRE_BROWSER"


def find_chromium() -> str | None:
    """The system Chromium: $LENET_COURSE_CHROMIUM, else the usual names on PATH."""
    explicit = os.environ.get("LENET_COURSE_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_lab_settings(settings: Path) -> None:
    """No update checks, no news, no autosave: the lab must stay offline and leave files alone."""
    files = {
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "checkForUpdates": False,
            "fetchNews": "false",
        },
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    }
    for rel, value in files.items():
        path = settings / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: where it answers, its token, and the folder it serves."""

    url: str
    token: str
    root: Path


@contextmanager
def jupyter_lab(workdir: Path, log_path: Path) -> Iterator[Lab]:
    """JupyterLab on 127.0.0.1 serving ``workdir`` (token auth, offline settings).

    The server is stopped (and killed if it will not stop) whatever happens in the block.
    """
    port, token = free_port(), secrets.token_hex(16)
    settings = workdir.parent / "lab-settings"
    _write_lab_settings(settings)
    env = dict(os.environ)
    env.update(
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(workdir.parent / "lab-workspaces"),
        JUPYTER_RUNTIME_DIR=str(workdir.parent / "lab-runtime"),
        LENET_COURSE_BUDGET=env.get("LENET_COURSE_BUDGET", "ci"),
        MPLBACKEND="module://matplotlib_inline.backend_inline",
    )
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={workdir}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        "--ServerApp.open_browser=False",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # CI containers run as root
    log = open(log_path, "w")
    proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {proc.returncode}; see {log_path}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not answer within 90 s; see {log_path}") from None
                time.sleep(0.5)
        yield Lab(base, token, workdir)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


def open_notebook(page, lab: Lab, relpath: str, timeout_ms: int = 90_000) -> None:
    """Open a notebook in the lab and wait until its kernel is ready."""
    workspace = "w" + secrets.token_hex(4)  # a fresh workspace: nothing restored from earlier pages
    page.goto(
        f"{lab.url}/lab/workspaces/{workspace}/tree/{relpath}?reset&token={lab.token}", wait_until="domcontentloaded"
    )
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=timeout_ms)
    page.wait_for_selector(".jp-NotebookPanel", timeout=timeout_ms)
    # A notebook without kernel metadata asks which kernel to start: take the default.
    page.wait_for_function(
        """() => { if (document.querySelector('.jp-Dialog')) return true;
                   const w = window.jupyterapp.shell.currentWidget;
                   const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
                   return k && k.status === 'idle'; }""",
        timeout=timeout_ms,
    )
    if page.query_selector(".jp-Dialog"):
        page.click(".jp-Dialog .jp-mod-accept")
        page.wait_for_function(
            """() => { const w = window.jupyterapp.shell.currentWidget;
                       const k = w.sessionContext.session && w.sessionContext.session.kernel;
                       return k && k.status === 'idle'; }""",
            timeout=timeout_ms,
        )


def run_all_cells(page, timeout_ms: int = 240_000) -> None:
    """Run every cell; wait until all have run (or one failed, which stops the rest) and all is idle."""
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        """() => { const w = window.jupyterapp.shell.currentWidget;
                   const k = w.sessionContext.session.kernel;
                   const cells = w.content.widgets.filter(c => c.model.type === 'code');
                   const busy = cells.some(c => c.promptNode && c.promptNode.textContent.includes('*'));
                   const unrun = cells.some(c => !c.model.executionCount && c.model.sharedModel.getSource().trim());
                   const failed = cells.some(c => c.model.outputs.toJSON().some(o => o.output_type === 'error'));
                   return k.status === 'idle' && (failed || (!busy && !unrun)); }""",
        timeout=timeout_ms,
        polling=500,
    )


def error_outputs(page) -> list[str]:
    """Every error output of the open notebook (from the cell models, as the kernel sent them)."""
    return page.evaluate(
        """() => window.jupyterapp.shell.currentWidget.content.widgets
                 .flatMap(c => c.model.type === 'code' ? c.model.outputs.toJSON() : [])
                 .filter(o => o.output_type === 'error')
                 .map(o => `${o.ename}: ${o.evalue}\\n` +
                      (o.traceback || []).join('\\n').replace(/\\x1b\\[[0-9;]*m/g, '').slice(0, 3000))"""
    )


def shutdown_kernel(page) -> None:
    """Stop the open notebook's kernel, so lessons do not pile up running kernels."""
    try:
        page.evaluate(
            """async () => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                             if (w && w.sessionContext) { await w.sessionContext.shutdown(); } }"""
        )
    except Exception:  # the page may already be gone; the server stops all kernels at the end
        pass


def wait_idle(page, settle_s: float = 1.0, timeout_ms: int = 60_000) -> None:
    """Wait until the kernel has been idle for ``settle_s`` (widget updates all processed)."""
    page.wait_for_function(
        """() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'""",
        timeout=timeout_ms,
    )
    time.sleep(settle_s)
    page.wait_for_function(
        """() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'""",
        timeout=timeout_ms,
    )
