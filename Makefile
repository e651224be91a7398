# `make run` and `make test` are the two commands; each installs what is missing
# (Debian packages, the pinned service binaries in bin/) and starts the real
# services. .ci/run calls `make test`.
SHELL := /bin/bash
# CI may run without HOME; Go's build cache and ours live under it.
HOME ?= /root
export HOME
export GOFLAGS := -buildvcs=false
PKGS := ./...

.PHONY: run test deps tools build lint check generate bench

run: deps tools build
	bin/marquee dev $(ARGS)

test: deps tools build lint check
	bin/marquee stack -- go test -race -count=1 -timeout 30m $(PKGS)

deps:
	@deploy/deps.sh

tools:
	@deploy/tools.sh
	@deploy/npm-tools.sh

build:
	go build -o bin/marquee ./cmd/marquee

lint:
	go vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v /testdata/)); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	bin/staticcheck ./...

# Generated code must match its sources: regenerate and fail if anything changed.
GENERATED = graph/generated/*.go graph/model/*.go graph/*.resolvers.go */internal/*sql/*.go
check:
	@before=$$(cat $(GENERATED) | sha256sum); $(MAKE) -s generate; \
	  after=$$(cat $(GENERATED) | sha256sum); \
	  if [ "$$before" != "$$after" ]; then echo "generated code was stale: review and commit the regenerated files"; exit 1; fi

generate:
	bin/sqlc generate
	go run ./graph/gqlgen

bench: deps tools build
	bin/marquee stack -- go test -run '^$$' -bench . -benchtime 3s ./bench/...
