"""The project's own promises: the shipped model, and one dependency list for pip and conda."""

import re
import sys
from pathlib import Path

import pytest

from lenet_course.checkpoints import ASSETS_DIR, load_model, sha256_of, shipped_checksums
from lenet_course.evaluate import evaluate
from lenet_course.models import TutLeNet

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent


def test_shipped_tut2_model_is_listed_verified_and_accurate(mnist_root):
    path = ASSETS_DIR / "tut2-model.pt"
    assert shipped_checksums()["tut2-model.pt"] == sha256_of(path)
    model = load_model(path, device="cpu")  # also checks the SHA-256
    assert isinstance(model, TutLeNet)
    result = evaluate(model, root=mnist_root)
    assert result.total == 10000
    assert result.accuracy >= 0.99


def test_assets_readme_holds_the_command_that_made_it():
    text = (ASSETS_DIR / "README.md").read_text()
    assert "lenet-course train --model tut" in text


def _names(requirements):
    return {re.split(r"[<>=!~\[ ;]", r.strip(), maxsplit=1)[0].lower() for r in requirements}


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pip_names = _names(project["dependencies"]) | _names(project["optional-dependencies"]["dev"])
    text = (REPO / "environment.yml").read_text()
    deps = text[text.index("dependencies:"):]
    conda_lines = [
        line.strip()[2:] for line in deps.splitlines()
        if line.strip().startswith("- ") and not line.strip().startswith("- pip:")
    ]
    conda_names = _names(c for c in conda_lines if not c.startswith(("-e", "python", "pip")))
    conda_names = {"torch" if n == "pytorch" else n for n in conda_names}
    assert conda_names == pip_names
