package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/supervisor"
	"github.com/squall/squall/realnet"
	"github.com/squall/squall/realnet/procs"
	"github.com/squall/squall/realnet/promexport"
	"github.com/squall/squall/storage"
	"github.com/squall/squall/storage/artifact"
	"github.com/squall/squall/zkadapter"
)

// Supervisor periods and bounds.
const (
	supervisorTick     = 100 * time.Millisecond
	workerStopGrace    = 3 * time.Second
	artifactsBytesMax  = 1 << 30
	workerStartTimeout = 20 * time.Second // a worker process reads ZooKeeper and loads before it heartbeats
)

func runSupervisor(args []string, env Env) int {
	fs, cf := newFlags("supervisor", env)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c, err := cf.load()
	if err != nil {
		return fail(env, "supervisor", err)
	}
	log, err := newLogger(c, env.Stderr, "supervisor")
	if err != nil {
		return fail(env, "supervisor", err)
	}
	if err := serveSupervisor(env.Ctx, c, log); err != nil {
		return fail(env, "supervisor", err)
	}
	return 0
}

// slotsOf parses the configured worker ports.
func slotsOf(c *config) []core.Port {
	var out []core.Port
	for _, p := range c.list("supervisor.slots.ports") {
		n, _ := strconv.Atoi(p) // validated at load
		out = append(out, core.Port(n))
	}
	return out
}

func serveSupervisor(ctx context.Context, c *config, log *slog.Logger) error {
	host := c.str("supervisor.host")
	port, _ := c.int("supervisor.port")
	cpu, _ := c.int("supervisor.cpu")
	mem, _ := c.int("supervisor.memory.mb")
	timeout, _ := c.duration("zookeeper.session.timeout")
	dir := c.str("supervisor.dir")
	addr := core.NodeID(net.JoinHostPort(host, strconv.Itoa(port)))
	layout := protocol.Layout{Root: c.str("zookeeper.root")}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("own executable: %w", err)
	}

	store, err := storage.Open(vfs.Default, filepath.Join(dir, "state"), storage.Options{})
	if err != nil {
		return fmt.Errorf("state store: %w", err)
	}
	defer store.Close()
	arts, err := artifact.Open(filepath.Join(dir, "artifacts"), artifactsBytesMax)
	if err != nil {
		return err
	}
	reader, err := dialReader(c.list("zookeeper.servers"), timeout, c.transportSecret(), log)
	if err != nil {
		return err
	}
	defer reader.close()
	inbox := realnet.NewInbox(inboxEventsMax)
	zk, err := zkadapter.New(zkadapter.Config{Servers: c.list("zookeeper.servers"), SessionTimeout: timeout, Logger: log,
		Secret: c.transportSecret()}, inbox.Deliver)
	if err != nil {
		return fmt.Errorf("zookeeper: %w", err)
	}
	defer zk.Close()
	tlsCfg, err := c.daemonTLS()
	if err != nil {
		return err
	}
	tr, err := realnet.Listen(realnet.TransportConfig{Self: addr, Addr: string(addr), Logger: log, Secret: c.transportSecret(),
		TLS: tlsCfg}, inbox.Deliver)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	defer tr.Close()

	starter := &workerStarter{ctx: ctx, reader: reader, layout: layout, arts: arts, self: self,
		seeds: c.list("nimbus.seeds"), cfg: c, supervisor: core.SupervisorID(host), address: addr, dir: dir}
	runner, err := procs.New(procs.Config{Dir: filepath.Join(dir, "procs"), Command: starter.command,
		StopGrace: workerStopGrace, Logger: log}, inbox.Deliver)
	if err != nil {
		return fmt.Errorf("process runner: %w", err)
	}
	defer runner.Close()
	m := supervisor.New(supervisor.Config{ID: core.SupervisorID(host), Host: host, Address: addr,
		Slots: slotsOf(c), Layout: layout, WorkerStartTimeout: workerStartTimeout,
		Capacity: protocol.Resources{CPU: core.CPUPercent(cpu), MemoryMB: core.MemoryMB(mem), NetworkMbps: 1000, DiskMB: 100_000}})
	d := realnet.NewDriver(realnet.DriverConfig{ID: addr, Machine: m, Tick: supervisorTick, Inbox: inbox,
		Coord: zk, Net: tr, Store: store, Procs: runner, Logger: log})
	tokens, err := c.tokens()
	if err != nil {
		return err
	}
	log.Info("supervisor started", "id", host, "address", addr, "slots", c.list("supervisor.slots.ports"),
		"metrics", "http://"+string(addr)+promexport.Path)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	metrics := metricsHandler(c, tokens, log, promexport.NewSupervisorCollector(supervisorState(d), 0, log))
	go serveSupervisorHTTP(ctx, tr.HTTPListener(), metrics, log)
	go watchStore(ctx, d, cancel)
	go watchCorrupt(ctx, d, log)
	err = d.Run(ctx)
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		err = cause
	}
	log.Info("supervisor stopped; its workers keep running until a supervisor adopts or stops them")
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// workerStarter builds the command line of a worker process: the
// topology's artifact (downloaded and verified), or this program when the
// topology has none.
type workerStarter struct {
	ctx        context.Context
	reader     *zkReader
	layout     protocol.Layout
	arts       *artifact.Store
	self       string
	seeds      []string
	cfg        *config
	supervisor core.SupervisorID
	address    core.NodeID
	dir        string
}

func (s *workerStarter) command(spec core.WorkerSpec) (*exec.Cmd, error) {
	ctx, cancel := context.WithTimeout(s.ctx, artifactFetchPeriod)
	defer cancel()
	program, err := s.program(ctx, spec.Topology)
	if err != nil {
		return nil, err
	}
	args := []string{"worker",
		"--topology", string(spec.Topology),
		"--supervisor", string(s.supervisor),
		"--supervisor-address", string(s.address),
		"--port", strconv.Itoa(int(spec.Port)),
		"--epoch", strconv.FormatUint(spec.Epoch, 10),
		"--dir", filepath.Join(s.dir, "workers", strconv.Itoa(int(spec.Port))),
		"-c", "zookeeper.servers=" + strings.Join(s.cfg.list("zookeeper.servers"), ","),
		"-c", "zookeeper.root=" + s.cfg.str("zookeeper.root"),
		"-c", "zookeeper.session.timeout=" + s.cfg.str("zookeeper.session.timeout"),
		"-c", "worker.tick=" + s.cfg.str("worker.tick"),
		"-c", "worker.step.budget=" + s.cfg.str("worker.step.budget"),
		"-c", "worker.lanes=" + s.cfg.str("worker.lanes"),
		"-c", "tls.cert=" + s.cfg.str("tls.cert"),
		"-c", "tls.key=" + s.cfg.str("tls.key"),
		"-c", "tls.ca=" + s.cfg.str("tls.ca"),
		"-c", "log.level=" + s.cfg.str("log.level"),
		"-c", "log.format=" + s.cfg.str("log.format"),
	}
	cmd := exec.Command(program, args...)
	cmd.Env = append(os.Environ(), "SQUALL_WORKER=1")
	if secret := s.cfg.secret(); secret != "" {
		cmd.Env = append(cmd.Env, secretEnv+"="+secret)
	}
	return cmd, nil
}

func (s *workerStarter) program(ctx context.Context, topo core.TopologyID) (string, error) {
	data, ok, err := s.reader.get(ctx, s.layout.Topology(topo))
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("topology %s has no record", topo)
	}
	rec, err := protocol.DecodeTopology(data)
	if err != nil {
		return "", err
	}
	if rec.Artifact == "" {
		return s.self, nil
	}
	if !s.arts.Has(rec.Artifact) {
		if err := fetchArtifact(ctx, s.cfg.httpClient(s.cfg.secret(), 0), s.cfg.scheme(), s.reader, s.layout, s.seeds, s.arts, rec.Artifact, ""); err != nil {
			return "", fmt.Errorf("artifact of %s: %w", topo, err)
		}
	}
	return s.arts.Path(rec.Artifact)
}

// storeCheckPeriod is how often a supervisor checks its store's health.
const storeCheckPeriod = time.Second

// errStoreFailed ends a supervisor whose local store failed a write.
var errStoreFailed = errors.New("local store failed a write; exiting so that a service manager restarts the supervisor (its workers keep running and are adopted)")

// watchStore ends the supervisor once its Pebble store fails a write: the
// machine would retry its launch records forever and start no worker, while
// a restarted supervisor reopens the store (or fails loudly at open).
func watchStore(ctx context.Context, d *realnet.Driver, cancel context.CancelCauseFunc) {
	t := time.NewTicker(storeCheckPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if d.Stats().PersistErrors > 0 {
				cancel(errStoreFailed)
				return
			}
		}
	}
}

// watchCorrupt logs the corrupt assignments and launch records the
// supervisor refused (the machine only counts them, and keeps the newest
// reason), at most once per storeCheckPeriod. It ends with ctx.
func watchCorrupt(ctx context.Context, d *realnet.Driver, log *slog.Logger) {
	t := time.NewTicker(storeCheckPeriod)
	defer t.Stop()
	var cl corruptLog
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			var st supervisor.Stats
			var why string
			err := d.Do(ctx, func(m core.Machine) {
				sm := m.(*supervisor.Machine)
				st, why = sm.Stats(), sm.LastCorrupt()
			})
			if err != nil {
				return // the driver stopped, or ctx is done
			}
			cl.see(log, st, why)
		}
	}
}

// corruptLog remembers how many corrupt inputs were logged.
type corruptLog struct{ assignments, records int }

// see logs a warning when the supervisor refused more corrupt inputs than
// were logged so far, with the newest one's reason.
func (c *corruptLog) see(log *slog.Logger, st supervisor.Stats, why string) {
	if st.CorruptAssignments == c.assignments && st.CorruptRecords == c.records {
		return
	}
	log.Warn("supervisor refused a corrupt assignment or launch record",
		"corrupt_assignments", st.CorruptAssignments, "corrupt_launch_records", st.CorruptRecords, "last", why)
	c.assignments, c.records = st.CorruptAssignments, st.CorruptRecords
}
