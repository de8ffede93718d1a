package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/nimbus"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/supervisor"
	"github.com/squall/squall/core/topology"
	"github.com/squall/squall/core/worker"
	"github.com/squall/squall/realnet"
	"github.com/squall/squall/realnet/httpapi"
	"github.com/squall/squall/storage"
	"github.com/squall/squall/zkadapter"
)

// Local mode bounds.
const (
	localSessionTimeout = 4 * time.Second
	localWorkerTick     = 2 * time.Millisecond
	localStepBudget     = 4096
	localSubmitTimeout  = 20 * time.Second
	localSupervisorsMax = 16
)

type localArgs struct {
	example     string
	name        string
	workers     int
	supervisors int
	duration    time.Duration
	asJSON      bool
	verbose     bool
	lanes       string
}

func runLocal(args []string, env Env) int {
	fs := flag.NewFlagSet("squall local", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	var la localArgs
	fs.StringVar(&la.example, "example", "wordcount", "topology to run (registered: "+fmt.Sprint(topologyNames())+")")
	fs.StringVar(&la.name, "name", "", "topology name (default: the example's)")
	fs.IntVar(&la.workers, "workers", 2, "worker processes (goroutines here)")
	fs.IntVar(&la.supervisors, "supervisors", 2, "supervisors")
	fs.DurationVar(&la.duration, "duration", 10*time.Second, "how long to run before printing counts")
	fs.BoolVar(&la.asJSON, "json", false, "print the summary as one JSON object")
	fs.BoolVar(&la.verbose, "v", false, "log the daemons' events to stderr")
	fs.StringVar(&la.lanes, "lanes", "task", "workers' data plane: task (a goroutine per task) or single (as worker.lanes)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if _, err := planeFactory(la.lanes); err != nil {
		fmt.Fprintf(env.Stderr, "squall local: --lanes: %v\n", err)
		return 2
	}
	if la.supervisors <= 0 || la.supervisors > localSupervisorsMax || la.duration <= 0 {
		fmt.Fprintf(env.Stderr, "squall local: --supervisors must be 1..%d and --duration positive\n", localSupervisorsMax)
		return 2
	}
	t, err := buildTopology(la.example, la.name, la.workers)
	if err != nil {
		return fail(env, "local", err)
	}
	level := slog.LevelError
	if la.verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))
	sum, err := runLocalCluster(env.Ctx, t, la, log)
	if err != nil {
		return fail(env, "local", err)
	}
	if la.asJSON {
		if err := json.NewEncoder(env.Stdout).Encode(sum); err != nil {
			return fail(env, "local", err)
		}
		return 0
	}
	printLocal(env.Stdout, sum)
	return 0
}

// localSummary is what local mode prints.
type localSummary struct {
	Topology    string                      `json:"topology"`
	Seconds     float64                     `json:"seconds"`
	Workers     int                         `json:"workers"`
	Status      string                      `json:"status"`
	Components  []protocol.ComponentSummary `json:"components"`
	Total       protocol.Counts             `json:"total"`
	SampleRate  float64                     `json:"sample_rate"`
	TuplesPerS  float64                     `json:"executed_per_s"`
	Supervisors int                         `json:"supervisors"`
	// Spouts and Bolts are the components as Storm UI shows them (all
	// time): counts, latencies, capacity and the last error.
	Spouts []httpapi.Spout `json:"spouts"`
	Bolts  []httpapi.Bolt  `json:"bolts"`
}

func printLocal(w io.Writer, s localSummary) {
	fmt.Fprintf(w, "topology %s ran %.1fs on %d workers under %d supervisors: %s\n",
		s.Topology, s.Seconds, s.Workers, s.Supervisors, s.Status)
	writeComponents(w, statusRows(httpapi.Topology{Spouts: s.Spouts, Bolts: s.Bolts}))
	fmt.Fprintf(w, "executed %.0f tuples/s (counts sampled at rate %g, as Storm's UI)\n", s.TuplesPerS, s.SampleRate)
}

// localCluster is nimbus, supervisors and workers in one process, on the
// in-memory ZooKeeper model and an in-memory network: the same machines the
// daemons run, on the same drivers.
type localCluster struct {
	zk   *zkadapter.MemoryServer
	net  *memNet
	log  *slog.Logger
	topo map[string]*topology.Topology // by name: nimbus gives the id
	// plane builds the workers' data planes (nil: one executor each).
	plane worker.PlaneFactory
	wg    sync.WaitGroup
	errs  chan error
}

func runLocalCluster(ctx context.Context, t *topology.Topology, la localArgs, log *slog.Logger) (localSummary, error) {
	ctx, cancel := context.WithCancel(ctx)
	lc := &localCluster{zk: zkadapter.NewMemoryServer(), net: newMemNet(), log: log,
		topo: map[string]*topology.Topology{t.Name: t}, errs: make(chan error, 64)}
	lc.plane, _ = planeFactory(la.lanes) // runLocal checked it
	defer func() {
		cancel()
		lc.wg.Wait()
	}()
	br := lc.startNimbus(ctx)
	for i := 1; i <= la.supervisors; i++ {
		if err := lc.startSupervisor(ctx, i); err != nil {
			return localSummary{}, err
		}
	}
	spec, err := topology.Encode(t)
	if err != nil {
		return localSummary{}, err
	}
	if err := localRequest(ctx, br, protocol.ClientRequest{Op: protocol.OpSubmit, Topology: t.Name, Spec: spec}); err != nil {
		return localSummary{}, fmt.Errorf("submit: %w", err)
	}
	start := time.Now()
	select {
	case <-ctx.Done():
		return localSummary{}, ctx.Err()
	case err := <-lc.errs:
		return localSummary{}, err
	case <-time.After(la.duration):
	}
	ts, err := localStatus(ctx, br, t.Name)
	if err != nil {
		return localSummary{}, err
	}
	secs := time.Since(start).Seconds()
	page := httpapi.NewTopology(ts, httpapi.WindowAllTime, false)
	return localSummary{Topology: t.Name, Seconds: secs, Workers: ts.Workers, Status: ts.Status,
		Components: ts.Components, Total: ts.AllTime, SampleRate: t.Config.StatsSampleRate,
		TuplesPerS: float64(ts.AllTime.Executed) / secs, Supervisors: la.supervisors,
		Spouts: page.Spouts, Bolts: page.Bolts}, nil
}

// localStatusWait bounds the wait for the first metrics after the run: they
// reach nimbus through two heartbeats (worker → supervisor → nimbus), which a
// short run on a busy machine may not have had time for.
const localStatusWait = 10 * time.Second

// localStatus asks for the topology's status until it carries metrics.
func localStatus(ctx context.Context, br *bridge, name string) (protocol.TopologySummary, error) {
	ctx, cancel := context.WithTimeout(ctx, localStatusWait)
	defer cancel()
	for {
		r, err := br.Request(ctx, protocol.ClientRequest{Op: protocol.OpStatus, Topology: name})
		if err != nil {
			return protocol.TopologySummary{}, fmt.Errorf("status: %w", err)
		}
		if r.OK && len(r.Topologies) == 1 && len(r.Topologies[0].Components) > 0 {
			return r.Topologies[0], nil
		}
		select {
		case <-ctx.Done():
			if r.OK && len(r.Topologies) == 1 {
				return r.Topologies[0], nil // no metrics yet: report what there is
			}
			return protocol.TopologySummary{}, fmt.Errorf("status: %s", r.Error)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// localRequest sends a client request until a leader accepts it.
func localRequest(ctx context.Context, br *bridge, req protocol.ClientRequest) error {
	ctx, cancel := context.WithTimeout(ctx, localSubmitTimeout)
	defer cancel()
	for {
		r, err := br.Request(ctx, req)
		switch {
		case err != nil:
			return err
		case r.OK:
			return nil
		case !r.NotLeader:
			return errors.New(r.Error)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no nimbus leads: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// run runs a driver in a goroutine the cluster waits for.
func (lc *localCluster) run(ctx context.Context, d *realnet.Driver, what string) {
	lc.wg.Add(1)
	go func() {
		defer lc.wg.Done()
		if err := d.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			select {
			case lc.errs <- fmt.Errorf("%s: %w", what, err):
			default:
			}
		}
	}()
}

func (lc *localCluster) startNimbus(ctx context.Context) *bridge {
	id := core.NodeID("nimbus-1")
	inbox := realnet.NewInbox(inboxEventsMax)
	zk := lc.zk.Connect(localSessionTimeout, inbox.Deliver)
	br := newBridge(inbox.Deliver)
	lc.net.attach(id, inbox.Deliver)
	d := realnet.NewDriver(realnet.DriverConfig{ID: id, Machine: nimbus.New(nimbus.Config{ID: id, Priority: 1}),
		Tick: nimbusTick, Inbox: inbox, Coord: zk, Net: bridgedNet{b: br, net: lc.net.endpoint(id)},
		Logger: lc.log})
	lc.run(ctx, d, "nimbus")
	return br
}

func (lc *localCluster) startSupervisor(ctx context.Context, i int) error {
	id := core.SupervisorID("sup-" + strconv.Itoa(i))
	addr := core.NodeID(id)
	store, err := storage.Open(vfs.NewMem(), "state", storage.Options{})
	if err != nil {
		return err
	}
	inbox := realnet.NewInbox(inboxEventsMax)
	zk := lc.zk.Connect(localSessionTimeout, inbox.Deliver)
	lc.net.attach(addr, inbox.Deliver)
	runner := &localRunner{lc: lc, ctx: ctx, sup: id, addr: addr, deliver: inbox.Deliver,
		running: map[core.Port]context.CancelFunc{}, stores: map[core.Port]*storage.Store{}}
	m := supervisor.New(supervisor.Config{ID: id, Host: "localhost", Address: addr,
		Slots:    []core.Port{6700, 6701, 6702, 6703},
		Capacity: protocol.Resources{CPU: 400, MemoryMB: 8192, NetworkMbps: 1000, DiskMB: 100_000}})
	d := realnet.NewDriver(realnet.DriverConfig{ID: addr, Machine: m, Tick: supervisorTick, Inbox: inbox,
		Coord: zk, Net: lc.net.endpoint(addr), Store: store, Procs: runner, Logger: lc.log})
	lc.run(ctx, d, string(id))
	return nil
}

// localRunner runs a supervisor's workers as goroutines: each worker is a
// worker machine on its own driver, with a store that outlives its
// restarts as a worker's disk would.
type localRunner struct {
	lc      *localCluster
	ctx     context.Context
	sup     core.SupervisorID
	addr    core.NodeID
	deliver func(core.Event)
	mu      sync.Mutex
	running map[core.Port]context.CancelFunc
	stores  map[core.Port]*storage.Store
}

func (r *localRunner) Start(e core.StartWorker, done func(core.WorkerStarted)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	port := e.Spec.Port
	if r.running[port] != nil {
		done(core.WorkerStarted{Op: e.Op, Port: port, Err: "port in use"})
		return
	}
	t := r.lc.topo[protocol.TopologyName(e.Spec.Topology)]
	store := r.stores[port]
	if store == nil {
		s, err := storage.Open(vfs.NewMem(), "worker", storage.Options{})
		if err != nil {
			done(core.WorkerStarted{Op: e.Op, Port: port, Err: err.Error()})
			return
		}
		store, r.stores[port] = s, s
	}
	id := protocol.WorkerNode(r.sup, port)
	inbox := realnet.NewInbox(inboxEventsMax)
	r.lc.net.attach(id, inbox.Deliver)
	seed := uint64(time.Now().UnixNano())
	clock := realnet.NewClock()
	m := worker.New(worker.Config{Spec: e.Spec, Supervisor: r.addr, Topology: t,
		Rand: rand.New(rand.NewPCG(seed, uint64(port))), StepBudget: localStepBudget, Plane: r.lc.plane, Clock: clock})
	ctx, cancel := context.WithCancel(r.ctx)
	r.running[port] = cancel
	d := realnet.NewDriver(realnet.DriverConfig{ID: id, Machine: m, Tick: localWorkerTick, Inbox: inbox, Now: clock,
		Net: r.lc.net.endpoint(id), Store: store, Logger: r.lc.log,
		OnExit: func(string) { cancel() }})
	r.lc.wg.Add(1)
	go func() {
		defer r.lc.wg.Done()
		err := d.Run(ctx)
		m.Close() // the driver no longer steps it: stop its task goroutines
		r.lc.net.detach(id)
		r.mu.Lock()
		delete(r.running, port)
		r.mu.Unlock()
		reason := "exited"
		if err != nil && !errors.Is(err, context.Canceled) {
			reason = err.Error()
		}
		if r.ctx.Err() == nil {
			r.deliver(core.WorkerExited{Port: port, Topology: e.Spec.Topology, Reason: reason})
		}
	}()
	done(core.WorkerStarted{Op: e.Op, Port: port})
}

func (r *localRunner) Stop(e core.StopWorker) {
	r.mu.Lock()
	cancel := r.running[e.Port]
	r.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}
