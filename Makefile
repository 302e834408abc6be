# Two entry points, both doing all set-up on first use:
#   make lab    create/reuse .venv, install the course, open it in JupyterLab
#   make test   create/reuse .venv, install the course, run every test (library, lessons, browser)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: setup lab test test-lib test-notebooks clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb

test: $(STAMP)
	$(BIN)/python -m pytest tests notebooks $(NBVAL)

test-lib: $(STAMP)
	$(BIN)/python -m pytest tests --ignore=tests/browser

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest notebooks $(NBVAL)

clean:
	rm -rf $(VENV) .pytest_cache
