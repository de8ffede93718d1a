package topology_test

import (
	"fmt"

	"github.com/squall/squall/core/topology"
)

// A word count topology, built, enumerated, encoded and rebalanced.
func Example() {
	b := topology.NewBuilder("wordcount")
	b.Spout("sentences", "examples.SentenceSpout", 2).Output("default", "sentence")
	b.Bolt("split", "examples.Split", 4).ShuffleGrouping("sentences").Output("default", "word")
	b.Bolt("count", "examples.Count", 4).FieldsGrouping("split", "default", "word").Tasks(8).
		Resources(topology.Resources{CPU: 50, MemoryMB: 256}).Output("default", "word", "count")
	topo, err := b.Build()
	if err != nil {
		fmt.Println(err)
		return
	}

	// Task ids run from 1 in sorted component order, the acker included;
	// executors take contiguous ranges of them.
	fmt.Println(topology.ComponentTasks(topo)["count"])
	fmt.Println(topology.Executors(topo)[:5])

	spec, err := topology.Encode(topo)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.60s...\n", spec)

	// Rebalance: count runs 8 executors, one per task; its tasks do not change.
	wider, err := topology.WithParallelism(topo, "count", 8)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(topology.Executors(wider)), topology.ComponentTasks(wider)["count"])

	// Mistakes are all reported at once, each with its path.
	b.Bolt("report", "examples.Report", 0).FieldsGrouping("count", "default", "total")
	_, err = b.Build()
	fmt.Println(err)
	// Output:
	// [2 3 4 5 6 7 8 9]
	// [__acker[1-1] count[2-3] count[4-5] count[6-7] count[8-9]]
	// {"bolts":[{"inputs":[{"component":"split","fields":["word"],...
	// 15 [2 3 4 5 6 7 8 9]
	// topology: invalid topology "wordcount": bolts.report.parallelism: parallelism 0, must be at least 1; bolts.report.inputs.count/default: fields grouping on field "total", which stream "default" of "count" does not declare (it declares [word count])
}

// Decoding reports what is wrong and where.
func ExampleDecode() {
	for _, spec := range []string{
		`{"version": 1, "name": "wc", "spouts": [{"name": "s", "type": "x.S", "parallelism": 0}]}`,
		`{"version": 1, "name": "wc", "spouts": [{"name": "s", "type": "x.S", "parallelizm": 2}]}`,
		`{"version": 1, "name": "wc", "spouts": [{"name": "s", "type": "x.S", "parallelism": "2"}]}`,
		`{"version": 1, "name": "wc", "spouts": [{"name": "s", "type": "x.S"`,
		`{"version": 2, "name": "wc"}`,
	} {
		_, err := topology.Decode([]byte(spec))
		fmt.Println(err)
	}
	// Output:
	// topology: invalid topology "wc": spouts.s.parallelism: parallelism 0, must be at least 1
	// topology: bad spec: unknown field "parallelizm"
	// topology: bad spec: line 1, column 87 (byte 86): spouts.parallelism: got string, want an integer
	// topology: bad spec: line 1, column 67 (byte 66): malformed or truncated JSON: unexpected end of JSON input
	// topology: unsupported spec version 2 (this build reads version 1)
}
