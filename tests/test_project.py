"""The project's own promises: the shipped model, and one dependency list for pip and conda."""

import re
import sys
from pathlib import Path

from lenet_course.checkpoints import load_model, sha256_of, shipped_checksums
from lenet_course.evaluate import evaluate
from lenet_course.models import TutLeNet
from lenet_course.paths import assets_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent


def test_shipped_tut2_model_is_listed_verified_and_accurate(mnist_root):
    path = assets_dir() / "tut2-model.pt"
    assert shipped_checksums()["tut2-model.pt"] == sha256_of(path)
    model = load_model(path, device="cpu")  # also checks the SHA-256
    assert isinstance(model, TutLeNet)
    result = evaluate(model, root=mnist_root)
    assert result.total == 10000
    assert result.accuracy >= 0.99


def test_assets_readme_holds_the_command_that_made_it():
    text = (assets_dir() / "README.md").read_text()
    assert "lenet-course train --model tut" in text


def _names(requirements):
    return {re.split(r"[<>=!~\[ ;]", r.strip(), maxsplit=1)[0].lower() for r in requirements}


def _pip_groups() -> dict[str, set[str]]:
    """pyproject.toml's dependencies by what needs them: runtime, lab, dev."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    return {"runtime": _names(project["dependencies"]), "lab": _names(extras["lab"]), "dev": _names(extras["dev"])}


def _conda_groups() -> dict[str, set[str]]:
    """environment.yml's packages under its ``# runtime`` / ``# lab`` / ``# dev`` comments (pip: ones go to dev)."""
    text = (REPO / "environment.yml").read_text()
    groups: dict[str, set[str]] = {}
    current = None
    for line in text[text.index("dependencies:") :].splitlines()[1:]:
        item = line.strip()
        heading = re.match(r"# (runtime|lab|dev)\b", item)
        if heading:
            current = heading.group(1)
        elif item.startswith("- ") and not item.startswith(("- pip", "- python", "- -e")):
            assert current is not None, f"{item} comes before the first group comment"
            name = _names([item[2:]]).pop()
            groups.setdefault(current, set()).add("torch" if name == "pytorch" else name)
    return groups


def test_environment_yml_lists_the_same_packages_as_pyproject_in_the_same_groups():
    assert _conda_groups() == _pip_groups()


def test_the_runtime_needs_no_jupyter_and_the_site_tools_are_dev_only():
    groups = _pip_groups()
    assert groups["runtime"] == {"torch", "torchvision", "numpy", "matplotlib", "ipywidgets", "tqdm"}
    assert groups["lab"] == {"jupyterlab", "ipykernel", "ipycanvas"}
    assert {"pytest", "nbval", "playwright", "ruff", "mypy", "sphinx", "myst-nb"} <= groups["dev"]


def test_make_installs_every_group_the_readme_commands_need():
    install = [line for line in (REPO / "Makefile").read_text().splitlines() if "pip install" in line and "-e" in line]
    assert install and all("[lab,dev]" in line for line in install), install


# ---- the layout: core <- viz <- lessons / exercises <- widgets -----------------------------------
import ast  # noqa: E402

PACKAGE = REPO / "lenet_course"
MOVED = (
    "course",
    "history",
    "backprop",
    "convolution",
    "initialization",
    "caffe_net",
    "lesson_plots",
    "budget",
    "exercises_training",
    "plotdata",
    "plots",
)
#: which tiers a module of each tier may import ("core" is every flat module but widgets)
ALLOWED = {
    "core": {"core"},
    "viz": {"core", "viz"},
    "lessons": {"core", "viz", "lessons"},
    "exercises": {"core", "lessons", "exercises"},
    "widgets": {"core", "viz", "lessons", "widgets"},
    "package": set(),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, str]]:
    """(imported module, imported name or '') for every import of lenet_course in ``path``, lazy ones too."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(a.name, "") for a in node.names if a.name.startswith("lenet_course")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.startswith("lenet_course"):
                for alias in node.names:  # "from . import plots" imports a module, not a name
                    candidate = f"{module}.{alias.name}"
                    is_module = (REPO / Path(*candidate.split("."))).with_suffix(".py").is_file() or (
                        REPO / Path(*candidate.split("."))
                    ).is_dir()
                    found.append((candidate, "") if is_module else (module, alias.name))
    return found


def _graph() -> dict[str, list[tuple[str, str]]]:
    return {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def _tier(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "package"
    return parts[1] if parts[1] in ("viz", "lessons", "exercises", "widgets") else "core"


def test_each_tier_imports_only_the_tiers_below_it():
    wrong = [
        f"{m} -> {target}"
        for m, imports in _graph().items()
        for target, _ in imports
        if _tier(target) not in ALLOWED[_tier(m)] | {"package"}
    ]
    assert not wrong, wrong


def test_the_import_graph_has_no_cycle():
    edges = {m: {t for t, _ in imports if t != m} for m, imports in _graph().items()}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join(path + (module,))
        if module in done:
            return
        for target in edges.get(module, ()):
            visit(target, path + (module,))
        done.add(module)

    for module in edges:
        visit(module, ())


def test_no_module_imports_another_ones_private_names():
    private = [
        f"{m} imports {target}.{name}"
        for m, imports in _graph().items()
        for target, name in imports
        if name.startswith("_") and name != "__version__"
    ]
    assert not private, private


def test_moved_modules_are_gone_and_nothing_refers_to_their_old_place():
    import json
    import re

    assert not [name for name in MOVED if (PACKAGE / f"{name}.py").exists()]
    names = "|".join(MOVED)
    absolute = re.compile(rf"lenet_course\.({names})\b")  # lenet_course.lessons.course is not matched
    relative = re.compile(rf"from \.({names}) import|from \. import [^\n]*\b({names})\b")  # in flat modules
    sources = {
        p: p.read_text()
        for folder in ("lenet_course", "tests", "benchmarks")
        for p in (REPO / folder).rglob("*.py")
        if p.name != "test_project.py"
    }
    for nb in (REPO / "notebooks").glob("*.ipynb"):
        cells = json.loads(nb.read_text())["cells"]
        sources[nb] = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    stale = [
        f"{p.relative_to(REPO)}: {m.group(0)}"
        for p, text in sources.items()
        for pattern in ((absolute, relative) if p.parent == PACKAGE else (absolute,))
        for m in pattern.finditer(text)
    ]
    assert not stale, stale


def test_every_subpackage_is_in_the_built_distribution():
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = {_module_name(p.parent) for p in PACKAGE.rglob("__init__.py")}
    if isinstance(setuptools.get("packages"), list):
        assert set(setuptools["packages"]) >= packages
    else:
        include = setuptools["packages"]["find"]["include"]
        assert all(
            any(re.fullmatch(pattern.replace(".", r"\.").replace("*", ".*"), p) for pattern in include)
            for p in packages
        )
