package supervisor

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// TestLifecycle runs one supervisor and its workers on the ZooKeeper model
// through assignment changes, a move of a port to another topology, a
// session expiry, a worker crash and a supervisor restart.
func TestLifecycle(t *testing.T) {
	w := newWorld(t)
	selfPath := protocol.Layout{}.Supervisor("s1")
	registered := func() {
		t.Helper()
		data, stat, ok := w.zk.Lookup(selfPath)
		if !ok || stat.EphemeralOwner != w.session || !w.sup.Registered() {
			t.Fatalf("at %s: registration %q owner %#x, want owner %#x", w.now, data, stat.EphemeralOwner, w.session)
		}
		if _, err := protocol.DecodeSupervisor(data); err != nil {
			t.Fatal(err)
		}
	}
	registered()

	w.assign(protocol.Assignment{Topology: "wc", Epoch: 1, Workers: []protocol.WorkerAssignment{wa(6700, 1, 2), wa(6701, 3)}})
	w.run(3 * time.Second)
	w.expect("running", w.running(), "6700:wc/e1[1 2] 6701:wc/e1[3] ")
	last := w.beats[len(w.beats)-1]
	w.expect("nimbus view", fmtStatus(last.Workers), "wc:6700/e1/alive wc:6701/e1/alive ")

	// A new epoch: 6700 gains a task (told, not restarted), 6701 is dropped.
	before := w.procs[6700]
	w.assign(protocol.Assignment{Topology: "wc", Epoch: 2, Workers: []protocol.WorkerAssignment{wa(6700, 1, 2, 3)}})
	w.run(2 * time.Second)
	w.expect("running", w.running(), "6700:wc/e2[1 2 3] ")
	if w.procs[6700] != before {
		t.Fatal("an epoch change restarted the worker")
	}
	w.expect("store", storeKeys(w), "worker/6700 ")

	// Nimbus moves 6700 to topology x, writing x's assignment first: for a
	// moment both claim the port, and it stays with wc.
	w.assign(protocol.Assignment{Topology: "x", Epoch: 1, Workers: []protocol.WorkerAssignment{wa(6700, 7)}})
	w.run(time.Second)
	w.expect("running during the move", w.running(), "6700:wc/e2[1 2 3] ")
	w.assign(protocol.Assignment{Topology: "wc", Epoch: 3, Workers: []protocol.WorkerAssignment{wa(6702, 1, 2, 3)}})
	w.run(2 * time.Second)
	w.expect("running after the move", w.running(), "6700:x/e1[7] 6702:wc/e3[1 2 3] ")

	// The session expires: the ephemeral goes; the workers stay; the
	// supervisor registers again on its new session (STORM-1451).
	procs := map[core.Port]*proc{}
	for p, q := range w.procs {
		procs[p] = q
	}
	w.zk.Expire(w.session)
	w.deliver(core.SessionChanged{State: core.Expired, Session: w.session})
	if _, _, ok := w.zk.Lookup(selfPath); ok {
		t.Fatal("registration survived its session")
	}
	w.run(2 * time.Second)
	w.connect()
	w.run(time.Second)
	registered()
	for p, q := range procs {
		if w.procs[p] != q {
			t.Fatalf("session expiry restarted the worker on %d", p)
		}
	}

	// A worker crashes: restarted after the backoff.
	w.kill(6702, "crashed")
	w.deliver(core.Tick{})
	w.run(300 * time.Millisecond)
	if w.procs[6702] != nil {
		t.Fatal("restarted before RestartBackoffMin")
	}
	w.run(time.Second)
	w.expect("running after a crash", w.running(), "6700:x/e1[7] 6702:wc/e3[1 2 3] ")

	// The supervisor crashes and restarts. Its workers live on as orphans;
	// its old session (and registration) lingers until the server expires
	// it. The new incarnation restores its records, adopts the workers by
	// their heartbeats without restarting them, and replaces the stale
	// registration.
	procs = map[core.Port]*proc{}
	for p, q := range w.procs {
		procs[p] = q
	}
	w.startSupervisor()
	w.run(3 * time.Second)
	registered()
	if got := w.sup.Stats(); got.Starts != 0 || got.Stops != 0 || got.Adoptions != 2 || got.StaleRegistrations != 1 {
		t.Fatalf("restarted supervisor: got stats %+v, want no starts or stops, 2 adoptions, 1 stale registration", got)
	}
	for p, q := range procs {
		if w.procs[p] != q {
			t.Fatalf("supervisor restart restarted the worker on %d", p)
		}
	}
	if w.refused != 0 {
		t.Fatalf("got %d StartWorker on a held port, want none", w.refused)
	}

	// Everything is unassigned: every worker stops, every record goes.
	for _, topo := range []core.TopologyID{"wc", "x"} {
		w.zk.Apply(w.nimbus, w.now, core.Delete{Path: protocol.Layout{}.Assignment(topo), Version: core.AnyVersion})
	}
	w.notify()
	w.run(time.Second)
	w.expect("running when unassigned", w.running(), "")
	w.expect("store when unassigned", storeKeys(w), "")
	if got := w.sup.Running(); len(got) != 0 {
		t.Fatalf("got Running %v, want none", got)
	}
	if w.refused != 0 {
		t.Fatalf("got %d StartWorker on a held port, want none", w.refused)
	}
}

func fmtStatus(ws []protocol.WorkerStatus) string {
	var s string
	for _, w := range ws {
		alive := "dead"
		if w.Alive {
			alive = "alive"
		}
		s += fmt.Sprintf("%s:%d/e%d/%s ", w.Topology, w.Port, w.Epoch, alive)
	}
	return s
}

func storeKeys(w *world) string {
	var keys []string
	for k := range w.store {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var s string
	for _, k := range keys {
		s += k + " "
	}
	return s
}
