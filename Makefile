# make run    starts the example app, metrics on http://localhost:8080/metrics
# make test   runs every check: formatting, vet, the tests with the race
#             detector on Go 1.26 and Go 1.25 (with the fuzz seed corpus),
#             the allocation tests, the tests against the newest Gin and
#             client_golang, the examples' builds and tests, and the end-to-end
#             tests against real Prometheus, Pushgateway and promtool
# make tools  gets what the end-to-end tests run: Debian's prometheus 2
#             (with promtool) and prometheus-pushgateway, and Prometheus 3
#             with its promtool, built from the module proxy at the version
#             _tools/prometheus pins
# make e2e    the end-to-end tests alone (e2e/), on both Prometheus versions
# make load   sends the monitoring example (_examples/monitoring, started
#             with `go run .` there) a realistic mix of traffic
# make lint   golangci-lint (pinned in _tools/golangci-lint) over every module
# make bench  measures the request path against bare Gin and a hand-rolled
#             client_golang middleware, and prints benchstat and ratio tables
# make fuzz   fuzzes the request path and the scrape for FUZZTIME: FuzzScrape
#             by default, FUZZ=FuzzRequest for the other target

GO        ?= go
# The two Go versions users are served on; GOTOOLCHAIN downloads a missing
# one through the module proxy.
GO126     ?= go1.26.8
GO125     ?= go1.25.14
# go.mod asks for the lowest versions that work; test-newest checks the
# newest ones too, in a copy of the tree.
NEWEST_GIN           ?= v1.12.0
NEWEST_CLIENT_GOLANG ?= v1.25.0
BENCHSTAT ?= $(GO) run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
BENCH_COUNT ?= 10
FUZZTIME  ?= 10m
FUZZ      ?= FuzzScrape

EXAMPLES := $(patsubst %/go.mod,%,$(wildcard _examples/*/go.mod))
TOOLS    := $(patsubst %/go.mod,%,$(wildcard _tools/*/go.mod))

.PHONY: run preflight test lint fmt vet test-go126 test-go125 test-allocs test-newest examples e2e tools load bench fuzz

run:
	cd _examples/basic && $(GO) run .

test: preflight lint fmt vet test-go126 test-go125 test-allocs test-newest examples e2e

# The first step of make test: installs what it needs and is missing (as
# root, with apt-get), or stops at once saying what is missing and how to get
# it. The Prometheus binaries come from make tools.
preflight:
	@MAKE="$(MAKE)" _tools/preflight.sh

# golangci-lint, built through the module proxy at the version that
# _tools/golangci-lint/go.mod pins, runs with the root .golangci.yml over
# the root module, e2e/, every example and every tool. Go's build cache keeps
# the binary and golangci-lint's own cache keeps the results of unchanged
# packages, so a second run takes seconds.
LINT_MODULES = . e2e $(EXAMPLES) $(TOOLS)
lint:
	@set -e; lint=$$(cd _tools/golangci-lint && GOTOOLCHAIN=$(GO126) $(GO) tool -n golangci-lint); \
	status=0; for d in $(LINT_MODULES); do \
		echo "== lint $$d"; \
		(cd $$d && GOTOOLCHAIN=$(GO126) "$$lint" run --allow-parallel-runners --config "$(CURDIR)/.golangci.yml" ./...) || status=1; \
	done; exit $$status

fmt:
	@unformatted=$$(gofmt -l .); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi

vet:
	GOTOOLCHAIN=$(GO126) $(GO) vet ./...

test-go126:
	GOTOOLCHAIN=$(GO126) $(GO) test -race -count=1 ./...

test-go125:
	GOTOOLCHAIN=$(GO125) $(GO) test -race -count=1 ./...

# The allocation tests are built without the race detector, which
# allocates on its own.
test-allocs:
	GOTOOLCHAIN=$(GO126) $(GO) test -count=1 -run 'Allocs' ./...

test-newest:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	tar --exclude=./.git --exclude=./bench -cf - . | tar -C "$$tmp" -xf -; \
	cd "$$tmp"; \
	echo "== gin $(NEWEST_GIN), client_golang $(NEWEST_CLIENT_GOLANG)"; \
	GOTOOLCHAIN=$(GO126) $(GO) get github.com/gin-gonic/gin@$(NEWEST_GIN) github.com/prometheus/client_golang@$(NEWEST_CLIENT_GOLANG); \
	GOTOOLCHAIN=$(GO126) $(GO) mod tidy; \
	GOTOOLCHAIN=$(GO126) $(GO) test -race -count=1 ./...

examples:
	@set -e; for d in $(EXAMPLES) $(TOOLS); do \
		echo "== $$d"; \
		(cd $$d && GOTOOLCHAIN=$(GO126) $(GO) vet ./... && GOTOOLCHAIN=$(GO126) $(GO) build -o /dev/null ./... && \
			GOTOOLCHAIN=$(GO126) $(GO) test -race -count=1 ./...); \
	done

# The end-to-end tests build the examples and run them with the real
# binaries, each test on Debian's Prometheus 2 and on Prometheus 3; they
# fail, saying what to get, when one is missing. The Prometheus 3 that
# _tools/prometheus pins is found in Go's build cache (`go tool -n`);
# GINPROM_PROMETHEUS3 and GINPROM_PROMTOOL3 name other binaries.
e2e:
	cd e2e && GOTOOLCHAIN=$(GO126) $(GO) vet ./... && GOTOOLCHAIN=$(GO126) $(GO) test -race -count=1 ./...

# Debian's packages of the binaries the end-to-end tests run (needs root),
# and Prometheus 3 with its promtool, which `go tool -n` builds once into Go's
# build cache from the module proxy (minutes on 2 cores, then a moment).
E2E_PACKAGES := prometheus prometheus-pushgateway
PROMETHEUS3_TOOLS := prometheus promtool
tools:
	@if command -v prometheus >/dev/null && command -v promtool >/dev/null && command -v prometheus-pushgateway >/dev/null; then \
		echo "prometheus, promtool and prometheus-pushgateway are installed"; \
	else \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(E2E_PACKAGES); \
	fi
	@set -e; cd _tools/prometheus; for t in $(PROMETHEUS3_TOOLS); do \
		p=$$(GOTOOLCHAIN=$(GO126) $(GO) tool -n $$t); echo "$$t 3 (_tools/prometheus) is built: $$p"; \
	done

load:
	cd _examples/monitoring && $(GO) run ./load

# The request benchmarks run in BENCH_COUNT rounds, each running every
# benchmark once, so that the rows of a round ran within a minute of each
# other: a slow spell of the shared host slows a round's rows alike, and the
# ratios benchratio prints, taken within each round, cancel it out.
bench:
	@mkdir -p bench
	$(GO) test -c -o bench/ginprom.test .
	rm -f bench/requests.txt
	for i in $$(seq $(BENCH_COUNT)); do \
		echo "round $$i of $(BENCH_COUNT)"; \
		bench/ginprom.test -test.run '^$$' -test.bench 'Request|NotFound|Decorators' -test.benchmem > bench/round.txt || { cat bench/round.txt; exit 1; }; \
		cat bench/round.txt; cat bench/round.txt >> bench/requests.txt; \
	done
	$(GO) test -run '^$$' -bench 'Scrape' -benchmem -benchtime 20x -count $(BENCH_COUNT) . | tee bench/scrape.txt
	$(GO) test -run '^$$' -bench 'MemoryPerSeries' -benchtime 1x -count 3 . | tee bench/memory.txt
	$(BENCHSTAT) bench/requests.txt bench/scrape.txt
	cat bench/requests.txt bench/scrape.txt bench/memory.txt | (cd _tools/benchratio && $(GO) run .)

fuzz:
	$(GO) test -run '^$$' -fuzz '^$(FUZZ)$$' -fuzztime $(FUZZTIME) .
