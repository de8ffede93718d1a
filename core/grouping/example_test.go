package grouping_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/grouping"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/topology"
)

// A split bolt's task routes words to the four tasks of a count bolt: by
// word, so each word is counted in one place, and round by round at random
// for a shuffle grouping.
func ExampleNew() {
	rng := rand.New(rand.NewPCG(1, 2))
	counters := []core.TaskID{4, 5, 6, 7}
	byWord, err := grouping.New(
		topology.Grouping{Kind: topology.GroupFields, Fields: []string{"word"}},
		[]string{"word"}, counters, grouping.Placement{}, rng)
	if err != nil {
		panic(err)
	}
	var dst []core.TaskID // reused: routing allocates nothing once it has grown
	for _, w := range []string{"storm", "squall", "storm", "gale"} {
		dst = byWord.Route([]any{w}, dst[:0])
		fmt.Println(w, "→", dst)
	}

	shuffle, _ := grouping.New(topology.Grouping{Kind: topology.GroupShuffle}, []string{"word"}, counters, grouping.Placement{}, rng)
	dst = dst[:0]
	for range 8 {
		dst = shuffle.Route(nil, dst)
	}
	fmt.Println("shuffle, two rounds:", dst)
	// Output:
	// storm → [7]
	// squall → [6]
	// storm → [7]
	// gale → [5]
	// shuffle, two rounds: [6 7 5 4 7 4 6 5]
}

// A local-or-shuffle grouping keeps tuples in the emitter's worker when a
// target runs there.
func ExampleLocate() {
	workers := []protocol.WorkerAssignment{
		{Supervisor: "s1", Host: "h1", Port: 6700, Tasks: []core.TaskID{1, 4}},
		{Supervisor: "s2", Host: "h2", Port: 6700, Tasks: []core.TaskID{2, 3, 5}},
	}
	here := grouping.Locate(workers, "s1", 6700) // task 1 emits, from s1:6700
	r, _ := grouping.New(topology.Grouping{Kind: topology.GroupLocalOrShuffle}, nil,
		[]core.TaskID{3, 4, 5}, here, rand.New(rand.NewPCG(1, 2)))
	fmt.Println(r.Route(nil, nil), r.Route(nil, nil), here.Of(3), here.Of(4))
	// Output:
	// [4] [4] remote same-worker
}
