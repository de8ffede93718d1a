package supervisor

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// TestSwarm drives the world with seeded random faults: assignment churn
// (including two topologies claiming a port), worker crashes, session
// expiries and supervisor restarts. Throughout, no StartWorker may hit a
// held port and every start must be preceded by its record. Then the faults
// stop, nimbus settles on a conflict-free assignment, and the supervisor
// must converge to exactly it within a bounded time.
func TestSwarm(t *testing.T) {
	seeds := 64
	if testing.Short() {
		seeds = 8
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { swarm(t, seed) })
	}
}

// convergeWithin bounds the time from the last fault to the desired state:
// the longest backoff, a start timeout and a stop timeout, with margin.
const convergeWithin = 40 * time.Second

func swarm(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	w := newWorld(t)
	epoch := map[core.TopologyID]uint64{}
	topologies := []core.TopologyID{"t1", "t2", "t3"}
	ports := w.cfg.Slots
	randomAssign := func(topo core.TopologyID, n int) {
		epoch[topo]++
		a := protocol.Assignment{Topology: topo, Epoch: epoch[topo]}
		for task, i := range rng.Perm(len(ports))[:n] {
			a.Workers = append(a.Workers, wa(ports[i], core.TaskID(task)))
		}
		protocol.SortWorkers(a.Workers)
		w.assign(a)
	}
	expired := false
	for step := 0; step < 150; step++ {
		switch r := rng.IntN(100); {
		case r < 32:
			randomAssign(topologies[rng.IntN(len(topologies))], rng.IntN(len(ports)+1))
		case r < 35: // a corrupt write: skipped, the last good version stays
			path := protocol.Layout{}.Assignment(topologies[rng.IntN(len(topologies))])
			w.zk.Apply(w.nimbus, w.now, core.SetData{Path: path, Data: []byte("{corrupt"), Version: core.AnyVersion})
			w.notify()
		case r < 50:
			if port := ports[rng.IntN(len(ports))]; w.procs[port] != nil {
				w.kill(port, "crashed")
			}
		case r < 58 && !expired:
			w.zk.Expire(w.session)
			w.deliver(core.SessionChanged{State: core.Expired, Session: w.session})
			expired = true
		case r < 66 && expired:
			w.connect()
			expired = false
		case r < 72:
			w.startSupervisor()
			expired = false
		default:
			w.run(time.Duration(rng.IntN(3000)) * time.Millisecond)
		}
		if w.refused != 0 {
			t.Fatalf("step %d: StartWorker on a held port", step)
		}
	}
	if expired {
		w.connect()
	}

	// Settle: t1 on the first port, t2 on the others, t3 nowhere.
	epoch["t1"]++
	epoch["t2"]++
	epoch["t3"]++
	w.assign(protocol.Assignment{Topology: "t3", Epoch: epoch["t3"]})
	w.assign(protocol.Assignment{Topology: "t1", Epoch: epoch["t1"], Workers: []protocol.WorkerAssignment{wa(ports[0], 1)}})
	w.assign(protocol.Assignment{Topology: "t2", Epoch: epoch["t2"], Workers: []protocol.WorkerAssignment{
		wa(ports[1], 2), wa(ports[2], 3)}})
	want := fmt.Sprintf("%d:t1/e%d[1] %d:t2/e%d[2] %d:t2/e%d[3] ",
		ports[0], epoch["t1"], ports[1], epoch["t2"], ports[2], epoch["t2"])
	for waited := time.Duration(0); w.running() != want; waited += tickPeriod {
		if waited > convergeWithin {
			t.Fatalf("not converged after %s: running %q, want %q; supervisor %+v",
				convergeWithin, w.running(), want, w.sup.Stats())
		}
		w.run(tickPeriod)
	}
	w.run(2 * time.Second) // stable, and reported alive to nimbus
	w.expect("running when settled", w.running(), want)
	w.expect("records when settled", storeKeys(w), fmt.Sprintf("worker/%d worker/%d worker/%d ", ports[0], ports[1], ports[2]))
	last := w.beats[len(w.beats)-1]
	w.expect("nimbus view", fmtStatus(last.Workers), fmt.Sprintf("t1:%d/e%d/alive t2:%d/e%d/alive t2:%d/e%d/alive ",
		ports[0], epoch["t1"], ports[1], epoch["t2"], ports[2], epoch["t2"]))
	if w.refused != 0 {
		t.Fatal("StartWorker on a held port")
	}
}
