package grouping

import (
	"fmt"
	"testing"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/topology"
)

// benchRoute routes tuples cycling through tuples and reports routes/s.
func benchRoute(b *testing.B, g topology.Grouping, targets int, tuples [][]any) {
	r := mustNew(b, g, []string{"word", "count"}, taskRange(1, core.TaskID(targets)), Placement{}, 1)
	dst := make([]core.TaskID, 0, targets)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		dst = r.Route(tuples[i], dst[:0])
		i = (i + 1) % len(tuples)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "routes/s")
}

// benchWords are word-count tuples: a word and a count.
func benchWords() [][]any {
	tuples := make([][]any, 1024)
	for i := range tuples {
		tuples[i] = []any{fmt.Sprintf("word-%d", i), int64(i)}
	}
	return tuples
}

func BenchmarkShuffle(b *testing.B) {
	benchRoute(b, topology.Grouping{Kind: topology.GroupShuffle}, 16, benchWords())
}

func BenchmarkFields(b *testing.B) {
	benchRoute(b, topology.Grouping{Kind: topology.GroupFields, Fields: []string{"word"}}, 16, benchWords())
}

func BenchmarkPartialKey(b *testing.B) {
	benchRoute(b, topology.Grouping{Kind: topology.GroupPartialKey, Fields: []string{"word"}}, 16, benchWords())
}
