package cli

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/squall/squall/core/examples"
	"github.com/squall/squall/core/topology"
)

// Builder builds a named topology with the given number of workers. A
// user's program registers its own with RegisterTopology before calling
// Main, so that `PROGRAM submit --topology NAME` submits it with the program
// itself as the artifact (the Go analogue of `storm jar`).
type Builder func(name string, workers int) (*topology.Topology, error)

type entry struct {
	description string
	build       Builder
}

var (
	registryMu sync.Mutex
	registry   = map[string]entry{}
)

// RegisterTopology makes a topology builder available to submit and local
// by name. Registering a name twice is a programmer error.
func RegisterTopology(name, description string, build Builder) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic(fmt.Sprintf("cli: topology %q registered twice", name))
	}
	registry[name] = entry{description: description, build: build}
}

// buildTopology builds a registered topology.
func buildTopology(kind, name string, workers int) (*topology.Topology, error) {
	registryMu.Lock()
	e, ok := registry[kind]
	registryMu.Unlock()
	if !ok {
		return nil, fmt.Errorf("cli: unknown topology %q (known: %s)", kind, strings.Join(topologyNames(), ", "))
	}
	if name == "" {
		name = kind
	}
	if workers <= 0 {
		return nil, fmt.Errorf("cli: workers must be positive, got %d", workers)
	}
	t, err := e.build(name, workers)
	if err != nil {
		return nil, fmt.Errorf("cli: build %s: %w", kind, err)
	}
	return t, nil
}

func topologyNames() []string {
	registryMu.Lock()
	defer registryMu.Unlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// The examples the squall binary carries, so that it is itself a valid
// artifact: they run unbounded (a real cluster's spouts do not stop).
func init() {
	RegisterTopology("wordcount", "sentences → split (shuffle) → count (fields on word)",
		func(name string, workers int) (*topology.Topology, error) {
			t, err := examples.WordCount(name, workers, 0)
			if err == nil {
				// Unbounded sentences with unbounded pending trees would
				// grow the ackers without limit; Storm's examples bound them.
				t.Config.MaxSpoutPending = wordcountPendingMax
			}
			return t, err
		})
	RegisterTopology("exclamation", "words → exclaim1 → exclaim2 (a chain)",
		func(name string, workers int) (*topology.Topology, error) {
			return examples.Exclamation(name, workers)
		})
	RegisterTopology("complaints", "sentences → complain: a bolt that reports an error per tuple (see get-errors)",
		func(name string, workers int) (*topology.Topology, error) {
			t, err := examples.Complaints(name, workers, 0)
			if err == nil {
				t.Config.MaxSpoutPending = wordcountPendingMax
			}
			return t, err
		})
	RegisterTopology("sequence", "a reliable sequence spout → relay → sink, acked, with replay",
		func(name string, workers int) (*topology.Topology, error) {
			return examples.SequenceTopology(name, workers, sequenceCount, 30*time.Second, 1000)
		})
}

// wordcountPendingMax bounds each sentence spout's pending tuple trees.
const wordcountPendingMax = 2000

// sequenceCount is how many numbers the sequence example emits in real mode.
const sequenceCount = 10_000_000

// knownTopologies lists the registered topologies for usage texts.
func knownTopologies() string {
	var b strings.Builder
	names := topologyNames()
	slices.Sort(names)
	for _, n := range names {
		registryMu.Lock()
		d := registry[n].description
		registryMu.Unlock()
		fmt.Fprintf(&b, "  %-12s %s\n", n, d)
	}
	return b.String()
}
