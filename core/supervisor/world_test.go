package supervisor

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/election"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/worker"
	"github.com/squall/squall/sim/zkmodel"
)

// world is a small synchronous driver: one supervisor on the ZooKeeper
// model, its store as a map, its workers as worker machines, and a nimbus
// that writes assignments and collects heartbeats. Every effect runs at
// once; its outcome is queued for the supervisor in order.
type world struct {
	t       *testing.T
	zk      *zkmodel.Server
	now     core.Time
	cfg     Config
	sup     *Machine
	session core.SessionID
	nimbus  core.SessionID
	store   map[string][]byte
	procs   map[core.Port]*proc
	queue   []core.Event
	refused int // StartWorker on a port a live process holds
	beats   []protocol.SupervisorHeartbeat
}

// proc is a live worker process.
type proc struct {
	spec  core.WorkerSpec
	m     *worker.Machine
	dying string // killed: it ends, and its exit is reported, at the next tick
}

const sessionTimeout = 10 * time.Second

func newWorld(t *testing.T) *world {
	w := &world{t: t, zk: zkmodel.New(), store: map[string][]byte{}, procs: map[core.Port]*proc{}}
	w.cfg = Config{ID: "s1", Host: "h1", Address: "s1", Slots: []core.Port{6700, 6701, 6702}}
	w.nimbus = w.zk.OpenSession(0, sessionTimeout)
	for _, p := range []string{"/squall", "/squall/nimbus", "/squall/assignments"} {
		w.zk.Apply(w.nimbus, 0, core.Create{Path: p, Mode: core.Persistent})
	}
	leader, _ := json.Marshal(election.Member{ID: "nimbus-1", Address: "nimbus-1"})
	w.zk.Apply(w.nimbus, 0, core.Create{Path: "/squall/nimbus/leader", Data: leader, Mode: core.Ephemeral})
	w.startSupervisor()
	return w
}

// startSupervisor starts a supervisor process: a fresh machine, handed its
// store, then a new session (the old one, if any, lingers until it expires).
func (w *world) startSupervisor() {
	w.sup = New(w.cfg)
	w.queue = nil
	var restored core.Restored
	for _, k := range slices.Sorted(maps.Keys(w.store)) {
		restored.Entries = append(restored.Entries, core.KV{Key: []byte(k), Value: w.store[k]})
	}
	w.deliver(restored)
	w.connect()
}

func (w *world) connect() {
	w.session = w.zk.OpenSession(w.now, sessionTimeout)
	w.deliver(core.SessionChanged{State: core.Connected, Session: w.session})
}

// deliver queues ev and runs the supervisor until nothing is left to do.
func (w *world) deliver(ev core.Event) {
	w.queue = append(w.queue, ev)
	for steps := 0; len(w.queue) > 0; steps++ {
		if steps > 10000 {
			w.t.Fatal("supervisor does not quiesce")
		}
		ev := w.queue[0]
		w.queue = w.queue[1:]
		w.sup.Step(w.now, ev)
		for _, e := range w.sup.Ready() {
			w.execute(e)
		}
	}
}

func (w *world) execute(e core.Effect) {
	switch e := e.(type) {
	case core.Coord:
		w.queue = append(w.queue, core.CoordResult{Op: e.Op, Reply: w.zk.Apply(w.session, w.now, e.Req)})
		w.notify()
	case core.Persist:
		if e.Value == nil {
			delete(w.store, string(e.Key))
		} else {
			w.store[string(e.Key)] = e.Value
		}
		w.queue = append(w.queue, core.Persisted{Op: e.Op})
	case core.StartWorker:
		port := e.Spec.Port
		if _, held := w.store[string(recordKey(port))]; !held {
			w.t.Errorf("StartWorker %s without a launch record", e.Spec)
		}
		if w.procs[port] != nil {
			w.refused++
			w.queue = append(w.queue, core.WorkerStarted{Op: e.Op, Port: port, Err: "port in use"})
			return
		}
		w.procs[port] = &proc{spec: e.Spec, m: worker.New(worker.Config{Spec: e.Spec, Supervisor: w.cfg.Address})}
		w.queue = append(w.queue, core.WorkerStarted{Op: e.Op, Port: port})
	case core.StopWorker:
		if p := w.procs[e.Port]; p != nil && p.dying == "" {
			p.dying = "stopped" // a kill takes a moment: the port stays held until then
		}
	case core.Send:
		w.send(e)
	default:
		w.t.Fatalf("unexpected effect %s", e)
	}
}

func (w *world) kill(port core.Port, reason string) {
	p := w.procs[port]
	if p == nil {
		return
	}
	delete(w.procs, port)
	w.queue = append(w.queue, core.WorkerExited{Port: port, Topology: p.spec.Topology, Reason: reason})
}

func (w *world) send(e core.Send) {
	msg, err := protocol.DecodeMessage(e.Payload)
	if err != nil {
		w.t.Fatalf("supervisor sent an undecodable message: %v", err)
	}
	if hb, ok := msg.(protocol.SupervisorHeartbeat); ok && e.To == "nimbus-1" {
		w.beats = append(w.beats, hb)
		return
	}
	for port, p := range w.procs {
		if protocol.WorkerNode(w.cfg.ID, port) == e.To && p.dying == "" {
			p.m.Step(w.now, core.Recv{From: w.cfg.Address, Payload: e.Payload})
			w.workerEffects(port, p)
		}
	}
}

func (w *world) workerEffects(port core.Port, p *proc) {
	for _, e := range p.m.Ready() {
		switch e := e.(type) {
		case core.Send:
			w.queue = append(w.queue, core.Recv{From: protocol.WorkerNode(w.cfg.ID, port), Payload: e.Payload})
		case core.Exit:
			w.kill(port, e.Reason)
		}
	}
}

// notify turns the model's watch notifications for the supervisor's
// session into events.
func (w *world) notify() {
	for _, n := range w.zk.TakeNotifications() {
		if n.Session == w.session {
			w.queue = append(w.queue, n.Event)
		}
	}
}

// run advances time by d in ticks of tickPeriod: workers, then the supervisor.
func (w *world) run(d time.Duration) {
	for end := w.now.Add(d); w.now < end; {
		w.now = w.now.Add(tickPeriod)
		w.zk.Touch(w.session, w.now)
		w.zk.Touch(w.nimbus, w.now)
		w.zk.ExpireDue(w.now)
		w.notify()
		for _, port := range slices.Sorted(maps.Keys(w.procs)) {
			if p := w.procs[port]; p.dying != "" {
				w.kill(port, p.dying)
			}
		}
		for _, port := range slices.Sorted(maps.Keys(w.procs)) {
			if p := w.procs[port]; p != nil {
				p.m.Step(w.now, core.Tick{})
				w.workerEffects(port, p)
			}
		}
		w.deliver(core.Tick{})
	}
}

// assign writes an assignment as nimbus would and lets its watch fire.
func (w *world) assign(a protocol.Assignment) {
	path := protocol.Layout{}.Assignment(a.Topology)
	r := w.zk.Apply(w.nimbus, w.now, core.SetData{Path: path, Data: protocol.Encode(a), Version: core.AnyVersion})
	if r.Code == core.CodeNoNode {
		r = w.zk.Apply(w.nimbus, w.now, core.Create{Path: path, Data: protocol.Encode(a)})
	}
	if r.Code != core.CodeOK {
		w.t.Fatalf("assign %s: %s", a.Topology, r.Code)
	}
	w.notify()
	w.deliver(core.Tick{})
}

// running prints the live processes and their tasks, sorted by port.
func (w *world) running() string {
	var s string
	for _, port := range slices.Sorted(maps.Keys(w.procs)) {
		p := w.procs[port]
		s += fmt.Sprintf("%d:%s/e%d%v ", port, p.spec.Topology, p.m.Epoch(), p.m.Tasks())
	}
	return s
}

func (w *world) expect(what, got, want string) {
	w.t.Helper()
	if got != want {
		w.t.Fatalf("%s at %s: got %q, want %q", what, w.now, got, want)
	}
}

func wa(port core.Port, tasks ...core.TaskID) protocol.WorkerAssignment {
	return protocol.WorkerAssignment{Supervisor: "s1", Port: port, Tasks: tasks}
}
