#!/bin/sh
# mutants.sh applies each planted bug of scenarios/testdata/mutants (or the
# patches named as arguments) to a scratch copy of the working tree, runs the
# swarm there over the patch's "Seeds:" range and requires a seed to fail
# with a violation containing its "Expect:" text. It prints one line per
# mutant (caught at which seed, or missed) and the score, and exits 1 if a
# mutant was missed or no longer applies. `make mutants` runs it; it takes
# minutes, so it is not part of `make test` (TestMutantsApply checks there
# that every patch still applies).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
go=${GO:-go}
if [ $# -eq 0 ]; then
	set -- scenarios/testdata/mutants/*.patch
fi
scratch=$(mktemp -d "${TMPDIR:-/tmp}/squall-mutants.XXXXXX")
trap 'rm -rf "$scratch"' EXIT INT TERM
total=0
caught=0
for patch in "$@"; do
	name=$(basename "$patch" .patch)
	seeds=$(sed -n 's/^Seeds: *//p' "$patch" | head -1)
	want=$(sed -n 's/^Expect: *//p' "$patch" | head -1)
	total=$((total + 1))
	dir="$scratch/$name"
	mkdir -p "$dir"
	# The working tree as it is (committed or not), without its .git.
	tar -C "$root" --exclude=./.git --exclude=./squall --exclude=./swarm-failures -cf - . | tar -C "$dir" -xf -
	if ! (cd "$dir" && git apply --whitespace=nowarn "$root/$patch"); then
		echo "mutant $name: the patch no longer applies"
		continue
	fi
	out="$scratch/$name.json"
	(cd "$dir" && GOFLAGS=-buildvcs=false $go run ./cmd/squall sim swarm --seeds "$seeds" --json \
		--out "$scratch/$name-failures" >"$out" 2>"$scratch/$name.err")
	first=$(grep -v '"summary"' "$out" | grep '"verdict":"fail"' | grep -F -- "$want" | head -1 |
		sed 's/^{"seed":\([0-9]*\),.*/\1/')
	failed=$(grep -c '"verdict":"fail"' "$out")
	if [ -n "$first" ]; then
		caught=$((caught + 1))
		echo "mutant $name: caught at seed $first ($failed of seeds $seeds failed; want \"$want\")"
	else
		echo "mutant $name: MISSED over seeds $seeds ($failed failed, none with \"$want\")"
		tail -3 "$scratch/$name.err"
	fi
	rm -rf "$dir"
done
echo "mutation score: $caught/$total caught"
[ "$caught" -eq "$total" ]
