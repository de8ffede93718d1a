package topology

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// wordcount is the fixture most tests start from: the topology of the
// package example.
func wordcount(tb testing.TB) *Topology {
	tb.Helper()
	b := NewBuilder("wordcount")
	b.Spout("sentences", "examples.SentenceSpout", 2).Output("default", "sentence")
	b.Bolt("split", "examples.Split", 4).ShuffleGrouping("sentences").Output("default", "word")
	b.Bolt("count", "examples.Count", 4).FieldsGrouping("split", "default", "word").Tasks(8).
		Resources(Resources{CPU: 50, MemoryMB: 256}).Output("default", "word", "count")
	t, err := b.Build()
	if err != nil {
		tb.Fatalf("wordcount: %v", err)
	}
	return t
}

// everything uses every feature of the model, so that round trips and copies
// are tested on all of it.
func everything(tb testing.TB) *Topology {
	tb.Helper()
	c := DefaultConfig()
	c.Workers, c.Ackers, c.MaxSpoutPending = 3, 0, 1000
	c.MessageTimeout, c.TickInterval, c.WorkerTimeout = 90*time.Second, 1500*time.Millisecond, 7*time.Second
	c.StatsSampleRate, c.Priority, c.Isolated = 0.25, 3, true
	c.Pin = map[string][]string{"events": {"host-b", "host-a"}, "sink": {"10.0.0.7"}}
	b := NewBuilder("everything_1").SetConfig(c)
	b.Spout("events", "acme.Events", 2).Tasks(6).Output("default", "user", "kind").Output("audit", "line").
		Config("topic", "events <&> \u00e9\u0000").Resources(Resources{CPU: 200, MemoryMB: 1024, NetworkMbps: 100, DiskMB: 5000})
	b.Spout("clock", "acme.Clock", 1).Output("default")
	b.Bolt("a-fields", "acme.A", 3).FieldsGrouping("events", "default", "user", "kind").Output("default", "user")
	b.Bolt("b_partial", "acme.B", 2).PartialKeyGrouping("events", "default", "user").Output("default", "user")
	b.Bolt("sink", "acme.Sink", 1).
		AllGrouping("clock").
		GlobalGrouping("a-fields").
		NoneGrouping("b_partial").
		CustomGrouping("events", "audit", "acme.ByLine").
		Input("sink", "loop", Grouping{Kind: GroupDirect}).
		Output("loop", "n")
	b.Bolt("local", "acme.Local", 2).LocalOrShuffleGrouping("a-fields").LocalFirstGrouping("b_partial").
		Input("sink", "loop", Grouping{Kind: GroupShuffle}).DirectGrouping("clock")
	t, err := b.Build()
	if err != nil {
		tb.Fatalf("everything: %v", err)
	}
	return t
}

func TestBuilderWordcount(t *testing.T) {
	got := wordcount(t)
	want := &Topology{
		Name: "wordcount",
		Spouts: []Component{{
			Name: "sentences", Type: "examples.SentenceSpout", Parallelism: 2, Tasks: 2,
			Outputs: map[string][]string{"default": {"sentence"}}, Resources: DefaultResources(),
		}},
		Bolts: []Component{{ // sorted by name
			Name: "count", Type: "examples.Count", Parallelism: 4, Tasks: 8,
			Outputs:   map[string][]string{"default": {"word", "count"}},
			Inputs:    []Input{{Component: "split", Stream: "default", Grouping: Grouping{Kind: GroupFields, Fields: []string{"word"}}}},
			Resources: Resources{CPU: 50, MemoryMB: 256},
		}, {
			Name: "split", Type: "examples.Split", Parallelism: 4, Tasks: 4,
			Outputs:   map[string][]string{"default": {"word"}},
			Inputs:    []Input{{Component: "sentences", Stream: "default", Grouping: Grouping{Kind: GroupShuffle}}},
			Resources: DefaultResources(),
		}},
		Config: DefaultConfig(),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestBuilderGroupingShorthands(t *testing.T) {
	got, ok := everything(t).Component("sink")
	if !ok {
		t.Fatal("no sink")
	}
	want := []Input{ // sorted by (component, stream)
		{Component: "a-fields", Stream: "default", Grouping: Grouping{Kind: GroupGlobal}},
		{Component: "b_partial", Stream: "default", Grouping: Grouping{Kind: GroupNone}},
		{Component: "clock", Stream: "default", Grouping: Grouping{Kind: GroupAll}},
		{Component: "events", Stream: "audit", Grouping: Grouping{Kind: GroupCustom, Custom: "acme.ByLine"}},
		{Component: "sink", Stream: "loop", Grouping: Grouping{Kind: GroupDirect}},
	}
	if !reflect.DeepEqual(got.Inputs, want) {
		t.Errorf("got  %+v\nwant %+v", got.Inputs, want)
	}
	local, _ := everything(t).Component("local")
	var kinds []GroupingKind
	for _, in := range local.Inputs {
		kinds = append(kinds, in.Grouping.Kind)
	}
	wantKinds := []GroupingKind{GroupLocalOrShuffle, GroupLocalFirst, GroupDirect, GroupShuffle}
	if !reflect.DeepEqual(kinds, wantKinds) {
		t.Errorf("got %v, want %v", kinds, wantKinds)
	}
}

func TestBuilderProblems(t *testing.T) {
	b := NewBuilder("bad")
	b.Spout("s", "x.S", 1).Output("default", "f").Output("default", "g")
	b.Bolt("b", "x.B", 0).ShuffleGrouping("s")
	_, err := b.Build()
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("got %v, want a *ValidationError", err)
	}
	want := []Problem{
		{Path: "spouts.s.outputs.default", Err: ErrDuplicate, Detail: "stream declared twice"},
		{Path: "bolts.b.parallelism", Err: ErrParallelism, Detail: "parallelism 0, must be at least 1"},
	}
	if !reflect.DeepEqual(verr.Problems, want) {
		t.Errorf("got  %+v\nwant %+v", verr.Problems, want)
	}
}

func TestBuilderSharesNoMemory(t *testing.T) {
	fields := []string{"word"}
	c := DefaultConfig()
	c.Pin = map[string][]string{"s": {"h1"}}
	b := NewBuilder("t").SetConfig(c)
	b.Spout("s", "x.S", 1).Output("default", fields...)
	bolt := b.Bolt("b", "x.B", 1).FieldsGrouping("s", "default", fields...)
	first, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	before := first.Clone()
	fields[0] = "changed"
	c.Pin["s"][0] = "changed"
	bolt.Tasks(5).Config("k", "v")
	second, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, before) {
		t.Errorf("built topology changed after the builder did: got %+v, want %+v", first, before)
	}
	if got, _ := second.Component("b"); got.Tasks != 5 || got.Config["k"] != "v" {
		t.Errorf("second build: got tasks %d config %v, want 5 and k=v", got.Tasks, got.Config)
	}
}

func TestBuilderDeclarationOrderIrrelevant(t *testing.T) {
	b := NewBuilder("wordcount")
	b.Bolt("count", "examples.Count", 4).Output("default", "word", "count").Tasks(8).
		Resources(Resources{CPU: 50, MemoryMB: 256}).FieldsGrouping("split", "default", "word")
	b.Bolt("split", "examples.Split", 4).Output("default", "word").ShuffleGrouping("sentences")
	b.Spout("sentences", "examples.SentenceSpout", 2).Output("default", "sentence")
	got, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if want := wordcount(t); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}
