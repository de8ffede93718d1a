package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/topology"
	"github.com/squall/squall/core/worker"
	"github.com/squall/squall/realnet"
	"github.com/squall/squall/storage"
)

// workerArgs is what a supervisor starts a worker process with.
type workerArgs struct {
	topology, supervisor, supervisorAddr, dir string
	port                                      int
	epoch                                     uint64
}

func runWorker(args []string, env Env) int {
	fs, cf := newFlags("worker", env)
	var wa workerArgs
	fs.StringVar(&wa.topology, "topology", "", "topology id")
	fs.StringVar(&wa.supervisor, "supervisor", "", "supervisor id (its host)")
	fs.StringVar(&wa.supervisorAddr, "supervisor-address", "", "supervisor transport address")
	fs.IntVar(&wa.port, "port", 0, "slot port: the worker listens on supervisor:port")
	fs.Uint64Var(&wa.epoch, "epoch", 0, "assignment epoch it starts under")
	fs.StringVar(&wa.dir, "dir", "", "the worker's local store (metric windows)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if wa.topology == "" || wa.supervisor == "" || wa.supervisorAddr == "" || wa.port <= 0 || wa.dir == "" {
		fmt.Fprintln(env.Stderr, "squall worker: --topology, --supervisor, --supervisor-address, --port and --dir are required (supervisors start workers)")
		return 2
	}
	c, err := cf.load()
	if err != nil {
		return fail(env, "worker", err)
	}
	log, err := newLogger(c, env.Stderr, "worker")
	if err != nil {
		return fail(env, "worker", err)
	}
	log = log.With("topology", wa.topology, "port", wa.port)
	if err := serveWorker(env.Ctx, c, wa, log); err != nil {
		return fail(env, "worker", err)
	}
	return 0
}

// topologyReadTimeout bounds a worker's read of its topology at start.
const topologyReadTimeout = 15 * time.Second

func serveWorker(ctx context.Context, c *config, wa workerArgs, log *slog.Logger) error {
	timeout, _ := c.duration("zookeeper.session.timeout")
	tick, _ := c.duration("worker.tick")
	budget, _ := c.int("worker.step.budget")
	plane, err := planeFactory(c.str("worker.lanes"))
	if err != nil {
		return err
	}
	t, err := readTopology(ctx, c, timeout, wa.topology, log)
	if err != nil {
		return err
	}
	if err := task.CheckTypes(t); err != nil {
		// Started anyway, it would heartbeat as healthy and run nothing.
		// Its exit is logged here and by its supervisor, which restarts it
		// with backoff until the topology is killed.
		return fmt.Errorf("worker: topology %s: %w: this program does not register it", wa.topology, err)
	}
	store, err := storage.Open(vfs.Default, wa.dir, storage.Options{})
	if err != nil {
		return fmt.Errorf("worker store: %w", err)
	}
	defer store.Close()
	spec := core.WorkerSpec{Topology: core.TopologyID(wa.topology), Supervisor: core.SupervisorID(wa.supervisor),
		Port: core.Port(wa.port), Epoch: wa.epoch}
	self := protocol.WorkerNode(spec.Supervisor, spec.Port)
	inbox := realnet.NewInbox(inboxEventsMax)
	tlsCfg, err := c.daemonTLS()
	if err != nil {
		return err
	}
	tr, err := realnet.Listen(realnet.TransportConfig{Self: self, Addr: string(self), Logger: log, Secret: c.transportSecret(),
		TLS: tlsCfg}, inbox.Deliver)
	if err != nil {
		return fmt.Errorf("listen %s: %w", self, err)
	}
	defer tr.Close()
	seed := uint64(time.Now().UnixNano())
	clock := realnet.NewClock()
	m := worker.New(worker.Config{Spec: spec, Supervisor: core.NodeID(wa.supervisorAddr), Topology: t,
		Rand: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), StepBudget: budget, Plane: plane, Clock: clock})
	defer m.Close() // after Run: stops the task goroutines
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	d := realnet.NewDriver(realnet.DriverConfig{ID: self, Machine: m, Tick: tick, Inbox: inbox, Net: tr, Now: clock,
		Store: store, Logger: log, OnExit: func(reason string) {
			log.Info("worker exits", "reason", reason)
			cancel()
		}})
	log.Info("worker started", "id", self, "epoch", wa.epoch)
	err = d.Run(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// readTopology reads and decodes a topology's spec from ZooKeeper.
func readTopology(ctx context.Context, c *config, timeout time.Duration, name string, log *slog.Logger) (*topology.Topology, error) {
	zr, err := dialReader(c.list("zookeeper.servers"), timeout, c.transportSecret(), log)
	if err != nil {
		return nil, err
	}
	defer zr.close()
	rctx, cancel := context.WithTimeout(ctx, topologyReadTimeout)
	defer cancel()
	layout := protocol.Layout{Root: c.str("zookeeper.root")}
	data, ok, err := zr.get(rctx, layout.Topology(core.TopologyID(name)))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("topology %q has no record in ZooKeeper", name)
	}
	rec, err := protocol.DecodeTopology(data)
	if err != nil {
		return nil, err
	}
	t, err := topology.Decode(rec.Spec)
	if err != nil {
		return nil, fmt.Errorf("topology %q: %w", name, err)
	}
	return t, nil
}
