package scenarios

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/lanes"
	"github.com/squall/squall/core/nimbus"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/supervisor"
	"github.com/squall/squall/core/topology"
	"github.com/squall/squall/core/worker"
	"github.com/squall/squall/sim"
)

// clusterShape sizes a simulated cluster.
type clusterShape struct {
	nimbuses    int
	supervisors int
	slots       int // per supervisor
	capacity    protocol.Resources
	// dataPlane makes workers run their tasks (tuples flow); without it
	// they run their control half only, which the control-plane scenarios need.
	dataPlane bool
	// lanes runs each worker's tasks one lane per task (core/lanes) with
	// laneBounds, instead of one executor.
	lanes      bool
	laneBounds lanes.Bounds
}

// laneQueueMaxMin is the smallest hard queue bound a spec may give lanes.
const laneQueueMaxMin = 16

// Break options of the control-plane scenarios (test-only).
const (
	BreakUnfencedNimbus  = "unfenced-nimbus"
	BreakNoFailoverGrace = "no-failover-grace"
	BreakOvercommit      = "overcommit"
	BreakDropTask        = "drop-task"
	BreakPlanAlone       = "plan-alone"
	BreakAckAtInit       = "ack-at-init"
	BreakHideCorrupt     = "hide-corrupt"
)

func breakage(name string) nimbus.Breakage {
	switch name {
	case BreakUnfencedNimbus:
		return nimbus.Breakage{Unfenced: true}
	case BreakNoFailoverGrace:
		return nimbus.Breakage{NoFailoverGrace: true}
	case BreakOvercommit:
		return nimbus.Breakage{CapacityScale: 10}
	case BreakDropTask:
		return nimbus.Breakage{DropTask: true}
	case BreakPlanAlone:
		return nimbus.Breakage{PlanAlone: true}
	case BreakHideCorrupt:
		return nimbus.Breakage{HideCorrupt: true}
	case BreakAckBeforeWrite:
		return nimbus.Breakage{AckBeforeWrite: true}
	case BreakAnswerSuspended:
		return nimbus.Breakage{AnswerSuspended: true}
	}
	return nimbus.Breakage{}
}

// shapeFor is the cluster shape of a run: with the overcommit breakage the
// supervisors are too small for the topology, which a nimbus that believes
// them ten times larger overcommits.
func shapeFor(opts Options) clusterShape {
	s := defaultShape()
	if opts.Break == BreakOvercommit {
		s.capacity.CPU = 40
	}
	return s
}

func defaultShape() clusterShape {
	return clusterShape{nimbuses: 2, supervisors: 3, slots: 4,
		capacity: protocol.Resources{CPU: 400, MemoryMB: 8192, NetworkMbps: 1000, DiskMB: 100_000}}
}

// cluster is a simulated Squall cluster: nimbuses, supervisors with disks,
// the worker processes they start, and a client. Its invariants are checked
// on every request ZooKeeper applies.
type cluster struct {
	w          *sim.World
	layout     protocol.Layout
	leaderPath string
	nimbuses   []*sim.Node
	sups       []*sim.Node
	supInfo    map[core.SupervisorID]protocol.SupervisorInfo
	cl         *client
	violations []string

	noMetricsRestore bool // the no-metrics-restore breakage
	// services are handed to every worker's tasks (see useLedger).
	services map[string]any
}

func newCluster(opts Options, shape clusterShape) *cluster {
	w := sim.New(sim.Config{Seed: opts.Seed, Trace: opts.Trace, Observe: opts.Observe})
	c := &cluster{w: w, supInfo: map[core.SupervisorID]protocol.SupervisorInfo{},
		leaderPath: protocol.DefaultRoot + "/nimbus/leader"}
	var ids []core.NodeID
	for i := range shape.nimbuses {
		cfg := nimbus.Config{ID: core.NodeID("nimbus-" + strconv.Itoa(i+1)), Priority: shape.nimbuses - i,
			TestOnly: breakage(opts.Break)}
		ids = append(ids, cfg.ID)
		c.nimbuses = append(c.nimbuses, w.AddNode(sim.NodeConfig{ID: cfg.ID, ZK: true,
			New: func(*rand.Rand) core.Machine { return nimbus.New(cfg) }}))
	}
	for i := range shape.supervisors {
		c.addSupervisor(i+1, shape)
	}
	w.SetWorkerFactory(func(spec core.WorkerSpec, sup core.NodeID, rng *rand.Rand) core.Machine {
		cfg := worker.Config{Spec: spec, Supervisor: sup}
		if shape.dataPlane {
			// The supervisor hands the worker its topology, as Storm's
			// supervisor hands a worker the topology's code and config.
			cfg.Topology, cfg.Rand = c.topologyOf(spec.Topology), rng
			cfg.StepBudget = workerStepBudget
			// The cost model: a tick's budget takes the tick, so capacity
			// is the share of its worker's budget a bolt task uses.
			cfg.UnitTime = workerTick / workerStepBudget
			cfg.Services = c.services
			cfg.TestOnlyAckAtInit = opts.Break == BreakAckAtInit
			cfg.TestOnlyIgnoreStatus = opts.Break == BreakIgnoreStatus
			cfg.TestOnlyNoMetricsRestore = c.noMetricsRestore
			if shape.lanes {
				cfg.Plane = lanes.SteppedFactory(shape.laneBounds)
			}
		}
		return worker.New(cfg)
	})
	if shape.dataPlane {
		w.SetWorkerTick(workerTick)
	}
	c.cl = newClient(ids)
	w.AddNode(sim.NodeConfig{ID: "client", New: func(*rand.Rand) core.Machine { return c.cl }})
	w.OnZKApply(c.checkApply)
	if opts.attach != nil {
		opts.attach(c)
	}
	return c
}

func (c *cluster) addSupervisor(i int, shape clusterShape) *sim.Node {
	id := core.SupervisorID("sup-" + strconv.Itoa(i))
	cfg := supervisor.Config{ID: id, Host: "host-" + strconv.Itoa(i), Address: core.NodeID(id),
		Capacity: shape.capacity}
	for p := range shape.slots {
		cfg.Slots = append(cfg.Slots, core.Port(6700+p))
	}
	c.supInfo[id] = protocol.SupervisorInfo{ID: id, Host: cfg.Host, Address: cfg.Address,
		Slots: cfg.Slots, Capacity: cfg.Capacity}
	n := c.w.AddNode(sim.NodeConfig{ID: core.NodeID(id), ZK: true, Disk: true,
		New: func(*rand.Rand) core.Machine { return supervisor.New(cfg) }})
	c.sups = append(c.sups, n)
	return n
}

// workerTick is how often a data-plane worker executes tuples, and
// workerStepBudget how many at most per tick: about 100,000 per second per
// worker, so that traffic lasts long enough for faults to meet it.
const (
	workerTick       = 10 * time.Millisecond
	workerStepBudget = 1024
)

// topologyOf reads a topology's spec from ZooKeeper, nil if unreadable.
func (c *cluster) topologyOf(id core.TopologyID) *topology.Topology {
	rec, ok := c.record(string(id))
	if !ok {
		return nil
	}
	t, err := topology.Decode(rec.Spec)
	if err != nil {
		return nil
	}
	return t
}

// violate records a broken invariant and stops the run.
func (c *cluster) violate(format string, args ...any) {
	c.violations = append(c.violations, c.w.Now().String()+": "+fmt.Sprintf(format, args...))
	c.w.Fail(fmt.Errorf("invariant violated"))
}

// checkApply checks the safety invariants on every applied request: only
// the session holding the leader node writes topologies and assignments, and
// no supervisor's capacity is exceeded by the assignments in force.
func (c *cluster) checkApply(a sim.Applied) {
	if a.Reply.Code != core.CodeOK {
		return
	}
	writesState, writesAssign := c.writes(a.Req)
	if !writesState {
		return
	}
	_, stat, ok := c.w.ZK().Lookup(c.leaderPath)
	if !ok || stat.EphemeralOwner != a.Session {
		c.violate("write by %s (session %#x) while it does not hold leadership: %s", a.Node, int64(a.Session), a.Req)
	}
	if writesAssign {
		c.checkCapacity()
	}
}

// writes reports whether req changes topology records or assignments.
func (c *cluster) writes(req core.Request) (state, assign bool) {
	var path string
	switch r := req.(type) {
	case core.Create:
		path = r.Path
	case core.SetData:
		path = r.Path
	case core.Delete:
		path = r.Path
	case core.Multi:
		for _, op := range r.Ops {
			s, a := c.writes(op)
			state, assign = state || s, assign || a
		}
		return state, assign
	}
	assign = strings.HasPrefix(path, c.layout.Assignments()+"/")
	return assign || strings.HasPrefix(path, c.layout.Topologies()+"/"), assign
}

func (c *cluster) assignments() []protocol.Assignment {
	var out []protocol.Assignment
	for _, name := range c.w.ZK().ChildrenOf(c.layout.Assignments()) {
		data, _, ok := c.w.ZK().Lookup(c.layout.Assignment(core.TopologyID(name)))
		if !ok {
			continue
		}
		a, err := protocol.DecodeAssignment(data)
		if err != nil {
			c.violate("assignment %s does not decode: %v", name, err)
			continue
		}
		out = append(out, a)
	}
	return out
}

func (c *cluster) checkCapacity() {
	used := map[core.SupervisorID]topology.Resources{}
	slots := map[string]core.TopologyID{}
	for _, a := range c.assignments() {
		for _, wa := range a.Workers {
			used[wa.Supervisor] = used[wa.Supervisor].Add(topology.Resources(wa.Resources))
			key := string(wa.Supervisor) + ":" + strconv.Itoa(int(wa.Port))
			if other, dup := slots[key]; dup {
				c.violate("slot %s assigned to both %s and %s", key, other, a.Topology)
			}
			slots[key] = a.Topology
		}
	}
	for _, id := range slices.Sorted(maps.Keys(used)) {
		if capa := topology.Resources(c.supInfo[id].Capacity); !used[id].Fits(capa) {
			c.violate("supervisor %s over capacity: uses %v of %v", id, used[id], capa)
		}
	}
}

// leader returns the nimbus node that leads, if exactly one does.
func (c *cluster) leader() *sim.Node {
	var found *sim.Node
	for _, n := range c.nimbuses {
		if m, ok := n.Machine().(*nimbus.Machine); ok && n.Up() && m.IsLeader() {
			if found != nil {
				return nil
			}
			found = n
		}
	}
	return found
}

// submit asks the cluster, as a client, to run a word-count-shaped topology.
func (c *cluster) submit(name string, workers int) *clientCall {
	return c.cl.call(wordcountSubmit(name, workers, 2))
}

// wordcountSubmit is the submit request of a word-count-shaped topology with
// scale spout tasks and twice as many of each bolt.
func wordcountSubmit(name string, workers, scale int) protocol.ClientRequest {
	b := topology.NewBuilder(name)
	cfg := topology.DefaultConfig()
	cfg.Workers = workers
	cfg.WorkerTimeout = 10 * time.Second
	b.SetConfig(cfg)
	b.Spout("sentences", "examples.Sentences", scale).Output("default", "sentence")
	b.Bolt("split", "examples.Split", 2*scale).ShuffleGrouping("sentences").Output("default", "word")
	b.Bolt("count", "examples.Count", 2*scale).FieldsGrouping("split", "default", "word")
	t, err := b.Build()
	core.Assert(err == nil, "scenario topology: %v", err)
	spec, err := topology.Encode(t)
	core.Assert(err == nil, "scenario topology: %v", err)
	return protocol.ClientRequest{Op: protocol.OpSubmit, Topology: name, Spec: spec}
}

// pollPeriod is how often scenarios sample a condition.
const pollPeriod = 100 * time.Millisecond

// waitFor calls then at the first sample at or after from where cond holds.
func (c *cluster) waitFor(from core.Time, what string, cond func() bool, then func()) {
	var sample func()
	sample = func() {
		if cond() {
			then()
			return
		}
		c.w.After(pollPeriod, what, sample)
	}
	c.w.At(from, what, sample)
}

// assignedWorker is one worker of an assignment and the topology status
// the assignment carries.
type assignedWorker struct {
	protocol.WorkerAssignment
	status string
}

// converged reports whether every live topology runs exactly as assigned:
// its assignment holds every task once and its record's status, each
// assigned worker process is up and has taken its assignment and status,
// and no other worker process runs.
func (c *cluster) converged() (bool, string) {
	assigned := map[string]assignedWorker{}
	for _, name := range c.w.ZK().ChildrenOf(c.layout.Topologies()) {
		data, _, ok := c.w.ZK().Lookup(c.layout.Topology(core.TopologyID(name)))
		if !ok {
			continue
		}
		rec, err := protocol.DecodeTopology(data)
		if err != nil {
			return false, "record " + name + " does not decode"
		}
		if why := c.topologyRuns(rec, assigned); why != "" {
			return false, why
		}
	}
	for _, n := range c.w.Workers() {
		key := string(n.ID())
		wa, ok := assigned[key]
		if !ok {
			return false, "worker process " + key + " runs unassigned"
		}
		wm, _ := n.Machine().(*worker.Machine)
		if wm == nil || !slices.Equal(wm.Tasks(), wa.Tasks) {
			return false, "worker " + key + " has not taken its assignment"
		}
		if wm.Status() != wa.status {
			return false, fmt.Sprintf("worker %s holds status %q, its assignment %q", key, wm.Status(), wa.status)
		}
	}
	if len(c.w.Workers()) != len(assigned) {
		return false, "an assigned worker is not running"
	}
	return true, ""
}

func (c *cluster) topologyRuns(rec protocol.TopologyRecord, assigned map[string]assignedWorker) string {
	spec, err := topology.Decode(rec.Spec)
	if err != nil {
		return "spec of " + string(rec.ID) + " does not decode"
	}
	data, _, ok := c.w.ZK().Lookup(c.layout.Assignment(rec.ID))
	if !ok {
		return string(rec.ID) + " has no assignment"
	}
	a, err := protocol.DecodeAssignment(data)
	if err != nil {
		return "assignment of " + string(rec.ID) + " does not decode"
	}
	if a.Status != rec.Status {
		return fmt.Sprintf("%s is %s but its assignment says %q", rec.ID, rec.Status, a.Status)
	}
	tasks := 0
	for _, wa := range a.Workers {
		tasks += len(wa.Tasks)
		assigned[string(protocol.WorkerNode(wa.Supervisor, wa.Port))] = assignedWorker{wa, a.Status}
	}
	if want := len(topology.Tasks(spec)); tasks != want {
		return fmt.Sprintf("%s places %d of %d tasks", rec.ID, tasks, want)
	}
	return ""
}

// finishCluster checks liveness at the end and fills in the result.
func (c *cluster) finish(name string, opts Options, start time.Time, err error, measures map[string]float64) Result {
	res := Result{Scenario: name, Seed: opts.Seed, Measures: measures}
	res.Violations = append(res.Violations, c.violations...)
	if err != nil && len(c.violations) == 0 {
		res.Violations = append(res.Violations, err.Error())
	}
	if len(res.Violations) == 0 {
		if ok, why := c.converged(); !ok {
			res.Violations = append(res.Violations, c.w.Now().String()+": not converged: "+why)
		}
	}
	return finish(res, c.w, start)
}

func itoa(v int) string { return strconv.Itoa(v) }
