package scheduler

import "github.com/squall/squall/core"

// none marks an absent index: no worker, no claim, no supervisor.
const none int32 = -1

// cluster is the scheduler's working state: the input indexed by dense
// integer ids, sorted once, and the placement built so far. Every change goes
// through the primitives below, which keep the derived sums (a supervisor's
// used resources and free slots, a worker's demand and task count) exact and
// log an undo entry, so that a topology whose turn fails rolls back whole.
type cluster struct {
	sups    []supState    // by SupervisorID
	hosts   []hostState   // by name
	topos   []topoState   // processing order: isolated first, then (Priority, ID)
	tasks   []taskState   // topology by topology, each by TaskID
	workers []workerState // every worker ever opened; closed ones stay, marked
	undo    []undoEntry   // changes since the current turn began

	supByID    map[core.SupervisorID]int32
	hostByName map[string]int32
	scratch    scratch
}

type supState struct {
	id       core.SupervisorID
	host     int32
	capacity Resources
	used     Resources   // the demand of every task placed on it
	slots    []slotState // by port
	free     int32       // live slots without a worker
}

type slotState struct {
	port   core.Port
	dead   bool
	worker int32 // none when no worker runs there
	seen   int32 // scratch: 1 + the last topology counted as currently using it
}

type hostState struct {
	name  string
	sups  []int32 // by SupervisorID
	claim int32   // the isolated topology owning the host, or none
}

type topoState struct {
	spec       *Topology
	first, end int32       // its tasks are cluster.tasks[first:end]
	want       int32       // the workers it should have: min(Workers, tasks)
	replan     bool        // rebalanced or shrunk: its current placement is not kept
	comps      []compState // by name
	reason     string      // why it is infeasible; "" when placed whole
}

type compState struct {
	name      string
	tasks     int32    // how many tasks it has
	pinned    bool     // Pins restricts it to some hosts
	pinHosts  []int32  // the live hosts it is pinned to, ascending
	pinNames  []string // every host it is pinned to, sorted, for reasons
	neighbors []int32  // components it shares an edge with, ascending
}

type taskState struct {
	id      core.TaskID
	topo    int32
	comp    int32
	worker  int32 // none while unplaced
	curSup  int32 // the supervisor of its slot in Input.Current; none, or gone
	curSlot int32 // the index of that slot among curSup's slots
	demand  Resources
}

// gone marks a task whose current slot no longer exists: its supervisor
// died or dropped the port.
const gone int32 = -2

type workerState struct {
	topo, sup, slot int32
	demand          Resources // the sum of its tasks' demands
	count           int32     // its tasks
	closed          bool
	local           int32 // scratch: its index in the running placement's list
}

type undoKind uint8

const (
	undoPlace   undoKind = iota // a task, b worker: undone by unplacing
	undoUnplace                 // a task, b worker: undone by placing again
	undoOpen                    // a worker: undone by dropping it
	undoClose                   // a worker: undone by reopening it
	undoClaim                   // a host, b the claim before
)

type undoEntry struct {
	kind undoKind
	a, b int32
}

// allows reports whether a task of component comp of topology t may run on
// supervisor s: anywhere unless pinned, else only on its pinned hosts.
func (c *cluster) allows(t, comp, s int32) bool {
	cs := &c.topos[t].comps[comp]
	if !cs.pinned {
		return true
	}
	for _, h := range cs.pinHosts {
		if h == c.sups[s].host {
			return true
		}
	}
	return false
}

// fits reports whether task can join worker w without overfilling its
// supervisor.
func (c *cluster) fits(task, w int32) bool {
	s := &c.sups[c.workers[w].sup]
	return s.used.Add(c.tasks[task].demand).Fits(s.capacity)
}

func (c *cluster) place(task, w int32) {
	ts, ws := &c.tasks[task], &c.workers[w]
	// The asserts of this hot path test first: building Assert's arguments
	// would allocate on every call.
	if ts.worker != none || ws.closed || ws.topo != ts.topo {
		core.Assert(false, "placing task %d on worker %d", task, w)
	}
	ts.worker = w
	ws.demand = ws.demand.Add(ts.demand)
	ws.count++
	s := &c.sups[ws.sup]
	s.used = s.used.Add(ts.demand)
	if !s.used.Fits(s.capacity) {
		core.Assert(false, "supervisor %s over capacity: %v of %v", s.id, s.used, s.capacity)
	}
	c.undo = append(c.undo, undoEntry{undoPlace, task, w})
}

func (c *cluster) unplace(task int32) {
	w := c.unplaceQuiet(task)
	c.undo = append(c.undo, undoEntry{undoUnplace, task, w})
}

func (c *cluster) unplaceQuiet(task int32) int32 {
	ts := &c.tasks[task]
	w := ts.worker
	core.Assert(w != none, "unplacing task %d, which is not placed", task)
	ws := &c.workers[w]
	ts.worker = none
	ws.demand = ws.demand.Sub(ts.demand)
	ws.count--
	s := &c.sups[ws.sup]
	s.used = s.used.Sub(ts.demand)
	return w
}

// open starts a worker of topology t on slot of supervisor s.
func (c *cluster) open(t, s, slot int32) int32 {
	sl := &c.sups[s].slots[slot]
	core.Assert(!sl.dead && sl.worker == none, "opening a worker on busy or dead slot %s:%d", c.sups[s].id, sl.port)
	w := int32(len(c.workers))
	c.workers = append(c.workers, workerState{topo: t, sup: s, slot: slot, local: none})
	sl.worker = w
	c.sups[s].free--
	c.undo = append(c.undo, undoEntry{kind: undoOpen, a: w})
	return w
}

// close stops worker w, which must hold no task, freeing its slot.
func (c *cluster) close(w int32) {
	c.closeQuiet(w)
	c.undo = append(c.undo, undoEntry{kind: undoClose, a: w})
}

func (c *cluster) closeQuiet(w int32) {
	ws := &c.workers[w]
	core.Assert(!ws.closed && ws.count == 0, "closing worker %d: closed %v, %d tasks", w, ws.closed, ws.count)
	ws.closed = true
	c.sups[ws.sup].slots[ws.slot].worker = none
	c.sups[ws.sup].free++
}

func (c *cluster) reopenQuiet(w int32) {
	ws := &c.workers[w]
	sl := &c.sups[ws.sup].slots[ws.slot]
	core.Assert(ws.closed && sl.worker == none, "reopening worker %d", w)
	ws.closed = false
	sl.worker = w
	c.sups[ws.sup].free--
}

// setClaim gives host h to isolated topology t, or frees it when t is none.
func (c *cluster) setClaim(h, t int32) {
	c.undo = append(c.undo, undoEntry{undoClaim, h, c.hosts[h].claim})
	c.hosts[h].claim = t
}

// mark returns a point the state can roll back to.
func (c *cluster) mark() int { return len(c.undo) }

// rollback undoes every change made since mark m, newest first.
func (c *cluster) rollback(m int) {
	core.Assert(m >= 0 && m <= len(c.undo), "rollback to %d of %d", m, len(c.undo))
	for i := len(c.undo) - 1; i >= m; i-- {
		e := c.undo[i]
		switch e.kind {
		case undoPlace:
			c.unplaceQuiet(e.a)
		case undoUnplace:
			c.placeQuiet(e.a, e.b)
		case undoOpen:
			// Undone newest first, so the worker is the arena's last.
			core.Assert(e.a == int32(len(c.workers))-1 && c.workers[e.a].count == 0, "undoing open of worker %d", e.a)
			c.closeQuiet(e.a)
			c.workers = c.workers[:e.a]
		case undoClose:
			c.reopenQuiet(e.a)
		case undoClaim:
			c.hosts[e.a].claim = e.b
		}
	}
	c.undo = c.undo[:m]
}

func (c *cluster) placeQuiet(task, w int32) {
	c.place(task, w)
	c.undo = c.undo[:len(c.undo)-1]
}

// commit forgets the undo log: the turn that made the changes succeeded.
func (c *cluster) commit() { c.undo = c.undo[:0] }

// workersOf returns topology t's open workers, in the order its tasks (by
// ID) first use them, and numbers them through workerState.local.
func (c *cluster) workersOf(t int32, into []int32) []int32 {
	ws := into[:0]
	topo := &c.topos[t]
	for i := topo.first; i < topo.end; i++ {
		if w := c.tasks[i].worker; w != none && c.workers[w].local == none {
			c.workers[w].local = int32(len(ws))
			ws = append(ws, w)
		}
	}
	return ws
}

// forget clears the numbering workersOf gave to ws.
func (c *cluster) forget(ws []int32) {
	for _, w := range ws {
		c.workers[w].local = none
	}
}

// scratch is storage reused by every placement, so that a schedule of many
// topologies allocates per topology only what its plan keeps. The
// per-supervisor counters are zero outside a placement.
type scratch struct {
	ws, cand, misfits, touched []int32
	rem, cnt                   []int32 // per worker of the running placement
	nb                         []bool  // per worker of the running placement
	compOff, compTasks, next   []int32 // a topology's tasks grouped by component
	supWorkers, supNew         []int32 // per supervisor: the topology's workers, and those opened now
	supTier                    []uint8 // per supervisor: its tier in the spreading order (see rekey)
	supLoad                    []int64 // per supervisor: its load counting workers opened now
	order                      []int32 // components in dealing order
	heap                       indexHeap
}

func (s *scratch) init(sups int) {
	s.supWorkers = make([]int32, sups)
	s.supNew = make([]int32, sups)
	s.supTier = make([]uint8, sups)
	s.supLoad = make([]int64, sups)
}
