# Makefile - the lab's entry points. Each target is a thin call into
# c-client/ (the probe), tests/ or lab/scripts/, so every step can also be
# run by hand; `make help` lists them.

SHELL := /bin/bash

.DEFAULT_GOAL := all

help:  ## list the targets
	@echo "h2c interop lab - make targets:"
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z0-9-]+):.*## (.*)/  \1\t\2/' | expand -t 16

all:  ## build the probe (c-client/build/h2c-probe)
	$(MAKE) -C c-client

deps:  ## install the build and local-test packages (apt-get, as root)
	lab/scripts/deps.sh

# Docker + Compose v2 for the e2e-compose suite. Not fatal: without them the
# other suites still run and e2e-compose reports its own failure.
prereqs:  ## make sure Docker and Compose v2 are usable (lab/scripts/prereqs.sh)
	@if [ "$${H2C_SKIP_COMPOSE:-0}" = 1 ]; then echo "prereqs: skipped (H2C_SKIP_COMPOSE=1)"; \
	elif [ -x lab/scripts/prereqs.sh ]; then lab/scripts/prereqs.sh \
	  || echo "prereqs: Docker/Compose not ready; the e2e-compose suite will fail (H2C_SKIP_COMPOSE=1 skips it)"; \
	else echo "prereqs: lab/scripts/prereqs.sh not present yet; skipped"; fi

test:  ## everything: deps if missing, then unit, fuzz smoke, hostile, e2e-local, e2e-compose (tests/run-all.sh)
	lab/scripts/deps.sh
	@$(MAKE) --no-print-directory prereqs
	tests/run-all.sh

unit:  ## unit tests under ASan+UBSan (make -C c-client check)
	$(MAKE) -C c-client check

# Each harness for FUZZ_SECONDS (default 180); `make test` runs the short
# smoke pass (suite "fuzz"). See c-client/fuzz/README.md.
fuzz:  ## run every libFuzzer harness for FUZZ_SECONDS each (c-client/fuzz/)
	$(MAKE) -C c-client fuzz

e2e-local:  ## end-to-end on loopback, no Docker (tests/e2e-local.sh)
	tests/e2e-local.sh

report:  ## run the compose lab once, write reports/<UTC stamp>/ (lab/scripts/report.sh); TARGETS='gevent-* waitress' SCENARIOS='seed-*' for some cells only
	H2C_REPORT_TARGETS='$(TARGETS)' H2C_REPORT_SCENARIOS='$(SCENARIOS)' lab/scripts/report.sh

# Built under their own compose project name: see BUILD_PROJECT in lab/scripts/report.sh.
lab-images:  ## build the Docker images of the lab (lab/scripts/lab-images.sh)
	COMPOSE_PROJECT_NAME=h2c-lab-images lab/scripts/lab-images.sh

# docker-compose.yml and lab/targets.json are generated from the folders' lab.json;
# `make test` (tests/lint.sh) fails while the committed ones are stale.
# RUN=reports/<stamp> picks a run; default reports/latest.
upstream:  ## write reports/<run>/upstream/: the gevent patch, ISSUE-COMMENT.md, ADVISORY.md (lab/scripts/upstream.py)
	lab/scripts/upstream.py write $(RUN)

lab-files:  ## regenerate docker-compose.yml and lab/targets.json from lab/*/*/lab.json
	lab/scripts/lab-files.py

lint:  ## generated files fresh, manifests valid, shellcheck + pyflakes (tests/lint.sh)
	tests/lint.sh

clean:  ## remove build output (c-client/build, build-asan, build-fuzz)
	$(MAKE) -C c-client clean

.PHONY: help all deps prereqs test unit fuzz e2e-local report upstream lab-images lab-files lint clean
