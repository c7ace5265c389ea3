# polysecret — make demo (quickstart), make test (every test, real servers included).
SHELL := /bin/bash
GO ?= go
STATICCHECK_VERSION ?= v0.6.1
FUZZTIME ?= 2m
PKGS := ./...

.PHONY: all demo test test-short bench lint servers vault-bin fuzz

all: test

## demo: run the quickstart on an in-memory store
demo:
	$(GO) run ./examples/quickstart

## servers: build (once, cached outside the tree) what the tests start: the Vault dev server
servers vault-bin:
	@bash scripts/vault-dev.sh >/dev/null

## test: vet, then every test under -race against a real Vault dev server
## (built from tools/vault, cached), moto and lockertest; then the same for
## the runtimevar module (runtimevar/, a module of its own) and the polysecret
## command (cmd/polysecret, a module of its own: testscript scripts)
test:
	$(GO) vet $(PKGS)
	@VAULT_BIN="$$(bash scripts/vault-dev.sh)" || { echo "make test: could not build the Vault dev server" >&2; exit 1; }; \
	export VAULT_BIN; \
	$(GO) test -race -count=1 -timeout 15m $(PKGS) && \
	(cd runtimevar && $(GO) vet ./... && $(GO) test -race -count=1 -timeout 5m ./...) && \
	(cd cmd/polysecret && $(GO) vet ./... && $(GO) test -race -count=1 -timeout 10m ./...)
	$(GO) test -count=1 -run 'AllocatesNothing' ./memory/ ./cache/ # allocation counts, which -race distorts

## test-short: the tests that need no external server (core, memory, conformance, and the
## drivers whose test servers run in process)
test-short:
	$(GO) test -race -count=1 . ./backend/... ./memory/... ./conformance/... ./internal/... ./gocdk/... \
		./abeja/... ./datalayer/... ./restapi/... ./locker/... ./audit/... ./faultinject/...

## bench: every benchmark, drivers side by side with the raw SDK on the same server
bench:
	@VAULT_BIN="$$(bash scripts/vault-dev.sh)"; export VAULT_BIN; \
	$(GO) test -run '^$$' -bench . -benchmem -count=1 -timeout 30m $(PKGS) && \
	(cd runtimevar && $(GO) test -run '^$$' -bench . -benchmem -count=1 -timeout 10m ./...) && \
	(cd cmd/polysecret && $(GO) test -run '^$$' -bench . -benchtime 1x -timeout 20m .)

## lint: gofmt, go vet, staticcheck (fetched through the Go module proxy), for
## each module (the library, runtimevar, cmd/polysecret)
lint:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) $(PKGS)
	cd runtimevar && $(GO) vet ./... && $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...
	cd cmd/polysecret && $(GO) vet ./... && $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

## fuzz: run every fuzz target of every package (the library, runtimevar and
## cmd/polysecret), each for FUZZTIME
fuzz:
	@for mod in . runtimevar cmd/polysecret; do \
	  for pkg in $$(cd $$mod && $(GO) list ./...); do \
	    for f in $$(cd $$mod && $(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	      echo "fuzz $$pkg $$f"; \
	      (cd $$mod && $(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$pkg) || exit 1; \
	    done; \
	  done; \
	done
