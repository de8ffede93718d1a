package grouping

import (
	"math/rand/v2"
	"slices"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/topology"
)

// shuffleRouter sends each tuple to the next task of a random permutation of
// its candidates and draws a new permutation once it has used them all, as
// Storm 0.9 did. Every candidate therefore gets exactly one tuple per round of
// len(candidates) tuples: at any moment the counts differ by at most one,
// which independent uniform draws would not give, and the order within a
// round is uniform, so no candidate is favoured by position. (Storm 1 and 2
// shuffle once and then cycle; redrawing costs one rng draw per tuple and
// removes the fixed period.)
//
// Shuffle and none groupings use all targets as candidates; local-or-shuffle
// and local-first use the subset Placement.nearest picks.
type shuffleRouter struct {
	notDirect
	perm []core.TaskID // the candidates, in this round's order
	next int           // the position in perm of the next tuple's task
	rng  *rand.Rand
}

func newShuffle(kind topology.GroupingKind, candidates []core.TaskID, rng *rand.Rand) *shuffleRouter {
	core.Assert(len(candidates) > 0, "shuffle router without candidates")
	perm := slices.Clone(candidates)
	// next at the end: the first Route draws the first permutation.
	return &shuffleRouter{notDirect: notDirect{kind}, perm: perm, next: len(perm), rng: rng}
}

func (r *shuffleRouter) Route(_ []any, dst []core.TaskID) []core.TaskID {
	if r.next == len(r.perm) {
		r.routeReshuffle()
	}
	t := r.perm[r.next]
	r.next++
	return append(dst, t)
}

// routeReshuffle permutes perm in place (Fisher-Yates, uniform whatever the
// previous order) and starts a round. One candidate draws nothing.
func (r *shuffleRouter) routeReshuffle() {
	for i := len(r.perm) - 1; i > 0; i-- {
		j := r.rng.IntN(i + 1)
		r.perm[i], r.perm[j] = r.perm[j], r.perm[i]
	}
	r.next = 0
}
