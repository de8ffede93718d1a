package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/election"
	"github.com/squall/squall/core/nimbus"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/realnet"
	"github.com/squall/squall/realnet/httpapi"
	"github.com/squall/squall/realnet/webui"
	"github.com/squall/squall/storage/artifact"
	"github.com/squall/squall/zkadapter"
)

// Daemon bounds and periods.
const (
	inboxEventsMax      = 65536
	nimbusTick          = 100 * time.Millisecond
	replicatePeriod     = time.Second
	apiRequestTimeout   = 30 * time.Second
	shutdownGrace       = 2 * time.Second
	artifactFetchPeriod = 30 * time.Second // bound on one download
)

func runNimbus(args []string, env Env) int {
	fs, cf := newFlags("nimbus", env)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c, err := cf.load()
	if err != nil {
		return fail(env, "nimbus", err)
	}
	log, err := newLogger(c, env.Stderr, "nimbus")
	if err != nil {
		return fail(env, "nimbus", err)
	}
	if err := serveNimbus(env.Ctx, c, log); err != nil {
		return fail(env, "nimbus", err)
	}
	return 0
}

// serveNimbus runs a nimbus until ctx ends.
func serveNimbus(ctx context.Context, c *config, log *slog.Logger) error {
	port, _ := c.int("nimbus.port")
	priority, _ := c.int("nimbus.priority")
	uploadMax, _ := c.int("nimbus.upload.max.bytes")
	timeout, _ := c.duration("zookeeper.session.timeout")
	id := core.NodeID(net.JoinHostPort(c.str("nimbus.host"), strconv.Itoa(port)))
	layout := protocol.Layout{Root: c.str("zookeeper.root")}

	store, err := artifact.Open(filepath.Join(c.str("nimbus.dir"), "artifacts"), int64(uploadMax))
	if err != nil {
		return err
	}
	inbox := realnet.NewInbox(inboxEventsMax)
	zk, err := zkadapter.New(zkadapter.Config{Servers: c.list("zookeeper.servers"), SessionTimeout: timeout, Logger: log,
		Secret: c.transportSecret()}, inbox.Deliver)
	if err != nil {
		return fmt.Errorf("zookeeper: %w", err)
	}
	defer zk.Close()
	reader, err := dialReader(c.list("zookeeper.servers"), timeout, c.transportSecret(), log)
	if err != nil {
		return err
	}
	defer reader.close()
	tlsCfg, err := c.daemonTLS()
	if err != nil {
		return err
	}
	tr, err := realnet.Listen(realnet.TransportConfig{Self: id, Addr: string(id), Logger: log, Secret: c.transportSecret(),
		TLS: tlsCfg}, inbox.Deliver)
	if err != nil {
		return fmt.Errorf("listen %s: %w", id, err)
	}
	defer tr.Close()

	tokens, err := c.tokens()
	if err != nil {
		return err
	}
	if !tokens.Enabled() {
		log.Warn("nimbus: the HTTP API is open to anyone who can reach it: set auth.tokens and cluster.secret")
	}
	br := newBridge(inbox.Deliver)
	m := nimbus.New(nimbus.Config{ID: id, Priority: priority, Layout: layout, RequireArtifacts: true})
	d := realnet.NewDriver(realnet.DriverConfig{ID: id, Machine: m, Tick: nimbusTick, Inbox: inbox,
		Coord: zk, Net: bridgedNet{b: br, net: tr}, Logger: log})
	api := httpapi.NewServer(httpapi.ServerConfig{Nimbus: br, Artifacts: store, UploadBytesMax: int64(uploadMax),
		Logger: log, RequestTimeout: apiRequestTimeout, Auth: tokens, TLS: tlsCfg != nil,
		Version: Version, Now: time.Now, Started: time.Now(),
		Configuration: func() map[string]any { return clusterConfiguration(c) },
		Members: func(ctx context.Context) ([]httpapi.NimbusSummary, error) {
			return electionMembers(ctx, reader, layout)
		}})
	srv := &http.Server{Handler: withMetrics(webui.With(api), nimbusMetrics(c, tokens, log, br)), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(tr.HTTPListener()); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http api stopped", "err", err)
		}
	}()
	rep := &replicator{reader: reader, store: store, layout: layout, self: id, log: log,
		seeds: c.list("nimbus.seeds"), deliver: inbox.Deliver, hc: c.httpClient(c.secret(), 0), scheme: c.scheme()}
	go rep.run(ctx)
	log.Info("nimbus started", "id", id, "priority", priority, "zookeeper", c.list("zookeeper.servers"))
	err = d.Run(ctx)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	_ = srv.Shutdown(sctx)
	log.Info("nimbus stopped")
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// replicator keeps this nimbus's artifact store holding the program of
// every live topology, downloading missing ones from the leader or another
// nimbus, and tells the nimbus machine whether it may lead (STORM-1977).
type replicator struct {
	reader  *zkReader
	store   *artifact.Store
	layout  protocol.Layout
	self    core.NodeID
	seeds   []string
	log     *slog.Logger
	deliver func(core.Event)
	hc      *http.Client // authenticated with the cluster secret
	scheme  string       // of the nimbuses' API
}

func (r *replicator) run(ctx context.Context) {
	t := time.NewTicker(replicatePeriod)
	defer t.Stop()
	for {
		ready, err := r.sync(ctx)
		if err != nil {
			r.log.Warn("artifact replication", "err", err)
		}
		r.deliver(core.Recv{From: protocol.LocalArtifacts,
			Payload: protocol.EncodeMessage(protocol.ArtifactsReady{Ready: ready && err == nil})})
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sync fetches missing artifacts and reports whether none is missing.
func (r *replicator) sync(ctx context.Context) (bool, error) {
	rctx, cancel := context.WithTimeout(ctx, artifactFetchPeriod)
	defer cancel()
	digests, err := liveArtifacts(rctx, r.reader, r.layout)
	if err != nil {
		return false, err
	}
	ready := true
	for _, d := range digests {
		if r.store.Has(d) {
			continue
		}
		if err := fetchArtifact(rctx, r.hc, r.scheme, r.reader, r.layout, r.seeds, r.store, d, r.self); err != nil {
			r.log.Warn("artifact missing", "digest", d, "err", err)
			ready = false
			continue
		}
		r.log.Info("artifact replicated", "digest", d)
	}
	return ready, nil
}

// liveArtifacts lists the artifact digests of the topologies in ZooKeeper.
func liveArtifacts(ctx context.Context, zr *zkReader, layout protocol.Layout) ([]string, error) {
	names, err := zr.children(ctx, layout.Topologies())
	if err != nil {
		return nil, err
	}
	var out []string
	for _, name := range names {
		data, ok, err := zr.get(ctx, layout.Topology(core.TopologyID(name)))
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		rec, err := protocol.DecodeTopology(data)
		if err != nil {
			continue // nimbus reports corrupt records; nothing to replicate
		}
		if rec.Artifact != "" && rec.Status != protocol.StatusKilled {
			out = append(out, rec.Artifact)
		}
	}
	return out, nil
}

// fetchArtifact downloads digest into store from the leader, else from any
// seed nimbus but self, verifying it.
// hc authenticates with the cluster secret.
func fetchArtifact(ctx context.Context, hc *http.Client, scheme string, zr *zkReader, layout protocol.Layout, seeds []string,
	store *artifact.Store, digest string, self core.NodeID) error {
	var sources []string
	if leader, err := leaderAddress(ctx, zr, layout); err == nil && leader != "" {
		sources = append(sources, leader)
	}
	sources = append(sources, seeds...)
	var errs []error
	for _, addr := range sources {
		if addr == string(self) {
			continue
		}
		url := httpapi.ArtifactURL(scheme, addr, digest)
		if err := store.Fetch(ctx, hc, url, digest); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", addr, err))
			continue
		}
		return nil
	}
	if len(errs) == 0 {
		return fmt.Errorf("artifact %s: no nimbus to fetch it from", digest)
	}
	return errors.Join(errs...)
}

// leaderAddress reads where the leading nimbus serves ("" if none leads).
func leaderAddress(ctx context.Context, zr *zkReader, layout protocol.Layout) (string, error) {
	data, ok, err := zr.get(ctx, layout.Leader())
	if err != nil || !ok {
		return "", err
	}
	var m election.Member
	if err := json.Unmarshal(data, &m); err != nil {
		return "", fmt.Errorf("leader node: %w", err)
	}
	return m.Address, nil
}

// electionMembers lists the nimbuses enrolled in the election, as their
// election nodes describe them.
func electionMembers(ctx context.Context, zr *zkReader, layout protocol.Layout) ([]httpapi.NimbusSummary, error) {
	names, err := zr.children(ctx, layout.Election())
	if err != nil {
		return nil, err
	}
	out := []httpapi.NimbusSummary{}
	for _, name := range names {
		data, ok, err := zr.get(ctx, layout.Election()+"/"+name)
		if err != nil {
			return nil, err
		}
		var m election.Member
		if !ok || json.Unmarshal(data, &m) != nil {
			continue // gone since the listing, or not ours to read
		}
		out = append(out, httpapi.NimbusSummary{Address: core.NodeID(m.Address), Priority: m.Priority})
	}
	return out, nil
}
