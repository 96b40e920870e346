.PHONY: help requirements requirements-py311 requirements-quality system-packages chromium mariadb \
        test test-mysql test-py311 test-integration test-tutor quality demo demo-data shell tick clean-demo \
        upgrade compile-requirements clean \
        benchmark bench bench-full bench-summary gettext translations check-translations
.DEFAULT_GOAL := help

SHELL := /bin/bash

# Interpreters: pyenv's 3.12 / 3.11 where there is one, else pythonX.Y on PATH, else python3.
# Each candidate is run (a pyenv shim can exist without its version being active).
find_python = $(shell for p in "$$(pyenv prefix $(1) 2>/dev/null)/bin/python$(2)" \
                              "$$(pyenv prefix $(2) 2>/dev/null)/bin/python$(2)" python$(2) python3; do \
    "$$p" -c 'import sys; sys.exit(sys.version_info[:2] != tuple(map(int, "$(2)".split("."))))' >/dev/null 2>&1 \
        && { command -v "$$p"; break; }; \
  done)
PYTHON312 ?= $(or $(call find_python,3.12.1,3.12),python3)
PYTHON311 ?= $(or $(call find_python,3.11.7,3.11),python3.11)

VENV := .venv
VENV311 := .venv311
PY := $(VENV)/bin/python
PY311 := $(VENV311)/bin/python
# The Tutor plugin (tutor/) has its own virtualenv: Tutor's dependencies never mix with the Django ones.
VENV_TUTOR := .venv-tutor
PY_TUTOR := $(VENV_TUTOR)/bin/python
REQUIREMENT_FILES := $(filter-out requirements/tutor.txt,$(wildcard requirements/*.txt)) setup.py

export DJANGO_SETTINGS_MODULE := sandbox.settings
MYSQL_URL ?= mysql://root@127.0.0.1:3306/mandatory_assignments
PYTEST_ARGS ?=
# coverage starts before pytest, so that what runs when Django loads the app (models, settings) counts.
PYTEST := -m coverage run -m pytest -m "not integration" $(PYTEST_ARGS)
# The MariaDB and Python 3.11 runs leave out the browser tests: the pages they drive are the same.
PYTEST_NO_BROWSER := -m coverage run -m pytest -m "not integration and not browser" $(PYTEST_ARGS)
COVERAGE_REPORT = -m coverage report

help: ## display this help message
	@echo "Please use \`make <target>' where <target> is one of"
	@awk -F ':.*?## ' '/^[a-zA-Z0-9_-]+:.*?## / {printf "  \033[36m%-20s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# ---------------------------------------------------------------------------- installing

system-packages: ## install the C headers mysqlclient builds against (Debian), when missing
	@if ! pkg-config --exists mysqlclient 2>/dev/null && ! pkg-config --exists mariadb 2>/dev/null; then \
	    if [ "$$(id -u)" = 0 ]; then SUDO=; \
	    elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	    else echo "mysqlclient needs: apt-get install pkg-config default-libmysqlclient-dev (as root)" >&2; exit 1; fi; \
	    echo "Installing pkg-config default-libmysqlclient-dev (for mysqlclient)"; \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq pkg-config default-libmysqlclient-dev; \
	fi

# The browser tests (tests/browser) drive Debian's chromium through Playwright; no browser is downloaded.
chromium: ## install Debian's chromium for the browser tests, when /usr/bin/chromium is missing
	@if [ ! -x /usr/bin/chromium ]; then \
	    if [ "$$(id -u)" = 0 ]; then SUDO=; \
	    elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	    else echo "the browser tests need: apt-get install chromium (as root)" >&2; exit 1; fi; \
	    echo "Installing Debian's chromium (for the browser tests)"; \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; \
	fi

$(PY):
	$(PYTHON312) -m venv $(VENV)

$(PY311):
	$(PYTHON311) -m venv $(VENV311)

# The stamp is newer than every requirements file and setup.py once they are installed.
$(VENV)/.installed: $(REQUIREMENT_FILES) | $(PY)
	$(MAKE) --no-print-directory system-packages
	$(PY) -m pip install -q -r requirements/test.txt
	$(PY) -m pip install -q -e .
	touch $@

$(VENV311)/.installed: $(REQUIREMENT_FILES) | $(PY311)
	$(MAKE) --no-print-directory system-packages
	$(PY311) -m pip install -q -r requirements/test.txt
	$(PY311) -m pip install -q -e .
	touch $@

$(PY_TUTOR):
	$(PYTHON312) -m venv $(VENV_TUTOR)

$(VENV_TUTOR)/.installed: requirements/tutor.txt tutor/pyproject.toml | $(PY_TUTOR)
	$(PY_TUTOR) -m pip install -q -r requirements/tutor.txt
	$(PY_TUTOR) -m pip install -q -e tutor
	touch $@

$(VENV)/.installed-quality: $(VENV)/.installed requirements/quality.txt
	$(PY) -m pip install -q -r requirements/quality.txt
	touch $@

requirements: $(VENV)/.installed ## create .venv (Python 3.12) with the test requirements and the plugin (editable)

requirements-py311: $(VENV311)/.installed ## the same in .venv311 (Python 3.11)

requirements-quality: $(VENV)/.installed-quality ## add the quality tools to .venv

# ---------------------------------------------------------------------------- testing

test: requirements chromium gettext ## Django checks, missing migrations, then the tests with coverage (SQLite)
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) $(PYTEST)
	$(PY) $(COVERAGE_REPORT)

mariadb: ## start MariaDB if nothing listens on 127.0.0.1:3306
	@if ! (exec 3<>/dev/tcp/127.0.0.1/3306) 2>/dev/null; then \
	    echo "Starting MariaDB"; \
	    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd; \
	    for i in $$(seq 60); do (exec 3<>/dev/tcp/127.0.0.1/3306) 2>/dev/null && break; sleep 1; done; \
	fi
	@(exec 3<>/dev/tcp/127.0.0.1/3306) 2>/dev/null || { echo "MariaDB does not listen on 127.0.0.1:3306" >&2; exit 1; }

test-mysql: requirements mariadb gettext ## the tests on MariaDB/MySQL (pytest-django creates the test database)
	DATABASE_URL=$(MYSQL_URL) $(PY) manage.py check
	DATABASE_URL=$(MYSQL_URL) $(PY) $(PYTEST_NO_BROWSER)
	$(PY) $(COVERAGE_REPORT)

test-py311: requirements-py311 gettext ## the tests on Python 3.11 (SQLite)
	$(PY311) manage.py check
	$(PY311) $(PYTEST_NO_BROWSER)
	$(PY311) $(COVERAGE_REPORT)

# A real Celery worker with beat (Redis 127.0.0.1:6379), SMTP on loopback and the MariaDB test database
# test_<name of INTEGRATION_MYSQL_URL>; without MariaDB or Redis the tests skip, or fail when CI=true.
INTEGRATION_MYSQL_URL ?= mysql://root@127.0.0.1:3306/mandatory_assignments_integration
test-integration: requirements ## end-to-end tests (marker "integration") in tests/integration
	@# Two runs: the end-to-end tests' session worker runs beat on the test database, whose ticks would
	@# claim the fault tests' seeded reminders before the ticks those tests race.
	env -u CELERY_BROKER_URL DATABASE_URL=$(INTEGRATION_MYSQL_URL) \
	    $(PY) -m pytest tests/integration -m integration --ignore=tests/integration/test_faults.py $(PYTEST_ARGS)
	env -u CELERY_BROKER_URL DATABASE_URL=$(INTEGRATION_MYSQL_URL) \
	    $(PY) -m pytest tests/integration/test_faults.py -m integration $(PYTEST_ARGS)

quality: requirements-quality ## ruff, import contracts (layers, only compat imports the platform), complete translations, PII annotations, the platform contract
	$(VENV)/bin/ruff check mandatory_assignments tests sandbox tutor scripts bench tools
	$(VENV)/bin/lint-imports
	$(PY) scripts/check_translations.py
	$(VENV)/bin/code_annotations django_find_annotations --config_file .pii_annotations.yml \
	    --app_name mandatory_assignments --lint --report --coverage
	@# Reported, not enforced: the contract table does not know Celery's `.delay` on the platform's
	@# @shared_task reset_student_course (checked in the platform source) nor entry-point group names.
	@if [ -f ../shared/tools/platform_contract.py ]; then $(PY) ../shared/tools/platform_contract.py || true; fi

test-tutor: $(VENV_TUTOR)/.installed ## the Tutor plugin (tutor/): render a Tutor root with it and check the result
	cd tutor && ../$(PY_TUTOR) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

# ---------------------------------------------------------------------------- translations

# The plugin's messages: mandatory_assignments/conf/locale/<language>/LC_MESSAGES/django.po (en: the English
# source catalog; de: German) with the compiled django.mo beside each, committed and packaged. Extracting
# and compiling need GNU gettext (xgettext, msgmerge, msgfmt); checking needs only Babel (in the venv).
TRANSLATION_LANGUAGES := en de
MAKEMESSAGES_OPTS := --ignore 'migrations/*' --ignore 'settings/*' --ignore 'management/*' --no-obsolete

gettext: ## install GNU gettext (Debian), when xgettext is missing: `make translations` extracts with it
	@if ! command -v xgettext >/dev/null 2>&1; then \
	    if [ "$$(id -u)" = 0 ]; then SUDO=; \
	    elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	    else echo "extracting messages needs: apt-get install gettext (as root)" >&2; exit 1; fi; \
	    echo "Installing GNU gettext (for make translations)"; \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq gettext; \
	fi

# makemessages runs inside the package (it finds conf/locale there); new messages arrive untranslated,
# and the check then names them: translate them in de/LC_MESSAGES/django.po and run this again.
translations: requirements gettext ## extract the messages into conf/locale, compile them, check that German misses none
	cd mandatory_assignments && PYTHONPATH=$(CURDIR) ../$(VENV)/bin/django-admin makemessages \
	    $(addprefix --locale=,$(TRANSLATION_LANGUAGES)) $(MAKEMESSAGES_OPTS)
	cd mandatory_assignments && PYTHONPATH=$(CURDIR) ../$(VENV)/bin/django-admin compilemessages
	$(PY) scripts/check_translations.py

check-translations: requirements ## check the catalogs: German complete and nothing fuzzy, placeholders kept, .mo compiled
	$(PY) scripts/check_translations.py

# ---------------------------------------------------------------------------- benchmarks

# bench/ (issue 10; bench/README.md explains every figure and its reference): each benchmark prints its
# tables and writes bench/results/<name>.json. SQLite by default (files in var/bench/); with
# DATABASE_URL=mysql://root@127.0.0.1:3306/ma_bench on MariaDB (a database whose name says "bench":
# dropped and re-created). The Celery-worker benchmark needs Redis (BENCH_BROKER, a database of its own,
# flushed) and says so when it is not there. `make bench-full` runs the issue's full sizes (hours).
BENCH_BROKER ?= redis://127.0.0.1:6379/11
BENCH_ARGS ?=

bench: requirements ## bench/: bulk, the tick (claim, send, Celery workers), the staff list and export, the courseware banner
	$(PY) bench/bulk.py $(BENCH_ARGS)
	$(PY) bench/tick_claim.py $(BENCH_ARGS)
	$(PY) bench/tick_send.py $(BENCH_ARGS)
	$(PY) bench/tick_workers.py --broker $(BENCH_BROKER) $(BENCH_ARGS)
	$(PY) bench/staff_list.py $(BENCH_ARGS)
	$(PY) bench/banner.py $(BENCH_ARGS)
	$(PY) bench/tick_history.py $(BENCH_ARGS)

bench-full: export BENCH_RESULTS_DIR := $(CURDIR)/bench/results/bench-full
bench-full: requirements ## bench/ at the issue's full sizes: bulk of 50,000, 100,000 emails, the whole export
	$(PY) bench/bulk.py --sizes 1000 10000 50000 --variants job bulk_assign
	$(PY) bench/tick_claim.py
	$(PY) bench/tick_send.py --emails 100000
	$(PY) bench/tick_workers.py --emails 20000 --broker $(BENCH_BROKER)
	$(PY) bench/staff_list.py --export-rows 0
	$(PY) bench/banner.py
	$(PY) bench/tick_history.py

bench-summary: ## every target of the last runs (bench/results/*.json), as Markdown
	$(PY) bench/summary.py

benchmark: bench ## the same as `make bench`

# Mutation run (tools/mutation.py): small wrong versions of delivery, the tick, reminder timing and
# evidence, each run against the fast SQLite tests that execute the changed line; prints per module the
# mutants killed, survived and marked equivalent (with reasons), and the survivors' diffs. Slow (tens of
# minutes): not part of `make test` or CI. MUTATION_ARGS adds options, e.g. "--module delivery",
# "--suite" (select from the whole SQLite suite), "--min-score 90", "--jobs 2".
.PHONY: mutation
MUTATION_ARGS ?=
mutation: requirements ## mutation run over delivery, tick, reminder timing and evidence (slow; not in CI)
	$(PY) tools/mutation.py $(MUTATION_ARGS)

# ---------------------------------------------------------------------------- demo

# The demo's data: var/demo.sqlite3 (relative to the repository) and the emails in var/emails/, with
# company scoping on (the seed has two companies). `make shell` and `make tick` work on the same data.
DEMO_DB := var/demo.sqlite3
DEMO_EMAILS := $(CURDIR)/var/emails
DEMO_TICK_SECONDS ?= 60
demo shell tick: export DATABASE_URL := sqlite:///$(DEMO_DB)
demo shell tick: export EMAIL_BACKEND := django.core.mail.backends.filebased.EmailBackend
demo shell tick: export EMAIL_FILE_PATH := $(DEMO_EMAILS)
demo shell tick: export MANDATORY_ASSIGNMENTS_SCOPE := site

# Ctrl-C stops runserver; the shell's EXIT trap then stops the tick loop, which stops the tick or the
# sleep it is waiting for (background jobs of a non-interactive shell ignore Ctrl-C themselves). The
# loop's ticks log at WARNING: the command prints one line per tick, only when the tick did something.
demo: requirements ## the sandbox with demo data on http://127.0.0.1:8000 (Ctrl-C stops it; emails on /sandbox/emails/)
	@mkdir -p $(DEMO_EMAILS)
	@echo "Migrating $(DEMO_DB)"
	@$(PY) manage.py migrate --verbosity 0
	@$(PY) manage.py seed_demo
	@echo "The tick runs every $(DEMO_TICK_SECONDS) s (a line appears when it sends or marks something)."
	@echo "Open http://127.0.0.1:8000/ (Ctrl-C stops the demo; make demo again keeps its data, make clean-demo drops it)"
	@trap 'kill $$TICK 2>/dev/null; wait $$TICK 2>/dev/null; echo "Demo stopped."' EXIT; \
	trap 'exit 0' INT TERM; \
	( trap 'kill $$CHILD 2>/dev/null; exit 0' TERM; \
	  while true; do \
	      SANDBOX_LOG_LEVEL=WARNING $(PY) manage.py mandatory_assignments_tick --changes-only & CHILD=$$!; \
	      wait $$CHILD; \
	      sleep $(DEMO_TICK_SECONDS) & CHILD=$$!; \
	      wait $$CHILD; \
	  done ) & TICK=$$!; \
	$(PY) manage.py runserver 127.0.0.1:8000

demo-data:
	@test -f $(DEMO_DB) || { echo "No demo data in $(DEMO_DB) yet: run make demo first." >&2; exit 1; }

shell: demo-data ## a Django shell on the demo's data (var/demo.sqlite3), e.g. beside a running make demo
	$(PY) manage.py shell

# NOW=2027-01-15T00:05 (read in UTC, the sandbox's TIME_ZONE) or DAYS=7 (from now); neither: now.
tick: demo-data ## one tick on the demo's data as of NOW=<ISO moment> or DAYS=<n> from now
	SANDBOX_LOG_LEVEL=WARNING $(PY) manage.py mandatory_assignments_tick $(if $(NOW),--now $(NOW),$(if $(DAYS),--now $$($(PY) -c \
	    'import datetime as d; print((d.datetime.now(d.timezone.utc) + d.timedelta(days=$(DAYS))).isoformat(timespec="minutes"))')))

clean-demo: ## remove the demo's data (var/demo.sqlite3 with its write-ahead log, and var/emails/)
	rm -rf $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm $(DEMO_EMAILS)

# ---------------------------------------------------------------------------- requirements files

# uv resolves each requirements/<name>.in once for every Python from 3.11 up (--universal): a package
# whose newest release fits only part of that range gets one pin per range, with an environment marker.
# uv itself comes from PyPI into .venv (requirements/uv.txt). An existing requirements/<name>.txt keeps
# its pins unless --upgrade is given.
REQUIREMENT_INS := uv base test quality dev tutor

compile-requirements: export UV_CUSTOM_COMPILE_COMMAND := make upgrade
compile-requirements: | $(PY) ## compile requirements/*.in to *.txt, keeping current pins
	$(PY) -m pip install -q -r requirements/uv.txt
	$(MAKE) --no-print-directory system-packages
	set -e; for name in $(REQUIREMENT_INS); do \
	    $(VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 $(COMPILE_OPTS) \
	        -o requirements/$$name.txt requirements/$$name.in; \
	done

upgrade: ## update requirements/*.txt to the newest releases that requirements/*.in and constraints allow
	$(MAKE) compile-requirements COMPILE_OPTS="--upgrade"

clean: ## remove the virtualenvs, build and test artefacts, and the demo's data
	rm -rf $(VENV) $(VENV311) $(VENV_TUTOR) .tox build dist *.egg-info .coverage .coverage.* coverage.xml htmlcov \
	    .pytest_cache pii_report var
	find . -name '__pycache__' -type d -prune -exec rm -rf {} +
