package scenarios

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/lanes"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/topology"
	"github.com/squall/squall/core/worker"
	"github.com/squall/squall/sim"
)

// Behavioural checks: what the cluster does for its user, beyond the
// safety invariants checked on every write. The swarm runs each where it
// applies; each can fail, and the mutants (see mutants_test.go) show it.

// behaviour is the state the behavioural checks keep during a run.
type behaviour struct {
	hist *history // the cluster client's calls (linearizable)

	// dataplane_liveness: per sequence topology, what was acked at the heal.
	live map[string]liveMark

	// sticky: the last assignment seen per topology, whether a rebalance
	// may move its tasks, and the status its record had.
	plans      map[string]protocol.Assignment
	mayMove    map[string]bool
	lastStatus map[string]string
}

// liveMark is a sequence topology at the heal: every number up to upTo
// was emitted before it, and acked numbers were counted.
type liveMark struct {
	upTo  int64
	acked int
}

func init() {
	checks["linearizable"] = checkDef{doc: "the cluster client's whole history (submits, kills and " +
		"rebalances with and without wait, activate, deactivate, status) is linearizable per topology (porcupine)",
		arm: armLinearizable, final: checkLinearizable}
	checks["dataplane_liveness"] = checkDef{doc: "after the heal every sequence topology acks new numbers, " +
		"and every number up to the highest acked at the heal is acked (the run waits for both to converge)",
		arm: armDataPlaneLiveness, final: checkDataPlaneLiveness}
	checks["pending_done"] = checkDef{doc: "after the heal every kill and rebalance is carried out: no " +
		"topology record keeps a pending action (the run waits for it to converge)",
		arm: func(e *engine) {
			e.settledAlso = append(e.settledAlso, func() bool { return e.pendingWhy() == "" })
		},
		final: func(e *engine) {
			if why := e.pendingWhy(); why != "" {
				e.violatef("pending_done: %s", why)
			}
		}}
	checks["one_key_one_task"] = checkDef{doc: "each number of a sequence or join topology reaches one " +
		"sink task only (the sink's fields grouping on seq, over the join's two-field stream), " +
		"valid while the sink's parallelism stays",
		final: func(e *engine) {
			for _, t := range e.sequenceTopologies() {
				if sp := e.led.of(t).split; sp.seq != 0 {
					e.violatef("one_key_one_task: %s's number %d reached sink task %d and then task %d",
						t, sp.seq, sp.first, sp.then)
				}
			}
		}}
	checks["backpressure"] = checkDef{doc: "a worker's inbox pressure lifts once its inboxes drain under " +
		"the low mark (polled; measures backpressure_engaged, backpressure_released)",
		arm: armBackpressure, final: func(*engine) {}}
	checks["sticky"] = checkDef{doc: "a new plan moves no task out of a slot it keeps, unless a rebalance " +
		"asked or the old plan did not place the whole topology (checked on every assignment write)",
		arm: armSticky, final: func(*engine) {}}
	checks["supervisor_keeps_workers"] = checkDef{doc: "no supervisor starts a worker on a port a live, " +
		"unpaused worker holds, and none stops, in its first keepWindow after a (re)start, a live, unpaused " +
		"worker its topology's assignment still places there: a restarted supervisor adopts its workers " +
		"from its launch records",
		arm: armKeepsWorkers, final: func(*engine) {}}
}

// armLinearizable records client 0's calls, the spec's own included.
func armLinearizable(e *engine) {
	e.bhv.hist = newHistory(e.c.w.Now, e.c.leaderTerm)
	e.bhv.hist.keepStale = true // nimbus answers nothing while disconnected
	e.c.cl.rec, e.c.cl.recID = e.bhv.hist, 0
}

func checkLinearizable(e *engine) {
	ops := e.bhv.hist.operations()
	e.measures["client_operations"] = float64(len(ops))
	path := filepath.Join(os.TempDir(), fmt.Sprintf("squall-swarm-linearizability-seed-%d.html", e.opts.Seed))
	if _, err := linCheck(ops, nil, path); err != nil {
		e.violatef("%v", err)
	}
}

func armDataPlaneLiveness(e *engine) {
	e.healHooks = append(e.healHooks, func() {
		e.bhv.live = map[string]liveMark{}
		for _, t := range e.sequenceTopologies() {
			led := e.led.of(t)
			upTo := int64(0)
			led.acked.Each(func(seq int64, _ int) { upTo = max(upTo, seq) })
			e.bhv.live[t] = liveMark{upTo: upTo, acked: led.acked.Distinct()}
		}
	})
	e.settledAlso = append(e.settledAlso, func() bool { return e.livenessWhy() == "" })
}

func checkDataPlaneLiveness(e *engine) {
	if e.bhv.live == nil {
		e.violatef("dataplane_liveness: the run never healed")
		return
	}
	if why := e.livenessWhy(); why != "" {
		e.violatef("dataplane_liveness: %s", why)
	}
}

// livenessWhy says which ACTIVE sequence topology has not yet acked a
// number up to its mark or nothing new since the heal; "" when none.
func (e *engine) livenessWhy() string {
	for _, t := range sortedKeys(e.bhv.live) {
		mark, led := e.bhv.live[t], e.led.of(t)
		if rec, ok := e.c.record(t); !ok || rec.Status != protocol.StatusActive {
			continue // deactivated for good (a refused activate): its spouts rightly wait
		}
		if led.acked.Distinct() <= mark.acked {
			return fmt.Sprintf("%s acked nothing new since the heal (%d numbers acked)", t, mark.acked)
		}
		for seq := int64(1); seq <= mark.upTo; seq++ {
			if led.acked.Count(seq) == 0 {
				return fmt.Sprintf("%s never acked number %d, emitted before the heal (acked up to %d then)",
					t, seq, mark.upTo)
			}
		}
	}
	return ""
}

// pendingWhy names a topology whose record keeps a pending kill or
// rebalance; "" when none does.
func (e *engine) pendingWhy() string {
	for _, name := range e.c.w.ZK().ChildrenOf(e.c.layout.Topologies()) {
		if rec, ok := e.c.record(name); ok && rec.Pending != nil {
			return fmt.Sprintf("%s is still %s with a %s pending (wait %s)", name, rec.Status,
				rec.Pending.Kind, rec.Pending.Wait)
		}
	}
	return ""
}

func (e *engine) sequenceTopologies() []string {
	var out []string
	for _, t := range e.spec.Topologies {
		if t.sequence() {
			out = append(out, t.Name)
		}
	}
	return out
}

func armSticky(e *engine) {
	b := &e.bhv
	b.plans, b.mayMove, b.lastStatus = map[string]protocol.Assignment{}, map[string]bool{}, map[string]string{}
	e.c.w.OnZKApply(func(a sim.Applied) {
		if a.Reply.Code != core.CodeOK {
			return
		}
		for _, path := range writtenPaths(a.Req) {
			e.stickyWrite(path)
		}
	})
}

// stickyWrite looks at one written path: a topology record's status (a
// rebalance may move tasks), or an assignment, compared with the last.
func (e *engine) stickyWrite(path string) {
	b, c := &e.bhv, e.c
	if name, ok := strings.CutPrefix(path, c.layout.Topologies()+"/"); ok {
		rec, ok := c.record(name)
		if ok && rec.Status == protocol.StatusRebalancing {
			b.mayMove[name] = true
		}
		b.lastStatus[name] = rec.Status
		return
	}
	name, ok := strings.CutPrefix(path, c.layout.Assignments()+"/")
	if !ok {
		return
	}
	data, _, ok := c.w.ZK().Lookup(path)
	if !ok {
		delete(b.plans, name)
		return
	}
	next, err := protocol.DecodeAssignment(data)
	if err != nil {
		return // checkApply's readers report it
	}
	old, had := b.plans[name]
	b.plans[name] = next
	if !had {
		return
	}
	moved := movedFromKept(old, next)
	if moved == "" {
		return
	}
	if b.mayMove[name] || b.lastStatus[name] == protocol.StatusRebalancing || !placesAll(old, c.topologyOf(core.TopologyID(name))) {
		b.mayMove[name] = b.lastStatus[name] == protocol.StatusRebalancing
		return
	}
	e.violatef("sticky: %s's new plan (epoch %d) moves %s, a slot it keeps, with no rebalance asked",
		name, next.Epoch, moved)
}

// movedFromKept names a task that left a slot both plans use ("" if none).
func movedFromKept(old, next protocol.Assignment) string {
	slotOf := func(a protocol.Assignment) map[string][]core.TaskID {
		m := map[string][]core.TaskID{}
		for _, w := range a.Workers {
			m[string(w.Supervisor)+":"+strconv.Itoa(int(w.Port))] = w.Tasks
		}
		return m
	}
	before, after := slotOf(old), slotOf(next)
	for _, slot := range sortedKeys(before) {
		kept, ok := after[slot]
		if !ok {
			continue // a dead slot: its tasks move
		}
		for _, t := range before[slot] {
			if !slices.Contains(kept, t) {
				return fmt.Sprintf("task %d out of %s", t, slot)
			}
		}
	}
	return ""
}

// placesAll reports whether a places every task of spec on as many
// workers as it asks (a plan that does not may grow, moving tasks).
func placesAll(a protocol.Assignment, spec *topology.Topology) bool {
	if spec == nil {
		return false
	}
	tasks := topology.Tasks(spec)
	n := 0
	for _, w := range a.Workers {
		n += len(w.Tasks)
	}
	return n == len(tasks) && len(a.Workers) >= min(spec.Config.Workers, len(tasks))
}

// writtenPaths lists the paths a write request changes.
func writtenPaths(req core.Request) []string {
	switch r := req.(type) {
	case core.Create:
		return []string{r.Path}
	case core.SetData:
		return []string{r.Path}
	case core.Delete:
		return []string{r.Path}
	case core.Multi:
		var out []string
		for _, op := range r.Ops {
			out = append(out, writtenPaths(op)...)
		}
		return out
	}
	return nil
}

// armKeepsWorkers watches every refused StartWorker: "port in use" with a
// live, unpaused worker on the port means the supervisor did not know the
// worker it had launched. A supervisor whose disk had I/O errors is
// exempt: a failed store may hold no readable launch records, and the
// supervisor then adopts what its refused starts find.
func armKeepsWorkers(e *engine) {
	started := map[string]core.Time{} // each supervisor's last (re)start
	e.observers = append(e.observers, func(r sim.Record) {
		switch {
		case r.What == "start":
			started[r.Who] = r.At
			return
		case r.What == "effect" && strings.HasPrefix(r.Detail, "stop-worker "):
			if at, ok := started[r.Who]; ok && r.At.Sub(at) < keepWindow {
				checkKeptStop(e, r, r.At.Sub(at))
			}
			return
		}
		if r.What != "event" || !strings.HasPrefix(r.Detail, "worker-started ") ||
			!strings.Contains(r.Detail, `err="port in use"`) {
			return
		}
		port, ok := detailInt(r.Detail, "port=")
		if !ok || e.diskFailed(r.Who) {
			return
		}
		n := e.c.w.WorkerProcess(core.SupervisorID(r.Who), core.Port(port))
		if n != nil && n.Up() && !n.Paused() {
			e.violatef("supervisor_keeps_workers: %s started a worker on port %d, which its live worker %s holds",
				r.Who, port, n.ID())
		}
	})
}

// keepWindow is how long after its (re)start a supervisor has no reason to
// stop a live worker that its assignment still places: less than the
// worker timeout (a silent worker is stopped after it), with room for
// clock drift.
const keepWindow = 2 * time.Second

// checkKeptStop flags a stop-worker of a restarted supervisor whose worker
// is up, unpaused, and still placed on that port by its topology's
// assignment: a worker the supervisor should have adopted. A supervisor
// whose disk had I/O errors is exempt, as for starts.
func checkKeptStop(e *engine, r sim.Record, since time.Duration) {
	port, ok := detailInt(r.Detail, "port=")
	if !ok || e.diskFailed(r.Who) {
		return
	}
	sup := core.SupervisorID(r.Who)
	n := e.c.w.WorkerProcess(sup, core.Port(port))
	if n == nil || !n.Up() || n.Paused() {
		return
	}
	wm, _ := n.Machine().(*worker.Machine)
	if wm == nil || wm.Exited() {
		return
	}
	for _, a := range e.c.assignments() {
		if a.Topology != wm.Topology() {
			continue
		}
		for _, w := range a.WorkersOn(sup) {
			if int(w.Port) == port {
				e.violatef("supervisor_keeps_workers: %s stopped its live worker %s of %s %s after its start, "+
					"which the assignment still places there", r.Who, n.ID(), a.Topology, since)
			}
		}
	}
}

// detailInt reads the integer after key in a trace detail.
func detailInt(detail, key string) (int, bool) {
	i := strings.Index(detail, key)
	if i < 0 {
		return 0, false
	}
	rest := detail[i+len(key):]
	if j := strings.IndexByte(rest, ' '); j >= 0 {
		rest = rest[:j]
	}
	v, err := strconv.Atoi(rest)
	return v, err == nil
}

// diskFailed reports whether the node's disk had I/O errors injected.
func (e *engine) diskFailed(id string) bool {
	hit := e.errored
	if e.chaos != nil {
		hit = append(slices.Clone(hit), e.chaos.hit...)
	}
	for _, n := range hit {
		if string(n.ID()) == id {
			return true
		}
	}
	return false
}

// backpressureHeldPolls is how many polls in a row (pollPeriod apart) a
// worker may keep its pressure on with every inbox drained before the
// check says it lifts late: the worker re-evaluates on every tick.
const backpressureHeldPolls = 2

// planePressure reads a worker's backpressure state from its single
// executor or its lanes plane; a nil key when it runs neither.
func planePressure(wm *worker.Machine) (key any, on, drained, over bool) {
	if ex := wm.Executor(); ex != nil {
		on, drained, over = ex.Pressure()
		return ex, on, drained, over
	}
	if st, ok := wm.Plane().(*lanes.Stepped); ok {
		on, drained, over = st.Pressure()
		return st, on, drained, over
	}
	return nil, false, false, false
}

// armBackpressure polls every data-plane worker: pressure on while its
// inboxes are drained, for backpressureHeldPolls polls, lifts late. It
// measures how often pressure was engaged (an inbox past the high mark)
// and released.
func armBackpressure(e *engine) {
	held := map[any]int{} // by the plane's executor or lanes plane
	was := map[any]bool{}
	e.c.waitFor(at(0), "backpressure", func() bool {
		for _, n := range e.c.w.Workers() {
			wm, _ := n.Machine().(*worker.Machine)
			if wm == nil || n.Paused() {
				continue
			}
			ex, on, drained, over := planePressure(wm)
			if ex == nil {
				continue
			}
			if over {
				e.measures["backpressure_over_high"]++
			}
			if was[ex] && !on {
				e.measures["backpressure_released"]++
			}
			if on && !was[ex] {
				e.measures["backpressure_engaged"]++
			}
			was[ex] = on
			if !on || !drained {
				delete(held, ex)
				continue
			}
			if held[ex]++; held[ex] >= backpressureHeldPolls {
				e.violatef("backpressure: worker %s keeps its pressure on with every inbox under the low mark "+
					"for %d polls", n.ID(), held[ex])
			}
		}
		return e.c.w.Now() >= e.end
	}, func() {})
}
