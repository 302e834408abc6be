# Entry points, each doing all set-up on first use:
#   make lab        create/reuse .venv, install the course, open it in JupyterLab
#   make test       create/reuse .venv, install the course, run every test (library, browser, the
#                   English lessons replayed by nbval on the short "ci" budget); the Chinese edition
#                   runs the same code cells (tests/test_editions.py) and its stored outputs are held
#                   to the English ones there, so nbval replays it in `make test-zh` and `make test-full`
#   make test-full  every test with both editions replayed on the full budget, as learners run them:
#                   for maintainers, before storing a lesson's outputs
#   make test-zh    the Chinese edition replayed by nbval on the "ci" budget
#   make test-lib / make test-notebooks   the library half and the lessons half of `make test`
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

# The lessons' budget (lenet_course/lessons/budget.py): "ci" takes the short training paths;
# cells whose output depends on it are tagged nbval-ignore-output and checked by an assertion.
# `make test LENET_COURSE_BUDGET=full` (or the variable in the environment) overrides it.
LENET_COURSE_BUDGET ?= ci

.PHONY: setup lab test test-full test-zh test-lib test-notebooks lint format lessons clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[lab,dev]'
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb

test: export LENET_COURSE_BUDGET := $(LENET_COURSE_BUDGET)
test: $(STAMP) lint
	$(BIN)/python -m pytest tests notebooks --ignore=notebooks/zh $(NBVAL)

test-full: export LENET_COURSE_BUDGET := full
test-full: $(STAMP) lint
	$(BIN)/python -m pytest tests notebooks $(NBVAL)

test-lib: export LENET_COURSE_BUDGET := $(LENET_COURSE_BUDGET)
test-lib: $(STAMP)
	$(BIN)/python -m pytest tests --ignore=tests/browser

test-notebooks: export LENET_COURSE_BUDGET := $(LENET_COURSE_BUDGET)
test-notebooks: $(STAMP)
	$(BIN)/python -m pytest notebooks --ignore=notebooks/zh $(NBVAL)

test-zh: export LENET_COURSE_BUDGET := $(LENET_COURSE_BUDGET)
test-zh: $(STAMP)
	$(BIN)/python -m pytest notebooks/zh $(NBVAL)

# Static checks, run before the tests by `make test` and `make test-full` (configured in
# pyproject.toml): ruff's lint rules, ruff's formatting (check only; `make format` applies it), mypy.
LINTED := lenet_course tests benchmarks scripts site

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format $(LINTED)
	$(BIN)/ruff check --fix $(LINTED)

# Re-run every lesson top to bottom on the full budget and store its outputs (maintainers only;
# `scripts/run_lessons.py 06` re-runs one lesson). Prints each lesson's time.
lessons: $(STAMP)
	$(BIN)/python scripts/run_lessons.py

clean:
	rm -rf $(VENV) .pytest_cache

# The course as a static website in build/site/ (Sphinx + myst-nb, from the stored outputs; no
# notebook is run). Open build/site/index.html, or serve it: python3 -m http.server -d build/site
.PHONY: site
site: $(STAMP)
	$(BIN)/python site/build.py build/site
