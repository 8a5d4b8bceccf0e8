# The two commands the README promises, plus the checks CI runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install run test lint bench clean

$(BIN)/joanbot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/joanbot

## Installs, then runs the product on the embedded SQLite default.
run: install
	$(BIN)/joanbot demo

## Installs, then runs lint, types and the whole test suite (SQLite, plus PostgreSQL when
## TEST_DATABASE_URL is set).
test: install lint
	$(BIN)/python -m pytest -n auto

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build *.egg-info
