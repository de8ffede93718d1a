package task_test

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/tuple"
)

// A tuple's values read the same in a bolt whether the tuple was handed
// over inside the worker or decoded from another: emit converts them to
// the codec's types. Values the codec cannot carry refuse the emit.

// typedValues has a value of every Go type a tuple may carry, and what a
// bolt reads: fields i, i8, ..., in this order.
var typedValues = []struct {
	field  string
	in, to any
}{
	{"i", int(-7), int64(-7)},
	{"i8", int8(-8), int64(-8)},
	{"i16", int16(-16), int64(-16)},
	{"i32", int32(-32), int64(-32)},
	{"i64", int64(math.MaxInt64), int64(math.MaxInt64)},
	{"u", uint(7), int64(7)},
	{"u8", uint8(8), int64(8)},
	{"u16", uint16(16), int64(16)},
	{"u32", uint32(32), int64(32)},
	{"u64", uint64(64), int64(64)},
	{"f32", float32(0.25), 0.25},
	{"f64", 0.5, 0.5},
	{"s", "s", "s"},
	{"b", []byte("b"), []byte("b")},
	{"t", true, true},
	{"nil", nil, nil},
	{"list", []any{int(1), []any{uint16(2), float32(1.5)}}, []any{int64(1), []any{int64(2), 1.5}}},
}

// typed emits one tuple of typedValues, then one holding an unsupported
// value, then nothing.
type typed struct {
	task.BaseSpout
	out task.SpoutCollector
	n   int
}

func (s *typed) Open(_ *task.Context, out task.SpoutCollector) { s.out = out }

func (s *typed) NextTuple() {
	s.n++
	switch s.n {
	case 1:
		var vals task.Values
		for _, v := range typedValues {
			vals = append(vals, v.in)
		}
		s.out.Emit("default", vals, nil)
	case 2:
		vals := make(task.Values, len(typedValues))
		vals[0] = struct{ X int }{1} // not a codec type
		s.out.Emit("default", vals, int64(2))
	}
}

// record keeps a copy of every tuple's values, and what Int reads.
type record struct {
	task.BaseBolt
	out  task.OutputCollector
	seen []task.Values
	ints []int64
}

func (b *record) Prepare(_ *task.Context, out task.OutputCollector) { b.out = out }

func (b *record) Execute(t *task.Tuple) {
	b.seen = append(b.seen, append(task.Values(nil), t.Values...))
	b.ints = append(b.ints, t.Int("i"))
	b.out.Emit("default", []*task.Tuple{t}, task.Values{map[int]int{}}) // refused
	b.out.Ack(t)
}

func init() {
	task.RegisterSpout("test.typed", func() task.Spout { return &typed{} })
	task.RegisterBolt("test.record", func() task.Bolt { return &record{} })
}

func TestEmitValuesReadTheSameEverywhere(t *testing.T) {
	var fields []string
	for _, v := range typedValues {
		fields = append(fields, v.field)
	}
	b := ackConfigBuilder("typed")
	b.Spout("typed", "test.typed", 1).Output("default", fields...)
	b.Bolt("record", "test.record", 1).ShuffleGrouping("typed").Output("default", "m")
	topo := buildTopo(t, b)
	var want task.Values
	for _, v := range typedValues {
		want = append(want, v.to)
	}
	for _, p := range placements {
		t.Run(p.name, func(t *testing.T) {
			c := newAckCluster(t, topo, placeTasks(topo, p.apart), p.lanes)
			c.run()
			id := c.task("record")
			rec := c.execs[c.owner[id]].Bolt(id).(*record)
			if len(rec.seen) != 1 {
				t.Errorf("got %d tuples at the bolt, want 1 (the unsupported one refused)", len(rec.seen))
				if len(rec.seen) == 0 {
					return
				}
			}
			for i, v := range typedValues {
				if got := rec.seen[0][i]; !reflect.DeepEqual(got, v.to) {
					t.Errorf("field %s: got %#v (%T), want %#v (%T)", v.field, got, got, v.to, v.to)
				}
			}
			if rec.ints[0] != -7 {
				t.Errorf("got Int(\"i\") = %d for an emitted int, want -7", rec.ints[0])
			}
			for _, comp := range []string{"typed", "record"} {
				id := c.task(comp)
				errs := task.ErrorsOf(c.execs[c.owner[id]], id)
				if len(errs) != 1 || !strings.Contains(errs[0].Message, tuple.ErrUnsupported.Error()) {
					t.Errorf("got %s errors %v, want one matching %v", comp, errs, tuple.ErrUnsupported)
				}
			}
			if s := c.execs[c.owner[c.task("typed")]].Stats(); s.Emitted != 1 {
				t.Errorf("got %d emits counted, want 1 (refused ones are not)", s.Emitted)
			}
			if p.apart && c.encoded == 0 {
				t.Errorf("got no message through the codec, want the tuple to cross workers")
			}
		})
	}
}
