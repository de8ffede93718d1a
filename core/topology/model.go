package topology

import (
	"cmp"
	"maps"
	"slices"
	"time"
)

// Names the model reserves.
const (
	// DefaultStream is the stream a component emits to when it names none.
	DefaultStream = "default"
	// SystemPrefix begins every system component and system stream name
	// ("__acker", "__system", "__tick"); authors may not use it.
	SystemPrefix = "__"
	// AckerComponent is the system component that tracks tuple trees.
	AckerComponent = "__acker"
	// AckersPerWorker as Config.Ackers runs one acker task per worker.
	AckersPerWorker = -1
)

// Limits on a topology. Each bounds memory or work somewhere: the spec in a
// znode, the task table in every worker, the scheduler's input.
const (
	// NameBytesMax bounds topology, component, stream and field names.
	NameBytesMax = 128
	// ComponentsMax bounds a topology's spouts and bolts together.
	ComponentsMax = 1000
	// TasksMax bounds a topology's tasks, system tasks included, and so any
	// one component's task count, parallelism and acker count.
	TasksMax = 100_000
	// WorkersMax bounds Config.Workers.
	WorkersMax = 10_000
	// ResourceMax bounds each dimension of one task's resources, so that the
	// sum over every task of many topologies stays far from int64 overflow.
	ResourceMax = 1 << 32
	// TimeoutMax bounds the timeouts and the tick interval.
	TimeoutMax = 24 * time.Hour
	// SpoutPendingMax bounds Config.MaxSpoutPending.
	SpoutPendingMax = 1 << 24
	// PriorityMax bounds Config.Priority.
	PriorityMax = 1000

	streamsMax     = 100  // output streams per component
	fieldsMax      = 100  // fields per stream
	inputsMax      = 100  // inputs per bolt
	configMax      = 100  // entries of one component's config
	valueBytesMax  = 4096 // one component config value
	tokenBytesMax  = 256  // type names, custom grouping names, config keys
	hostBytesMax   = 253  // a DNS name
	pinnedHostsMax = 1000 // hosts pinned for one component
)

// Topology is a graph of spouts and bolts joined by stream groupings, with the
// settings it runs under. Build, Decode, WithParallelism and WithWorkers return
// it valid and canonical: components sorted by name, inputs by (component,
// stream), empty collections nil. A Topology is plain data; treat one that
// has been handed out as read-only and derive changed copies.
type Topology struct {
	Name   string
	Spouts []Component
	Bolts  []Component
	Config Config
}

// Component is a spout or a bolt.
type Component struct {
	Name string
	// Type names the Go implementation an author registered, e.g.
	// "wordcount.SplitSentence"; workers instantiate tasks through it.
	Type string
	// Parallelism is the number of executors (goroutines) running the
	// component's tasks: at least 1, at most Tasks. Rebalance may change it.
	Parallelism int
	// Tasks is the number of task instances, fixed for the topology's life
	// (fields groupings hash onto it). Builders default it to Parallelism.
	Tasks int
	// Outputs maps each declared stream to its ordered field names.
	Outputs map[string][]string
	// Inputs are a bolt's subscriptions; a spout has none.
	Inputs []Input
	// Resources is the demand of each one of the component's tasks.
	Resources Resources
	// Config holds author settings handed to the component's tasks.
	Config map[string]string
}

// Input subscribes a bolt to one stream of another component (or itself).
type Input struct {
	Component string
	Stream    string
	Grouping  Grouping
}

// GroupingKind says how a stream's tuples are divided among the subscribing
// bolt's tasks.
type GroupingKind string

// The stream groupings of Storm and JStorm.
const (
	GroupShuffle        GroupingKind = "shuffle"          // random, evenly spread
	GroupFields         GroupingKind = "fields"           // hash of Fields picks the task
	GroupPartialKey     GroupingKind = "partial_key"      // fields, two choices, less loaded wins
	GroupAll            GroupingKind = "all"              // every task gets a copy
	GroupGlobal         GroupingKind = "global"           // the task with the lowest id
	GroupNone           GroupingKind = "none"             // no preference: shuffle
	GroupDirect         GroupingKind = "direct"           // the emitter picks the task
	GroupLocalOrShuffle GroupingKind = "local_or_shuffle" // same worker if any, else shuffle
	GroupLocalFirst     GroupingKind = "local_first"      // JStorm: same worker, same host, others
	GroupCustom         GroupingKind = "custom"           // a registered implementation, by name
)

// groupingKinds lists every kind, in the order error messages name them.
var groupingKinds = []GroupingKind{
	GroupShuffle, GroupFields, GroupPartialKey, GroupAll, GroupGlobal,
	GroupNone, GroupDirect, GroupLocalOrShuffle, GroupLocalFirst, GroupCustom,
}

// Grouping is a stream grouping. Fields is set for fields and partial-key
// groupings only, Custom for custom groupings only.
type Grouping struct {
	Kind   GroupingKind
	Fields []string
	Custom string // the registered name of a custom grouping
}

// Config is how a topology runs. The Storm key each field stands for is given
// with its default; DefaultConfig returns the defaults.
type Config struct {
	// Workers is the number of worker processes (topology.workers, 1).
	Workers int
	// Ackers is the number of acker tasks (topology.acker.executors):
	// AckersPerWorker (-1, the default) means one per worker, 0 disables
	// acking, so spouts are acked right after they emit.
	Ackers int
	// MessageTimeout fails a tuple tree not completed in time
	// (topology.message.timeout.secs, 30s).
	MessageTimeout time.Duration
	// MaxSpoutPending bounds the pending tuple trees of one spout task
	// (topology.max.spout.pending); 0, the default, means unbounded.
	MaxSpoutPending int
	// TickInterval is the period of tick tuples sent to every bolt
	// (topology.tick.tuple.freq.secs); 0, the default, means none.
	TickInterval time.Duration
	// WorkerTimeout is how long a worker may stay silent before it is
	// restarted or moved; per topology (STORM-3479), 30s.
	WorkerTimeout time.Duration
	// StatsSampleRate is the fraction of tuples sampled for statistics
	// (topology.stats.sample.rate, 0.05).
	StatsSampleRate float64
	// Priority ranks topologies when resources are short; as Storm's
	// topology.priority, lower is more important, 0 is highest, default 29.
	Priority int
	// Isolated asks for hosts that run no other topology.
	Isolated bool
	// Pin restricts a component's tasks to the named hosts (JStorm's
	// user-defined assignment); the scheduler honours it first.
	Pin map[string][]string
}

// DefaultConfig returns Storm's defaults.
func DefaultConfig() Config {
	return Config{
		Workers:         1,
		Ackers:          AckersPerWorker,
		MessageTimeout:  30 * time.Second,
		WorkerTimeout:   30 * time.Second,
		StatsSampleRate: 0.05,
		Priority:        29,
	}
}

// AckerTasks is the number of acker tasks the config runs.
func (c Config) AckerTasks() int {
	if c.Ackers == AckersPerWorker {
		return c.Workers
	}
	return c.Ackers
}

// Component returns the spout or bolt called name. The pointer refers into t.
func (t *Topology) Component(name string) (*Component, bool) {
	for _, list := range [][]Component{t.Spouts, t.Bolts} {
		for i := range list {
			if list[i].Name == name {
				return &list[i], true
			}
		}
	}
	return nil, false
}

// Clone returns a deep copy of t.
func (t *Topology) Clone() *Topology {
	c := *t
	c.Spouts = cloneComponents(t.Spouts)
	c.Bolts = cloneComponents(t.Bolts)
	c.Config.Pin = cloneStringLists(t.Config.Pin)
	return &c
}

func cloneComponents(list []Component) []Component {
	if list == nil {
		return nil
	}
	out := make([]Component, len(list))
	for i, c := range list {
		c.Outputs = cloneStringLists(c.Outputs)
		c.Config = maps.Clone(c.Config)
		if c.Inputs != nil {
			c.Inputs = slices.Clone(c.Inputs)
			for j := range c.Inputs {
				c.Inputs[j].Grouping.Fields = slices.Clone(c.Inputs[j].Grouping.Fields)
			}
		}
		out[i] = c
	}
	return out
}

func cloneStringLists(m map[string][]string) map[string][]string {
	if m == nil {
		return nil
	}
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}

// canonical returns a deep copy of t in canonical form: components sorted by
// name and inputs by (component, stream), both stably so that duplicates stay
// visible to validation; empty collections nil; a negative zero sample rate
// made positive. Canonical topologies that are equal encode to equal bytes.
func canonical(t *Topology) *Topology {
	c := t.Clone()
	c.Spouts = canonicalComponents(c.Spouts)
	c.Bolts = canonicalComponents(c.Bolts)
	c.Config.Pin = nilIfEmptyLists(c.Config.Pin)
	if c.Config.StatsSampleRate == 0 {
		c.Config.StatsSampleRate = 0
	}
	return c
}

func canonicalComponents(list []Component) []Component {
	if len(list) == 0 {
		return nil
	}
	slices.SortStableFunc(list, func(a, b Component) int { return cmp.Compare(a.Name, b.Name) })
	for i := range list {
		c := &list[i]
		c.Outputs = nilIfEmptyLists(c.Outputs)
		if len(c.Config) == 0 {
			c.Config = nil
		}
		if len(c.Inputs) == 0 {
			c.Inputs = nil
		}
		slices.SortStableFunc(c.Inputs, func(a, b Input) int {
			return cmp.Or(cmp.Compare(a.Component, b.Component), cmp.Compare(a.Stream, b.Stream))
		})
		for j := range c.Inputs {
			if len(c.Inputs[j].Grouping.Fields) == 0 {
				c.Inputs[j].Grouping.Fields = nil
			}
		}
	}
	return list
}

// nilIfEmptyLists returns nil for an empty map and otherwise m with its empty
// lists made nil.
func nilIfEmptyLists(m map[string][]string) map[string][]string {
	if len(m) == 0 {
		return nil
	}
	for k, v := range m {
		if len(v) == 0 {
			m[k] = nil
		}
	}
	return m
}
