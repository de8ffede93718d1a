# Squall's build and test entry points. `make test` is what CI runs.

GO ?= go
PKGS := ./...

.PHONY: all build test vet fmt-check bench sim-check clean

all: build

build:
	$(GO) build -o squall ./cmd/squall

# test runs every test: formatting, vet, unit and property tests, the
# ZooKeeper conformance suite on the model and on a real ZooKeeper, and the
# scenario seeds. .ci/zk.sh starts a throwaway ZooKeeper for the run
# (installing Debian's package when missing, as root), exports SQUALL_ZK and
# stops it afterwards; with SQUALL_ZK already set it uses that server.
# .ci/promtool.sh installs Debian's prometheus package for promtool when
# missing, and SQUALL_REQUIRE_PROMTOOL makes the /metrics tests fail rather
# than skip without it.
test: fmt-check vet
	./.ci/promtool.sh ensure
	SQUALL_REQUIRE_PROMTOOL=1 ./.ci/zk.sh run -- $(GO) test -count=1 -timeout 9m $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# bench runs the benchmarks whose figures the README reports.
bench:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./sim/ ./storage/ ./realnet/
	$(GO) test -run '^$$' -bench 'ElectionChaosHour|AtLeastOnceChaosHops' -benchtime 3x ./scenarios/
	$(GO) test -run '^$$' -bench 'WorkerPipeline|Codec' -count 3 ./core/task/ ./core/tuple/
	$(GO) test -run '^$$' -bench . -benchtime 20x ./core/scheduler/

clean:
	rm -f squall
