# Two commands a newcomer needs: `make demo` and `make test`. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
export OMP_NUM_THREADS ?= 2

.PHONY: install test test-unit test-integration demo bench labelstudio-up labelstudio-down clean

install: $(STAMP)

# torch==2.13.0 is pinned in the same install command as everything else so pip takes the local CPU
# build instead of a multi-GB CUDA one.
$(STAMP): requirements.lock pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

test: install
	$(PY) -m pytest -q tests

test-unit: install
	$(PY) -m pytest -q tests/unit

test-integration: install
	$(PY) -m pytest -q tests/integration

demo: install
	bash deploy/demo.sh

bench: install
	$(PY) benchmarks/run_all.py

# A local Label Studio for the lake (CURATE_LAKE or ./lake; or LAKE=path), installed into .ls-venv/ on first use.
labelstudio-up: install
	$(VENV)/bin/curate $(if $(LAKE),--lake $(LAKE)) labelstudio up

labelstudio-down: install
	$(VENV)/bin/curate $(if $(LAKE),--lake $(LAKE)) labelstudio down

clean:
	rm -rf $(VENV) lake demo-lake .pytest_cache
