package nimbus

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// Property tests on the harness: where the scripts show what each event
// does, these assert what must hold, over several cases each.

// do runs script commands and ignores their output: the caller asserts on
// the state they leave.
func (h *harness) do(cmds ...string) {
	h.t.Helper()
	for _, c := range cmds {
		h.exec(c)
	}
}

// assignmentEpoch returns the epoch of a topology's assignment in
// ZooKeeper, 0 when there is none.
func (h *harness) assignmentEpoch(id core.TopologyID) uint64 {
	h.t.Helper()
	a, ok := h.assignment(id)
	if !ok {
		return 0
	}
	return a.Epoch
}

// tasksBySupervisor maps each supervisor to the tasks an assignment gives it.
func tasksBySupervisor(a protocol.Assignment) map[core.SupervisorID][]core.TaskID {
	out := map[core.SupervisorID][]core.TaskID{}
	for _, w := range a.Workers {
		out[w.Supervisor] = append(out[w.Supervisor], w.Tasks...)
	}
	for _, ts := range out {
		slices.Sort(ts)
	}
	return out
}

func TestHigherPriorityLeads(t *testing.T) {
	for _, start := range []string{"start a:2 b:1", "start b:1 a:2", "start c:1 b:2 a:3", "start b:2 c:1 a:3"} {
		t.Run(start, func(t *testing.T) {
			h := newHarness(t)
			h.do(start, "run 1s")
			if got := h.leaders(); !slices.Equal(got, []core.NodeID{"a"}) {
				t.Fatalf("leaders: got %v, want [a]", got)
			}
			for _, p := range h.peers {
				r, ok := h.request(p, protocol.ClientRequest{Op: protocol.OpList})
				want := protocol.ClientReply{ID: r.ID, OK: true, Topologies: nil}
				if p.id != "a" {
					want = protocol.ClientReply{ID: r.ID, NotLeader: true, Leader: "a", Error: "nimbus: not the leader"}
				}
				if !ok || fmt.Sprint(r) != fmt.Sprint(want) {
					t.Errorf("%s answers list: got %+v (replied %t), want %+v", p.id, r, ok, want)
				}
			}
		})
	}
}

func TestSubmitPlacesEveryTask(t *testing.T) {
	cases := []struct {
		submit     string
		tasks      int // acker tasks included
		workersMax int
	}{
		{"submit a wc workers=1 spout=1 bolt=1", 3, 1},
		{"submit a wc workers=3 spout=3 bolt=4", 10, 3},
		{"submit a wc workers=6 spout=2 bolt=8", 16, 6},
	}
	for _, c := range cases {
		t.Run(c.submit, func(t *testing.T) {
			h := newHarness(t)
			h.do("start a:2", "sup s1 slots=6700,6701", "sup s2 slots=6700,6701", "sup s3 slots=6700,6701", c.submit, "run 1s")
			a, ok := h.assignment("wc")
			if !ok {
				t.Fatal("no assignment written")
			}
			if a.Epoch != 1 || len(a.Workers) == 0 || len(a.Workers) > c.workersMax {
				t.Errorf("assignment: got epoch %d with %d workers, want epoch 1 with 1 to %d", a.Epoch, len(a.Workers), c.workersMax)
			}
			var got []core.TaskID
			for sup, ts := range tasksBySupervisor(a) {
				if _, ok := h.sups[sup]; !ok {
					t.Errorf("tasks %v on unregistered supervisor %s", ts, sup)
				}
				got = append(got, ts...)
			}
			slices.Sort(got)
			var want []core.TaskID
			for id := 1; id <= c.tasks; id++ {
				want = append(want, core.TaskID(id))
			}
			if !slices.Equal(got, want) {
				t.Errorf("tasks placed: got %v, want each of %v once", got, want)
			}
		})
	}
}

// TestLostSupervisorMovesOnlyItsTasks: a supervisor's session expires; after
// the supervisor grace its tasks, and only those, move under a new epoch.
func TestLostSupervisorMovesOnlyItsTasks(t *testing.T) {
	for _, lost := range []core.SupervisorID{"s1", "s2"} {
		t.Run(string(lost), func(t *testing.T) {
			h := newHarness(t)
			h.do("start a:2", "sup s1", "sup s2", "sup s3", "submit a wc", "run 1s")
			before, _ := h.assignment("wc")
			h.do("sup-expire "+string(lost), "run 4s")
			after, _ := h.assignment("wc")
			if after.Epoch != before.Epoch+1 {
				t.Errorf("epoch: got %d, want %d", after.Epoch, before.Epoch+1)
			}
			was, is := tasksBySupervisor(before), tasksBySupervisor(after)
			if len(is[lost]) > 0 {
				t.Errorf("tasks %v still on %s, whose node is gone", is[lost], lost)
			}
			for sup, ts := range was {
				if sup != lost && !slices.Equal(is[sup], ts) {
					t.Errorf("tasks of healthy %s: got %v, want %v kept", sup, is[sup], ts)
				}
			}
		})
	}
}

// TestWorkerTimeout: a worker not reported alive for its topology's worker
// timeout loses its slot, within a monitor period; one reported alive keeps
// it however long the run.
func TestWorkerTimeout(t *testing.T) {
	for _, timeout := range []time.Duration{5 * time.Second, 10 * time.Second} {
		t.Run(timeout.String(), func(t *testing.T) {
			h := newHarness(t)
			h.do("start a:2 launch=1s", "sup s1", "sup s2", fmt.Sprintf("submit a wc timeout=%s", timeout),
				"run 1s", "beat s1 every=1s", "beat s2 every=1s", "run 1s", "beat s2 every=1s dead=6700")
			lastAlive := h.now
			if !h.runUntil(timeout+2*time.Second, func() bool { return h.assignmentEpoch("wc") == 2 }) {
				t.Fatalf("s2:6700 silent since %s: not moved by %s (timeout %s)", lastAlive, h.now, timeout)
			}
			if moved := h.now.Sub(lastAlive); moved <= timeout || moved > timeout+time.Second+harnessTickPeriod {
				t.Errorf("moved %s after its last report: want within (%s, %s]", moved, timeout, timeout+time.Second+harnessTickPeriod)
			}
			a, _ := h.assignment("wc")
			if ws := a.WorkersOn("s1"); len(ws) != 1 || ws[0].Port != 6700 {
				t.Errorf("s1's worker, reported alive: got %+v, want it kept on 6700", ws)
			}
			h.do("beat s2 every=1s", "run 60s")
			if got := h.assignmentEpoch("wc"); got != 2 {
				t.Errorf("with every worker reported alive for 60s: epoch %d, want 2", got)
			}
		})
	}
}

// TestFailoverGrace (STORM-3984): a new leader that has heard no heartbeat
// moves nothing for the worker timeout after its takeover; then, with no
// heartbeat still, it does. The launch grace is short, so that only the
// failover grace holds the workers.
func TestFailoverGrace(t *testing.T) {
	for _, timeout := range []time.Duration{10 * time.Second, 30 * time.Second} {
		t.Run(timeout.String(), func(t *testing.T) {
			h := newHarness(t)
			h.do("start a:2 b:1 launch=1s", "sup s1", "sup s2", fmt.Sprintf("submit a wc timeout=%s", timeout),
				"beat s1 every=1s", "beat s2 every=1s", "run 5s", "beat s1 off", "beat s2 off", "crash a")
			if got := h.leaders(); !slices.Equal(got, []core.NodeID{"b"}) {
				t.Fatalf("leaders after a crashed: got %v, want [b]", got)
			}
			takeover := h.now
			h.run(timeout - harnessTickPeriod)
			if got := h.assignmentEpoch("wc"); got != 1 {
				t.Fatalf("%s after the takeover, no heartbeat yet: epoch %d, want 1 (nothing moved)", h.now.Sub(takeover), got)
			}
			if !h.runUntil(2*time.Second, func() bool { return h.assignmentEpoch("wc") == 2 }) {
				t.Errorf("no heartbeat for %s after the takeover: nothing moved, want the silent workers moved", h.now.Sub(takeover))
			}
		})
	}
}

// TestPendingKillSurvivesCrash (STORM-3516): the leader records a kill with
// a wait and crashes; the new leader removes the topology once the wait,
// restarted from its takeover, is over: never before.
func TestPendingKillSurvivesCrash(t *testing.T) {
	for _, wait := range []time.Duration{3 * time.Second, 5 * time.Second, 20 * time.Second} {
		t.Run(wait.String(), func(t *testing.T) {
			h := newHarness(t)
			h.do("start a:2 b:1", "sup s1", "sup s2", "submit a wc", "run 1s", fmt.Sprintf("kill a wc wait=%s", wait), "run 2s")
			rec, ok := h.record("wc")
			if !ok || rec.Status != protocol.StatusKilled || rec.Pending == nil || rec.Pending.Wait != wait {
				t.Fatalf("record before the crash: got %+v, want KILLED with a kill pending for %s", rec, wait)
			}
			h.do("crash a")
			takeover := h.now
			gone := func() bool { _, ok := h.record("wc"); return !ok }
			if !h.runUntil(wait+2*time.Second, gone) {
				t.Fatalf("not removed %s after b took over, want within %s", h.now.Sub(takeover), wait+time.Second)
			}
			if after := h.now.Sub(takeover); after < wait || after > wait+time.Second+harnessTickPeriod {
				t.Errorf("removed %s after b took over: want within [%s, %s]", after, wait, wait+time.Second+harnessTickPeriod)
			}
			if _, ok := h.assignment("wc"); ok {
				t.Error("assignment still there after the record went")
			}
		})
	}
}

// TestFencedOutWriteStopsLeading: a leader whose write is refused by its
// fence counts it and leads no more, even before it hears that its session
// expired.
func TestFencedOutWriteStopsLeading(t *testing.T) {
	for _, op := range []string{"deactivate a wc", "kill a wc", "submit a other", "rebalance a wc workers=1"} {
		t.Run(op, func(t *testing.T) {
			h := newHarness(t)
			h.do("start a:2 b:1", "sup s1", "submit a wc", "run 1s", "expire a silent")
			h.do(op)
			a := h.peer("a")
			if got := a.m.Stats().FencedOut; got != 1 {
				t.Errorf("FencedOut: got %d, want 1", got)
			}
			if a.m.IsLeader() {
				t.Error("a after its write was fenced out: IsLeader got true, want false")
			}
			r, ok := h.request(a, protocol.ClientRequest{Op: protocol.OpList})
			if !ok || !r.NotLeader {
				t.Errorf("a answers list: got %+v, want NotLeader", r)
			}
			if rec, _ := h.record("wc"); rec.Status != protocol.StatusActive {
				t.Errorf("record after a fenced write: status %s, want ACTIVE", rec.Status)
			}
		})
	}
}

// TestTakeoverReadFailureKeepsTopologies: whichever takeover read goes
// unanswered, the new leader ends up with the whole cluster state and
// changes nothing that runs.
func TestTakeoverReadFailureKeepsTopologies(t *testing.T) {
	reads := []string{
		"children+/squall/topologies", "children+/squall/assignments", "children+/squall/supervisors",
		"get+/squall/topologies/wc", "get+/squall/assignments/wc", "get+/squall/supervisors/s1",
	}
	for _, fault := range []string{"lose", "drop"} {
		for _, read := range reads {
			t.Run(fault+" "+read, func(t *testing.T) {
				h := newHarness(t)
				h.do("start a:2 b:1", "sup s1", "sup s2", "submit a wc", "run 1s")
				before, _ := h.assignment("wc")
				h.do(fault+" b "+read, "crash a", "run 3s")
				after, ok := h.assignment("wc")
				if !ok || fmt.Sprint(after) != fmt.Sprint(before) {
					t.Errorf("assignment: got %v (exists %t), want %v unchanged", showAssignment(after), ok, showAssignment(before))
				}
				r, _ := h.request(h.peer("b"), protocol.ClientRequest{Op: protocol.OpStatus, Topology: "wc"})
				if !r.OK || len(r.Topologies) != 1 || r.Topologies[0].Epoch != before.Epoch {
					t.Errorf("status wc: got %+v, want it at epoch %d", r, before.Epoch)
				}
			})
		}
	}
}

// TestCorruptZnodes: a znode that cannot be read, or breaks a contract, is
// counted in Stats().Corrupt; nothing panics, what it guards is left alone,
// and everything else goes on.
func TestCorruptZnodes(t *testing.T) {
	const soundAssignment = `{"topology":"bad","epoch":3,"workers":[{"supervisor":"s1","host":"s1-host","port":6701,` +
		`"tasks":[1],"resources":{"cpu":0,"memory_mb":0,"network_mbps":0,"disk_mb":0}}]}`
	wcRecord := protocol.Encode(protocol.TopologyRecord{ID: "wc", Name: "wc",
		Spec: specJSON(newHarness(t), "wc", opts{}), Status: protocol.StatusActive})
	cases := []struct {
		name     string
		setup    []string // before the nimbus starts
		submitWC bool
		check    func(t *testing.T, h *harness)
	}{
		{"record not JSON keeps its assignment and slot",
			[]string{"zk-put /squall/topologies/bad {not", "zk-put /squall/assignments/bad " + soundAssignment, "sup s1"}, true,
			func(t *testing.T, h *harness) {
				if data, _, ok := h.zk.Lookup("/squall/assignments/bad"); !ok || string(data) != soundAssignment {
					t.Errorf("assignment of the unreadable record: got %q (exists %t), want it kept", data, ok)
				}
				if a, _ := h.assignment("wc"); slices.ContainsFunc(a.Workers, func(w protocol.WorkerAssignment) bool { return w.Port == 6701 }) {
					t.Errorf("wc placed on s1:6701, which bad's worker holds: %s", showAssignment(a))
				}
			}},
		{"record whose spec does not decode keeps its assignment",
			[]string{`zk-put /squall/topologies/bad {"id":"bad","name":"bad","spec":{"version":7},"status":"ACTIVE"}`,
				"zk-put /squall/assignments/bad " + soundAssignment, "sup s1"}, true,
			func(t *testing.T, h *harness) {
				if _, _, ok := h.zk.Lookup("/squall/assignments/bad"); !ok {
					t.Error("assignment of the unreadable record: deleted, want it kept")
				}
			}},
		{"assignment not JSON is replaced",
			[]string{"zk-put /squall/topologies/wc " + string(wcRecord), "zk-put /squall/assignments/wc [1,2", "sup s1"}, false,
			func(t *testing.T, h *harness) {
				data, _, _ := h.zk.Lookup("/squall/assignments/wc")
				if a, err := protocol.DecodeAssignment(data); err != nil || len(a.Workers) == 0 {
					t.Errorf("assignment of wc: got %q, want a sound one placing its tasks", data)
				}
				corrupt := h.peer("a").m.Stats().Corrupt
				h.run(5 * time.Second)
				if got := h.peer("a").m.Stats().Corrupt; got != corrupt {
					t.Errorf("Corrupt grew from %d to %d in 5s: the nimbus keeps re-reading it", corrupt, got)
				}
			}},
		{"supervisor not JSON", []string{"sup-raw s9 {\"id\":", "sup s1"}, true, schedulesOnS1},
		{"supervisor listing a port twice", []string{"sup s1", "sup s9 slots=6700,6700"}, true, schedulesOnS1},
		{"supervisor without a host", []string{"sup s1", "sup s9 host="}, true, schedulesOnS1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			h.do(c.setup...)
			h.do("start a:2")
			if c.submitWC {
				h.do("submit a wc")
			}
			h.do("run 3s")
			if got := h.peer("a").m.Stats().Corrupt; got == 0 {
				t.Error("Corrupt: got 0, want the bad znode counted")
			}
			c.check(t, h)
		})
	}
}

// schedulesOnS1 checks that wc runs, on the sound supervisor s1 only.
func schedulesOnS1(t *testing.T, h *harness) {
	a, ok := h.assignment("wc")
	if !ok {
		t.Fatal("no assignment for wc: one bad registration stopped scheduling")
	}
	for sup := range tasksBySupervisor(a) {
		if sup != "s1" {
			t.Errorf("tasks on %s: want s1 only, %s", sup, showAssignment(a))
		}
	}
}
