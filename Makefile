# CarbonDot: `make run` installs, migrates, seeds and serves; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
export FLASK_APP := wsgi:app

.PHONY: install run test lint lock migrate seed translations clean

# Installs exactly what requirements.lock pins (every transitive dependency too).
$(BIN)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pybabel compile -d app/translations
	touch $@

install: $(BIN)/.installed

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo

run: export CARBONDOT_ENV := development
run: export FAKE_WALLETS ?= 1
run: seed
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# Production: needs SECRET_KEY and BASE_URL (and DATABASE_URL, REDIS_URL) in the environment.
serve: install
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: install
	$(BIN)/pytest -q -n 2 -p no:cacheprovider tests

# ruff, then mypy on the domain (app/services; its settings are in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

# Re-resolve requirements.lock after editing requirements.txt or requirements-dev.txt (pip-tools).
lock: install
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		--output-file requirements.lock requirements.txt requirements-dev.txt


# Re-run after adding strings: extracts templates and Python, merges into both catalogues
# (then translate the new entries; tests/test_translations.py fails until every one is done).
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -k Nn_:1,2 -k Nc_:1c,2 --no-location --sort-output -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-wrap --ignore-obsolete
	$(BIN)/pybabel compile -d app/translations

clean:
	rm -rf $(VENV) instance .pytest_cache
