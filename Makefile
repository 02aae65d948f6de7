# Two commands on a fresh clone: `make demo` and `make test`. Both install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PO := $(wildcard missive/locale/*/LC_MESSAGES/missive.po)
MO := $(PO:.po=.mo)

.PHONY: install lock catalogs demo test lint typecheck layers pytest bench clean

# Byte-code is written as a regular (non-editable) install would: with PYTHONDONTWRITEBYTECODE
# set, every command would otherwise compile missive's modules again at start-up.
install: $(STAMP) catalogs
	$(BIN)/python -m compileall -q missive

# The versions CI tested are locked in requirements.lock (runtime and dev, written by
# pip-tools: `make lock`); the package itself goes in on top, without resolving again.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# After a change of dependencies in pyproject.toml: resolve them again and pin the result.
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --extra dev --strip-extras --no-emit-index-url \
		--no-emit-find-links --output-file requirements.lock pyproject.toml

# gettext catalogs are compiled with Babel at build time; .mo files are never committed.
catalogs: $(MO)

missive/locale/%/LC_MESSAGES/missive.mo: missive/locale/%/LC_MESSAGES/missive.po $(STAMP)
	$(BIN)/pybabel compile --statistics -D missive -i $< -o $@

demo: install
	$(BIN)/python send.py demo --out out/demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

# The layer contract and which stage owns each library: [tool.importlinter] in pyproject.toml.
layers: install
	$(BIN)/lint-imports

pytest: install
	$(BIN)/python -m pytest -q

test: lint typecheck layers pytest

# The peers: WeasyPrint (needs Debian's pango) and the mailmerge CLI.
bench: install
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	-ldconfig -p | grep -q libpangoft2 || (apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0)
	$(BIN)/python bench/render.py
	$(BIN)/python bench/send.py

clean:
	rm -rf $(VENV) out build *.egg-info missive/locale/*/LC_MESSAGES/*.mo
