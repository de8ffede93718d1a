package topology

import (
	"errors"
	"slices"
)

// Builder assembles a topology in the manner of Storm's TopologyBuilder:
//
//	b := topology.NewBuilder("wordcount")
//	b.Spout("sentences", "examples.SentenceSpout", 2).Output("default", "sentence")
//	b.Bolt("split", "examples.Split", 4).ShuffleGrouping("sentences").Output("default", "word")
//	b.Bolt("count", "examples.Count", 4).FieldsGrouping("split", "default", "word").Tasks(8)
//	topo, err := b.Build()
//
// Declarations are not checked as they are made: Build checks everything at
// once and reports every problem. A Builder is not safe for concurrent use.
type Builder struct {
	name     string
	spouts   []*declarer
	bolts    []*declarer
	config   Config
	problems []Problem // found while declaring: what the built model cannot show
	omitted  int
}

// declarer holds one component being declared.
type declarer struct {
	b        *Builder
	path     string
	c        Component
	tasksSet bool
}

// SpoutDeclarer declares a spout's outputs and settings.
type SpoutDeclarer struct{ d *declarer }

// BoltDeclarer declares a bolt's inputs, outputs and settings.
type BoltDeclarer struct{ d *declarer }

// NewBuilder starts a topology called name, with DefaultConfig.
func NewBuilder(name string) *Builder {
	return &Builder{name: name, config: DefaultConfig()}
}

// SetConfig replaces the topology's config; start from DefaultConfig.
func (b *Builder) SetConfig(c Config) *Builder {
	b.config = c
	b.config.Pin = cloneStringLists(c.Pin)
	return b
}

// Spout declares a spout implemented by the registered type typ, run by
// parallelism executors. Its task count defaults to parallelism and its
// resources to DefaultResources.
func (b *Builder) Spout(name, typ string, parallelism int) *SpoutDeclarer {
	d := b.declare("spouts", name, typ, parallelism)
	b.spouts = append(b.spouts, d)
	return &SpoutDeclarer{d}
}

// Bolt declares a bolt implemented by the registered type typ, run by
// parallelism executors. Its task count defaults to parallelism and its
// resources to DefaultResources.
func (b *Builder) Bolt(name, typ string, parallelism int) *BoltDeclarer {
	d := b.declare("bolts", name, typ, parallelism)
	b.bolts = append(b.bolts, d)
	return &BoltDeclarer{d}
}

func (b *Builder) declare(kind, name, typ string, parallelism int) *declarer {
	return &declarer{b: b, path: componentPath(kind, name), c: Component{
		Name: name, Type: typ, Parallelism: parallelism, Resources: DefaultResources(),
	}}
}

// Build returns the topology, validated and in canonical form, or a
// *ValidationError listing every problem. The Builder stays usable; the
// topology shares no memory with it.
func (b *Builder) Build() (*Topology, error) {
	t := &Topology{Name: b.name, Config: b.config}
	for _, d := range b.spouts {
		t.Spouts = append(t.Spouts, d.component())
	}
	for _, d := range b.bolts {
		t.Bolts = append(t.Bolts, d.component())
	}
	t = canonical(t)
	err := Validate(t)
	if len(b.problems) == 0 {
		if err != nil {
			return nil, err
		}
		return t, nil
	}
	problems, omitted := slices.Clone(b.problems), b.omitted
	var verr *ValidationError
	if errors.As(err, &verr) {
		problems = append(problems, verr.Problems...)
		omitted += verr.Omitted
	}
	if len(problems) > problemsMax {
		omitted += len(problems) - problemsMax
		problems = problems[:problemsMax]
	}
	return nil, &ValidationError{Topology: b.name, Problems: problems, Omitted: omitted}
}

func (d *declarer) component() Component {
	c := d.c
	if !d.tasksSet {
		c.Tasks = c.Parallelism
	}
	return c
}

func (d *declarer) problem(path string, err error, detail string) {
	if len(d.b.problems) >= problemsMax {
		d.b.omitted++
		return
	}
	d.b.problems = append(d.b.problems, Problem{Path: path, Err: err, Detail: detail})
}

func (d *declarer) output(stream string, fields []string) {
	if _, dup := d.c.Outputs[stream]; dup {
		d.problem(d.path+".outputs."+segment(stream), ErrDuplicate, "stream declared twice")
		return
	}
	if d.c.Outputs == nil {
		d.c.Outputs = map[string][]string{}
	}
	d.c.Outputs[stream] = slices.Clone(fields)
}

func (d *declarer) config(key, value string) {
	if d.c.Config == nil {
		d.c.Config = map[string]string{}
	}
	d.c.Config[key] = value
}

func (d *declarer) input(source, stream string, g Grouping) {
	g.Fields = slices.Clone(g.Fields)
	d.c.Inputs = append(d.c.Inputs, Input{Component: source, Stream: stream, Grouping: g})
}

// Output declares a stream the spout emits and its ordered field names.
func (s *SpoutDeclarer) Output(stream string, fields ...string) *SpoutDeclarer {
	s.d.output(stream, fields)
	return s
}

// Tasks sets the spout's task count, which must be at least its parallelism.
func (s *SpoutDeclarer) Tasks(n int) *SpoutDeclarer {
	s.d.c.Tasks, s.d.tasksSet = n, true
	return s
}

// Resources sets the demand of each of the spout's tasks, all four dimensions.
func (s *SpoutDeclarer) Resources(r Resources) *SpoutDeclarer {
	s.d.c.Resources = r
	return s
}

// Config sets one entry of the spout's own config.
func (s *SpoutDeclarer) Config(key, value string) *SpoutDeclarer {
	s.d.config(key, value)
	return s
}

// Output declares a stream the bolt emits and its ordered field names.
func (b *BoltDeclarer) Output(stream string, fields ...string) *BoltDeclarer {
	b.d.output(stream, fields)
	return b
}

// Tasks sets the bolt's task count, which must be at least its parallelism.
func (b *BoltDeclarer) Tasks(n int) *BoltDeclarer {
	b.d.c.Tasks, b.d.tasksSet = n, true
	return b
}

// Resources sets the demand of each of the bolt's tasks, all four dimensions.
func (b *BoltDeclarer) Resources(r Resources) *BoltDeclarer {
	b.d.c.Resources = r
	return b
}

// Config sets one entry of the bolt's own config.
func (b *BoltDeclarer) Config(key, value string) *BoltDeclarer {
	b.d.config(key, value)
	return b
}

// Input subscribes the bolt to stream of source with any grouping. The
// grouping methods below are shorthands for it; those without fields
// subscribe to source's default stream.
func (b *BoltDeclarer) Input(source, stream string, g Grouping) *BoltDeclarer {
	b.d.input(source, stream, g)
	return b
}

// ShuffleGrouping subscribes to source's default stream, tuples spread
// randomly and evenly over the bolt's tasks.
func (b *BoltDeclarer) ShuffleGrouping(source string) *BoltDeclarer {
	return b.Input(source, DefaultStream, Grouping{Kind: GroupShuffle})
}

// FieldsGrouping subscribes to stream of source, tuples with equal values of
// fields going to the same task.
func (b *BoltDeclarer) FieldsGrouping(source, stream string, fields ...string) *BoltDeclarer {
	return b.Input(source, stream, Grouping{Kind: GroupFields, Fields: fields})
}

// PartialKeyGrouping subscribes to stream of source, each key going to the
// less loaded of two candidate tasks.
func (b *BoltDeclarer) PartialKeyGrouping(source, stream string, fields ...string) *BoltDeclarer {
	return b.Input(source, stream, Grouping{Kind: GroupPartialKey, Fields: fields})
}

// AllGrouping subscribes to source's default stream, every task getting a copy.
func (b *BoltDeclarer) AllGrouping(source string) *BoltDeclarer {
	return b.Input(source, DefaultStream, Grouping{Kind: GroupAll})
}

// GlobalGrouping subscribes to source's default stream, all tuples going to
// the bolt's task with the lowest id.
func (b *BoltDeclarer) GlobalGrouping(source string) *BoltDeclarer {
	return b.Input(source, DefaultStream, Grouping{Kind: GroupGlobal})
}

// NoneGrouping subscribes to source's default stream with no preference
// (currently shuffle).
func (b *BoltDeclarer) NoneGrouping(source string) *BoltDeclarer {
	return b.Input(source, DefaultStream, Grouping{Kind: GroupNone})
}

// DirectGrouping subscribes to source's default stream, the emitter choosing
// the receiving task.
func (b *BoltDeclarer) DirectGrouping(source string) *BoltDeclarer {
	return b.Input(source, DefaultStream, Grouping{Kind: GroupDirect})
}

// LocalOrShuffleGrouping subscribes to source's default stream, preferring
// tasks in the emitter's worker.
func (b *BoltDeclarer) LocalOrShuffleGrouping(source string) *BoltDeclarer {
	return b.Input(source, DefaultStream, Grouping{Kind: GroupLocalOrShuffle})
}

// LocalFirstGrouping subscribes to source's default stream, preferring tasks
// in the emitter's worker, then on its host (JStorm).
func (b *BoltDeclarer) LocalFirstGrouping(source string) *BoltDeclarer {
	return b.Input(source, DefaultStream, Grouping{Kind: GroupLocalFirst})
}

// CustomGrouping subscribes to stream of source through the custom grouping
// registered as name.
func (b *BoltDeclarer) CustomGrouping(source, stream, name string) *BoltDeclarer {
	return b.Input(source, stream, Grouping{Kind: GroupCustom, Custom: name})
}
