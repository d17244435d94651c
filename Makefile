# Every target works on a fresh machine with only Go installed: tools are run
# through the Go module proxy at pinned versions.

SHELL       := /bin/bash
GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHSTAT   := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
# The root module plus every other module of the repo that exists.
MODULES     := . $(foreach m,conformance examples,$(if $(wildcard $(m)/go.mod),$(m)))
COUNT       ?= 6

.PHONY: test fmt-check vet staticcheck unit demo bench bench-figures bench-parallel cover soak fuzz api

test: fmt-check vet staticcheck unit

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	@for m in $(MODULES); do echo "go vet ($$m)"; (cd $$m && $(GO) vet ./...) || exit 1; done

staticcheck:
	@for m in $(MODULES); do echo "staticcheck ($$m)"; (cd $$m && $(GO) run $(STATICCHECK) ./...) || exit 1; done

# The conformance module runs without the race detector: gofalcon's generated
# models take about ten minutes to build with -race on two cores, and the
# emulator it drives is race-tested in the root module.
unit:
	@for m in $(MODULES); do \
	  race=-race; [ "$$m" = conformance ] && race=; \
	  echo "go test $$race ($$m)"; (cd $$m && $(GO) test $$race -count=1 ./...) || exit 1; \
	done

# Rewrite api/falcon.txt, the golden file of the exported API, after a
# deliberate API change (record it in CHANGELOG.md too).
api:
	$(GO) test -run '^TestExportedAPI$$' -update-api -count=1 .

demo:
	cd examples && $(GO) run ./quickstart

# Benchmarks, COUNT runs each (about nine minutes on two cores, the figure
# and parallel benchmarks included), summarised
# with benchstat. SDK and floor client run in the same process, so compare
# their ratios rather than absolute times on a shared machine.
bench:
	set -o pipefail; $(GO) test -run='^$$' -bench=. -benchmem -count=$(COUNT) ./... | tee bench.txt
	$(GO) run $(BENCHSTAT) bench.txt

# The figures of sequential latency and rate limiting (BenchmarkFigures* in
# the root package: wall time over pages × latency for the SDK and the floor
# client, 429s and the share of the limit used), FIGCOUNT runs of three
# iterations each. make bench runs them too, with the other benchmarks.
FIGCOUNT ?= 3
bench-figures:
	set -o pipefail; $(GO) test -run='^$$' -bench='^BenchmarkFigures' -benchtime=3x -count=$(FIGCOUNT) . | tee bench-figures.txt
	$(GO) run $(BENCHSTAT) bench-figures.txt

# The parallel walk's figures (ioc/parallel_bench_test.go), run three
# times: wall-ratio (Parallel 8 over sequential, 200,000 indicators at
# 50 ms per request) and heap-ratio (peak live heap at 1,000,000 indicators
# over at 100,000). About forty seconds on two cores.
bench-parallel:
	$(GO) test -run='^$$' -bench='^BenchmarkParallel' -benchtime=1x -count=3 -timeout=30m ./ioc/

soak:
	$(GO) test -run='Soak' -tags soak -count=1 -timeout=30m ./...

FUZZTIME ?= 60s
# Each fuzz target of the root module for FUZZTIME. A failing input is saved
# in the package's testdata/fuzz, where go test replays it from then on.
fuzz:
	@for p in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$p | grep '^Fuzz'); do \
	    echo "fuzz $$p $$t"; $(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) -parallel=1 $$p || exit 1; \
	  done; \
	done

cover:
	$(GO) test -coverprofile=cover.out ./...
	$(GO) tool cover -func=cover.out | tail -1
