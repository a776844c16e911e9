# nhgraph: the two commands a newcomer needs are `make demo` and `make test`.
# Everything they need (a Python virtualenv, the Neo4j jars from Maven Central) is installed by
# `make setup`, which they call first and which does nothing when it is already done.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
NHGRAPH := $(VENV)/bin/nhgraph
JARS_STAMP := neo4j/target/lib/.fetched
JENA_STAMP := jena/target/lib/.fetched
FHIR_STAMP := fhir/target/lib/.fetched
CONFORMANCE_STAMP := conformance/node_modules/.installed
WEB_STAMP := nhgraph/web/static/vendor/manifest.json

.DEFAULT_GOAL := help
.PHONY: help setup neo4j-start neo4j-stop neo4j-status demo test bench lint sdl persisted

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-12s %s\n", $$1, $$2}'

setup: $(VENV)/.installed $(JARS_STAMP) $(JENA_STAMP) $(FHIR_STAMP) $(CONFORMANCE_STAMP) $(WEB_STAMP) ## Install the package (in .venv), fetch the Neo4j, Jena and FHIR validator jars and the web app's npm packages

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

$(JARS_STAMP): neo4j/pom.xml
	@command -v java >/dev/null || { echo "Java 17+ is needed to run Neo4j without Docker"; exit 1; }
	@command -v mvn >/dev/null || { echo "Maven is needed to fetch the Neo4j jars"; exit 1; }
	mvn -q -B -f neo4j/pom.xml dependency:copy-dependencies
	@touch $@

# Apache Jena's SHACL engine: the second engine the shape tests compare pyshacl with.
$(JENA_STAMP): jena/pom.xml
	mvn -q -B -f jena/pom.xml dependency:copy-dependencies
	@touch $@

# The HL7 FHIR validator (HAPI FHIR 8.8.0): the tests validate nhgraph's FHIR resources with
# it against UK Core STU2 (fhir/Validate.java, one JVM for the whole suite).
$(FHIR_STAMP): fhir/pom.xml
	mvn -q -B -f fhir/pom.xml dependency:copy-dependencies
	@touch $@

# graphql-http's GraphQL-over-HTTP audits (tests/test_conformance.py), from the npm registry as
# locked in conformance/package-lock.json. Without npm this is skipped (no stamp, so it is
# tried again next time) and the test skips, except under CI, where it fails.
$(CONFORMANCE_STAMP): conformance/package.json conformance/package-lock.json
	@if command -v npm >/dev/null; then \
		echo "npm ci --prefix conformance"; \
		npm ci --prefix conformance --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm not found: the GraphQL-over-HTTP conformance test will not run (Node.js 18+ and npm needed)"; \
	fi

# The web app's npm packages (nhsuk-frontend, maplibre-gl; axe-core for its tests), as locked in
# web/package-lock.json, copied into nhgraph/web/static/vendor/ (git ignores it), so nothing is
# fetched from a CDN at run time. Without npm the app's page says so and its tests skip,
# except under CI, where they fail.
$(WEB_STAMP): web/package.json web/package-lock.json nhgraph/web/vendor.py $(VENV)/.installed
	@if command -v npm >/dev/null; then \
		echo "npm ci --prefix web"; \
		npm ci --prefix web --ignore-scripts --no-audit --no-fund --loglevel=error && $(PY) -m nhgraph.web.vendor; \
	else \
		echo "npm not found: the web app will not be served (Node.js 20+ and npm needed)"; \
	fi

neo4j-start: setup ## Start the project's Neo4j (bolt://127.0.0.1:7687)
	$(NHGRAPH) neo4j start

neo4j-stop: setup ## Stop the project's Neo4j
	$(NHGRAPH) neo4j stop

neo4j-status: setup ## Is the project's Neo4j running?
	$(NHGRAPH) neo4j status

demo: setup ## The main job: start Neo4j, load London, validate, serve GraphQL
	$(NHGRAPH) demo

test: setup ## Run the tests against a real Neo4j (started for the run), with coverage and its floor
	$(PY) -m pytest --cov --cov-report=term:skip-covered --durations=25 $(PYTEST_ARGS)

bench: setup ## Run the benchmarks; figures go to bench/results/
	$(PY) -m bench

lint: setup ## ruff (lint and format check), mypy and the import contracts (the layers)
	$(VENV)/bin/ruff check nhgraph tests bench
	$(VENV)/bin/ruff format --check nhgraph tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

sdl: setup ## Write the GraphQL schema to nhgraph/graphql/schema.graphql (a test checks it is current)
	$(PY) -c 'from nhgraph.graphql.schema import SDL_PATH, sdl; SDL_PATH.write_text(sdl(), encoding="utf-8")'

persisted: setup ## Write the persisted operations' manifest and the web app's operations.mjs (a test checks they are current)
	$(PY) -m nhgraph.graphql.persisted
