# The two commands a fresh machine needs: `make book` and `make test`.
# Only Python 3 and make are assumed; everything else is installed here.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
STAMP_RUN  := $(VENV)/.runtime-installed
STAMP_TEST := $(VENV)/.test-installed
STAMP_NPM  := node_modules/.initlab-installed
export MPLBACKEND := Agg
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: book test test-fast exercises bench serve clean lint lab

$(STAMP_RUN): requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

$(STAMP_TEST): $(STAMP_RUN) requirements-test.txt
	$(PIP) install --quiet -r requirements-test.txt -c constraints.txt
	bash tools/install-browser.sh
	bash tools/install-bubblewrap.sh
	touch $@

# MathJax and the widget scripts the book serves itself (package.json, package-lock.json).
$(STAMP_NPM): package.json package-lock.json
	bash tools/install-node-assets.sh
	touch $@

## book: build the HTML book into _build/html (warnings are errors)
book: $(STAMP_RUN) $(STAMP_NPM)
	$(BIN)/jupyter-book build . -W -n --keep-going

## test: install what the tests need and run them all
# pytest-xdist, TEST_JOBS workers (one per core of the 2-core machines): whole files go to a
# worker (a notebook's cells share one kernel; module fixtures such as the book build and the
# grading battery run once), in collection order, so the slow modules start first.
TEST_JOBS ?= 2
test: $(STAMP_TEST) $(STAMP_NPM)
	$(BIN)/python -m pytest -p no:cacheprovider -n $(TEST_JOBS) --dist loadfile --no-loadscope-reorder

## exercises: regenerate exercises/ from solutions/
exercises: $(STAMP_RUN)
	$(BIN)/initlab exercises

## bench: print the performance figures
bench: $(STAMP_TEST)
	$(BIN)/python benchmarks/run_all.py

## lab: open the exercises in JupyterLab, its interface in Russian (.jupyter/labconfig)
lab: $(STAMP_RUN)
	JUPYTER_CONFIG_PATH=$(CURDIR)/.jupyter $(BIN)/jupyter lab --ServerApp.root_dir=$(CURDIR)/exercises

## serve: serve the built book on http://localhost:8000
serve:
	$(BIN)/python -m http.server --directory _build/html 8000

lint: $(STAMP_TEST)
	$(BIN)/ruff check initlab tests benchmarks

clean:
	rm -rf _build .pytest_cache
