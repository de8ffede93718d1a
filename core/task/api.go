package task

import (
	"fmt"
	"math/rand/v2"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/topology"
)

// Values are a tuple's values, in the order of its stream's declared fields.
type Values []any

// Tuple is one tuple as a bolt receives it. A bolt must not keep a Tuple or
// its Values after it has acked or failed it: the executor reuses the Tuple
// once Execute has returned and the tuple is acked or failed. Acking or
// failing a tuple twice, or anchoring to one already acked or failed, is
// reported as an error and ignored.
type Tuple struct {
	Values          Values
	Stream          string
	SourceComponent string
	SourceTask      core.TaskID
	fields          *Fields // of the source stream
	// roots are the trees the tuple belongs to, and xors what it XORs into
	// each when acked (Storm's MessageId, a map root → XOR of its edge
	// ids): xors[i] for roots[i], or id for every root when xors is nil,
	// as it is unless the tuple joins anchors whose edges differ per root.
	id     uint64 // the edge id of every root when xors is nil; 0 when unanchored
	roots  []uint64
	xors   []uint64
	ackVal uint64 // XOR of the edge ids of the tuples anchored to it
	tick   bool
	state  tupleState
	// sampledAt is when the Execute of a sampled tuple (state has
	// tupleSampled) began: its ack's process latency counts from here.
	sampledAt core.Time
}

// tupleState tracks a tuple through its bolt, so that the executor knows
// when it may reuse it: once Execute has returned and the bolt has acked or
// failed it.
type tupleState uint8

const (
	tupleExecuted tupleState = 1 << iota // Execute has returned
	tupleSettled                         // the bolt acked or failed it
	tupleFree                            // released, waiting for reuse
	tupleSampled                         // its execute and ack or fail are recorded in the metrics
)

// Fields maps a stream's field names to value indexes.
type Fields struct {
	names []string
	index map[string]int
}

// NewFields returns the field table of a stream.
func NewFields(names []string) *Fields {
	f := &Fields{names: names, index: make(map[string]int, len(names))}
	for i, n := range names {
		f.index[n] = i
	}
	return f
}

// fieldsScanMax is the field count up to which Index compares names in
// turn rather than hashing: most streams have a few fields, and a short
// scan beats a map lookup.
const fieldsScanMax = 8

// Index returns the position of a field, or -1.
func (f *Fields) Index(name string) int {
	if len(f.names) <= fieldsScanMax {
		for i, n := range f.names {
			if n == name {
				return i
			}
		}
		return -1
	}
	if i, ok := f.index[name]; ok {
		return i
	}
	return -1
}

// Names returns the field names in order.
func (f *Fields) Names() []string { return f.names }

// Value returns the value of a field by name, or nil when the stream has no
// such field.
func (t *Tuple) Value(field string) any {
	if t.fields == nil {
		return nil
	}
	i := t.fields.Index(field)
	if i < 0 || i >= len(t.Values) {
		return nil
	}
	return t.Values[i]
}

// String returns the named field as a string ("" when absent or not a string).
func (t *Tuple) String(field string) string { s, _ := t.Value(field).(string); return s }

// Int returns the named field as an int64 (0 when absent or not an
// integer). Emit turns integers of every Go width into int64, so Int reads
// an emitted int, uint8, ... wherever the tuple came from.
func (t *Tuple) Int(field string) int64 { v, _ := t.Value(field).(int64); return v }

// IsTick reports whether the tuple is a tick tuple (stream "__tick").
func (t *Tuple) IsTick() bool { return t.tick }

// Fields returns the names of the tuple's fields.
func (t *Tuple) Fields() []string {
	if t.fields == nil {
		return nil
	}
	return t.fields.names
}

// TickStream is the system stream of tick tuples.
const TickStream = "__tick"

// Context is what a task knows about itself.
type Context struct {
	TaskID    core.TaskID
	Component string
	Topology  *topology.Topology
	// ComponentTasks lists every component's tasks, ascending.
	ComponentTasks map[string][]core.TaskID
	// Rand is the task's seeded generator: in the simulator every random
	// choice of user code must come from it for runs to replay.
	Rand *rand.Rand
	// Config is the component's settings from the spec.
	Config map[string]string
	// Services are what the process's driver hands its user code (see
	// ExecutorConfig.Services); nil when it hands nothing.
	Services map[string]any
}

// Values a tuple may carry: nil, bool, int64, float64, string, []byte and
// []any lists of these, as the codec between workers (core/tuple) carries
// them. Emit converts ints and uints of other widths to int64 and float32 to
// float64 (a uint above the int64 range is refused), so that a bolt reads
// the same values whether its input came from its own worker or another.
// A value of any other type, or a tuple past the codec's limits, refuses
// the emit: nothing is sent, the error goes to ReportError, and a spout's
// message id is neither tracked nor acked nor failed.

// SpoutCollector is how a spout emits.
type SpoutCollector interface {
	// Emit sends values on a stream; a non-nil msgID makes the tuple
	// reliable (acked or failed back to the spout).
	Emit(stream string, values Values, msgID any)
	// EmitDirect sends to one task of a subscriber with direct grouping.
	EmitDirect(task core.TaskID, stream string, values Values, msgID any)
	// ReportError records an error for the component's error list.
	ReportError(err error)
}

// OutputCollector is how a bolt emits and acknowledges.
type OutputCollector interface {
	// Emit sends values on a stream, anchored to the given inputs: the new
	// tuple joins their trees, so a failure downstream replays their roots.
	// Emit does not keep the anchors slice (a bolt may reuse it); it does
	// keep values, which must not change once emitted (a bolt may emit an
	// input's Values again).
	Emit(stream string, anchors []*Tuple, values Values)
	EmitDirect(task core.TaskID, stream string, anchors []*Tuple, values Values)
	Ack(t *Tuple)
	Fail(t *Tuple)
	ReportError(err error)
}

// Spout is a source of tuples. NextTuple must not block: it emits what is
// ready and returns; the executor calls it again soon.
type Spout interface {
	Open(ctx *Context, out SpoutCollector)
	NextTuple()
	Ack(msgID any)
	Fail(msgID any)
	Activate()
	Deactivate()
	Close()
}

// Bolt processes tuples.
type Bolt interface {
	Prepare(ctx *Context, out OutputCollector)
	Execute(t *Tuple)
	Cleanup()
}

// BaseSpout gives a spout no-op Ack, Fail, Activate, Deactivate and Close.
type BaseSpout struct{}

func (BaseSpout) Ack(any)     {}
func (BaseSpout) Fail(any)    {}
func (BaseSpout) Activate()   {}
func (BaseSpout) Deactivate() {}
func (BaseSpout) Close()      {}

// BaseBolt gives a bolt a no-op Cleanup.
type BaseBolt struct{}

func (BaseBolt) Cleanup() {}

var (
	spouts = map[string]func() Spout{}
	bolts  = map[string]func() Bolt{}
)

// RegisterSpout makes a spout type available to specs by name. Call it from
// init functions only: registration is not safe for concurrent use.
func RegisterSpout(name string, factory func() Spout) {
	core.Assert(spouts[name] == nil && bolts[name] == nil, "task: type %q registered twice", name)
	spouts[name] = factory
}

// RegisterBolt makes a bolt type available to specs by name (init only).
func RegisterBolt(name string, factory func() Bolt) {
	core.Assert(spouts[name] == nil && bolts[name] == nil, "task: type %q registered twice", name)
	bolts[name] = factory
}

// ErrUnknownType is returned for a component whose type is not registered.
type ErrUnknownType struct{ Component, Type string }

func (e ErrUnknownType) Error() string {
	return fmt.Sprintf("task: component %q has unregistered type %q", e.Component, e.Type)
}

// CheckTypes reports every component of t whose type is not registered, so
// that a submit can be refused before any worker starts.
func CheckTypes(t *topology.Topology) error {
	for _, c := range t.Spouts {
		if spouts[c.Type] == nil {
			return ErrUnknownType{c.Name, c.Type}
		}
	}
	for _, c := range t.Bolts {
		if bolts[c.Type] == nil {
			return ErrUnknownType{c.Name, c.Type}
		}
	}
	return nil
}
