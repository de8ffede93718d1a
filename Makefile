# Squall's build and test entry points. `make test` is what CI runs.

GO ?= go
PKGS := ./...

.PHONY: all build test vet fmt-check bench sim-check mutants clean

all: build

build:
	$(GO) build -o squall ./cmd/squall

# test runs every test: formatting, vet, unit and property tests, the
# ZooKeeper conformance suite on the model and on a real ZooKeeper, and the
# scenario seeds. .ci/zk.sh starts a throwaway ZooKeeper for the run
# (installing Debian's package when missing, as root), exports SQUALL_ZK and
# stops it afterwards; with SQUALL_ZK already set it uses that server.
# .ci/chromium.sh installs Debian's chromium when missing (as root) for the
# web UI's browser test, which SQUALL_REQUIRE_BROWSER=1 forbids to skip;
# .ci/promtool.sh installs Debian's prometheus package for promtool, and
# SQUALL_REQUIRE_PROMTOOL=1 makes the /metrics tests fail rather than skip
# without it.
test: fmt-check vet
	./.ci/chromium.sh ensure >/dev/null
	./.ci/promtool.sh ensure
	SQUALL_REQUIRE_BROWSER=1 SQUALL_REQUIRE_PROMTOOL=1 ./.ci/zk.sh run -- $(GO) test -count=1 -timeout 9m $(PKGS)

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

# mutants applies each planted bug of scenarios/testdata/mutants to a scratch
# copy and requires the swarm to catch it within the patch's seeds (minutes).
mutants:
	./.ci/mutants.sh

clean:
	rm -f squall
