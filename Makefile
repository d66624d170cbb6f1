# Two commands do everything on a fresh Debian machine (see README.md):
#   make demo   set up, then run the main job (derive, verify, check, export, train, render out/report.pdf)
#   make test   set up, then lint, type-check and run the whole test suite (Hypothesis profile "ci")
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.gdssm-installed
PACKAGES := gdssm symbolic numeric proofs reports

.PHONY: demo test setup tex coq lint typecheck bench

setup: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first, pinned to the local CPU build; then the package, editable, with its dev tools.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

tex:
	@bash scripts/ensure-debian-packages.sh "TeX" "the report will be written as .tex only" texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-pictures latexmk poppler-utils

# coqc and MathComp for the Coq route (apt when root; otherwise one line says what to install).
coq:
	@bash scripts/ensure-debian-packages.sh "Coq and MathComp" "the claims will not be Coq-checked" coq libcoq-mathcomp-ssreflect libcoq-mathcomp-algebra

demo: setup tex coq
	@bash scripts/demo.sh

# ruff, then the import contract of pyproject.toml (layers, no torch below numeric, no cycles; docs/DESIGN.md §3.2).
lint: setup
	$(BIN)/ruff check $(PACKAGES) tests benchmarks
	$(BIN)/lint-imports --no-cache --no-logo

typecheck: setup
	$(BIN)/mypy

test: setup tex coq lint typecheck
	HYPOTHESIS_PROFILE=ci $(BIN)/pytest -n 2 -q

bench: setup
	$(BIN)/python -m benchmarks
