package scheduler

import (
	"fmt"
	"strings"
	"testing"

	"github.com/squall/squall/core"
)

// recorder is a tester that stops at the first Fatalf and keeps its message.
type recorder struct{ msg string }

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	panic(r)
}

// checkFails runs checkPlan and returns its complaint, or "".
func checkFails(in Input, p Plan) (msg string) {
	r := &recorder{}
	defer func() {
		if x := recover(); x != nil {
			if x != r {
				panic(x)
			}
			msg = r.msg
		}
	}()
	checkPlan(r, in, p)
	return ""
}

// The plan checker behind every property must be able to fail: each broken
// plan here must draw its complaint.
func TestCheckPlanCatchesBrokenPlans(t *testing.T) {
	base := func() (Input, Plan) {
		in := Input{Supervisors: supervisors(3, 2, roomy), Topologies: []Topology{
			{ID: "iso", Workers: 1, Isolated: true, Tasks: tasks(small, "a:2")},
			{ID: "wc", Workers: 2, Tasks: tasks(small, "b:4")},
		}}
		p, err := Schedule(in)
		if err != nil {
			t.Fatal(err)
		}
		return in, p
	}
	tests := []struct {
		name   string
		mutate func(*Input, *Plan)
		want   string
	}{
		{"over capacity", func(in *Input, p *Plan) {
			for i := range in.Supervisors {
				in.Supervisors[i].Capacity.CPU = 15
			}
		}, "over capacity"},
		{"dead slot", func(in *Input, p *Plan) { in.DeadSlots = []Slot{p.Topologies[1].Workers[0].Slot} }, "not a live slot"},
		{"dead supervisor", func(in *Input, p *Plan) { in.Supervisors = nil }, "not a live slot"},
		{"task twice", func(in *Input, p *Plan) {
			w := &p.Topologies[1].Workers[1]
			w.Tasks = append(w.Tasks, p.Topologies[1].Workers[0].Tasks[0])
		}, "placed twice"},
		{"task lost", func(in *Input, p *Plan) { delete(p.Topologies[1].Tasks, 1) }, "Tasks says"},
		{"slot shared", func(in *Input, p *Plan) {
			iso, w := p.Topologies[0].Workers[0], &p.Topologies[1].Workers[0]
			w.Slot, w.Host = iso.Slot, iso.Host
			for _, id := range w.Tasks {
				p.Topologies[1].Tasks[id] = w.Slot
			}
		}, "runs workers of"},
		{"isolation broken", func(in *Input, p *Plan) {
			iso, w := p.Topologies[0].Workers[0], &p.Topologies[1].Workers[0]
			for i := range in.Supervisors {
				if in.Supervisors[i].ID == w.Slot.Supervisor {
					in.Supervisors[i].Host = iso.Host
				}
			}
			w.Host = iso.Host
		}, "shares host"},
		{"moved unreported", func(in *Input, p *Plan) {
			in.Current = map[core.TopologyID]map[core.TaskID]Slot{"wc": {1: {"s02", 6701}}}
		}, "Moved"},
		{"unplaced without reason", func(in *Input, p *Plan) {
			tp := &p.Topologies[1]
			w := &tp.Workers[0]
			tp.Unplaced = []core.TaskID{w.Tasks[0]}
			delete(tp.Tasks, w.Tasks[0])
			w.Tasks, w.Demand = w.Tasks[1:], w.Demand.Sub(small)
		}, "no reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, p := base()
			if msg := checkFails(in, p); msg != "" {
				t.Fatalf("the unbroken plan: got complaint %q, want none", msg)
			}
			tt.mutate(&in, &p)
			if msg := checkFails(in, p); msg == "" || !strings.Contains(msg, tt.want) {
				t.Errorf("got complaint %q, want one mentioning %q", msg, tt.want)
			}
		})
	}
}
