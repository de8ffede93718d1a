package worker

import (
	"slices"
	"testing"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

func assignInc(incarnation int64, epoch uint64) core.Event {
	return fromSup(protocol.WorkerAssign{Topology: "wc", Port: 6700, Epoch: epoch, Incarnation: incarnation,
		Assigned: true, Tasks: []core.TaskID{1}})
}

// TestMetricsKeyedByIncarnation: persisted windows of another incarnation
// of the topology (a killed submission of the same name) are not kept for
// the new one, and are deleted from the store; the worker's own are kept.
func TestMetricsKeyedByIncarnation(t *testing.T) {
	m := New(Config{Spec: spec, Supervisor: "s1"})
	m.Step(0, core.Restored{Entries: []core.KV{
		{Key: []byte("metrics/wc/3/1"), Value: []byte("old")},
		{Key: []byte("metrics/wc/5/1"), Value: []byte("mine")},
		{Key: []byte("metrics/wc/1"), Value: []byte("no incarnation")},
		{Key: []byte("metrics/other/3/1"), Value: []byte("another topology's")},
	}})
	m.Ready()
	m.Step(0, assignInc(5, 3))
	var deleted []string
	for _, e := range m.Ready() {
		if p, ok := e.(core.Persist); ok && p.Value == nil {
			deleted = append(deleted, string(p.Key))
		}
	}
	slices.Sort(deleted)
	if want := []string{"metrics/wc/1", "metrics/wc/3/1"}; !slices.Equal(deleted, want) {
		t.Errorf("got deletes %q, want %q", deleted, want)
	}
	if got := string(m.restored[restoredKey(5, 1)]); got != "mine" || len(m.restored) != 1 {
		t.Errorf("got restored %q (%d entries), want only incarnation 5's %q", got, len(m.restored), "mine")
	}
	if got := string(m.metricsKey(1)); got != "metrics/wc/5/1" {
		t.Errorf("got key %q, want metrics/wc/5/1", got)
	}
}

// TestWorkerExitsOnAnotherIncarnation: a worker told it runs another
// incarnation of its topology (killed and submitted again) exits, so that
// its supervisor starts one with the new submission's code and counters,
// even though the new assignment's epoch is below its own.
func TestWorkerExitsOnAnotherIncarnation(t *testing.T) {
	m := New(Config{Spec: spec, Supervisor: "s1"})
	m.Step(0, assignInc(5, 4))
	m.Step(0, assignInc(5, 5))
	if m.Exited() || m.Epoch() != 5 {
		t.Fatalf("same incarnation: got exited %t at epoch %d, want running at 5", m.Exited(), m.Epoch())
	}
	m.Step(0, assignInc(9, 3))
	if !m.Exited() {
		t.Errorf("assigned incarnation 9 while running 5: got running, want exited")
	}
}
