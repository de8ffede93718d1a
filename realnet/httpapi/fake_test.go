package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/topology"
	"github.com/squall/squall/storage/artifact"
)

// fakeNimbus answers client requests the way core/nimbus does, with its
// error texts, from a map of topologies.
type fakeNimbus struct {
	mu       sync.Mutex
	self     string // this nimbus's address
	leader   string // when not self: answer NotLeader naming it
	topos    map[string]*protocol.TopologySummary
	requests []protocol.ClientRequest
	err      error // Request fails with it
	hang     bool  // Request waits for ctx
}

func newFakeNimbus(self string) *fakeNimbus {
	return &fakeNimbus{self: self, leader: self, topos: map[string]*protocol.TopologySummary{}}
}

// fakeID is the id the fake gives topology name, as nimbus's form.
func fakeID(name string) core.TopologyID { return core.TopologyID(name + "-1-1402960825") }

// fakeSpec is topology name's spec: spout split (tasks 3-4) feeding bolt
// count (tasks 1-2) by fields, as Storm's word count, without ackers.
func fakeSpec(name string) []byte {
	cfg := topology.DefaultConfig()
	cfg.Ackers = 0 // task ids: count 1-2, split 3-4
	b := topology.NewBuilder(name).SetConfig(cfg)
	b.Spout("split", "test.Split", 2).Output("default", "word")
	b.Bolt("count", "test.Count", 2).FieldsGrouping("split", "default", "word")
	t, err := b.Build()
	if err != nil {
		panic(err)
	}
	data, err := topology.Encode(t)
	if err != nil {
		panic(err)
	}
	return data
}

func (f *fakeNimbus) addTopology(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w1 := protocol.WorkerAssignment{Supervisor: "s1", Host: "10.11.1.70", Port: 6701, Tasks: []core.TaskID{1, 3},
		Resources: protocol.Resources{CPU: 20, MemoryMB: 256}}
	w2 := protocol.WorkerAssignment{Supervisor: "s2", Host: "10.11.1.71", Port: 6700, Tasks: []core.TaskID{2, 4},
		Resources: protocol.Resources{CPU: 20, MemoryMB: 256}}
	f.topos[name] = &protocol.TopologySummary{ID: fakeID(name), Name: name,
		Status: protocol.StatusActive, Workers: 2, Tasks: 4, Epoch: 1, UptimeSecs: 1759, Executors: 4,
		Requested: protocol.Resources{CPU: 40, MemoryMB: 512}, Assigned: protocol.Resources{CPU: 40, MemoryMB: 512},
		Spec:       fakeSpec(name),
		WorkerList: []protocol.WorkerSummary{{WorkerAssignment: w1, UptimeSecs: 1646}, {WorkerAssignment: w2, UptimeSecs: 1640}},
		Components: []protocol.ComponentSummary{
			{Name: "count", Tasks: 2, Last10m: protocol.Counts{Executed: 10},
				AllTime: protocol.Counts{Executed: 100, ExecuteLatency: protocol.Latency{Samples: 4, SumNanos: 10_000_000},
					ProcessLatency: protocol.Latency{Samples: 4, SumNanos: 12_000_000}, Capacity: 0.125},
				Last3h: protocol.Counts{Executed: 30}, Last1d: protocol.Counts{Executed: 70},
				TaskStats: []protocol.TaskStats{
					{Task: 1, Supervisor: "s1", Host: "10.11.1.70", Port: 6701, UptimeSecs: 1646, AllTime: protocol.Counts{Executed: 60}},
					{Task: 2, Supervisor: "s2", Host: "10.11.1.71", Port: 6700, UptimeSecs: 1640, AllTime: protocol.Counts{Executed: 40}}}},
			{Name: "split", Tasks: 2, Last10m: protocol.Counts{Emitted: 20},
				AllTime: protocol.Counts{Emitted: 200, CompleteLatency: protocol.Latency{Samples: 2, SumNanos: 9_000_000}},
				Errors: []protocol.TaskError{
					{Component: "split", Task: 3, Error: "split: bad line", TimeNs: 1406006074 * core.Time(time.Second),
						Seq: 2, Host: "10.11.1.70", Port: 6701, AgeSecs: 16},
					{Component: "split", Task: 4, Error: "split: older", TimeNs: 1406006000 * core.Time(time.Second),
						Seq: 1, Host: "10.11.1.71", Port: 6700, AgeSecs: 90}},
				TaskStats: []protocol.TaskStats{
					{Task: 3, Supervisor: "s1", Host: "10.11.1.70", Port: 6701, UptimeSecs: 1646, AllTime: protocol.Counts{Emitted: 120}},
					{Task: 4, Supervisor: "s2", Host: "10.11.1.71", Port: 6700, UptimeSecs: 1640, AllTime: protocol.Counts{Emitted: 80}}}},
		},
		Last10m: protocol.Counts{Emitted: 20, Executed: 10}, AllTime: protocol.Counts{Emitted: 200, Executed: 100},
		Last3h: protocol.Counts{Emitted: 60, Executed: 30}, Last1d: protocol.Counts{Emitted: 140, Executed: 70}}
}

// lookup finds a topology by name or id, as nimbus does.
func (f *fakeNimbus) lookup(nameOrID string) *protocol.TopologySummary {
	for _, t := range f.topos {
		if t.Name == nameOrID || string(t.ID) == nameOrID {
			return t
		}
	}
	return nil
}

func (f *fakeNimbus) seen() []protocol.ClientRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

func (f *fakeNimbus) Request(ctx context.Context, req protocol.ClientRequest) (protocol.ClientReply, error) {
	f.mu.Lock()
	f.requests = append(f.requests, req)
	hang, err := f.hang, f.err
	f.mu.Unlock()
	if hang {
		<-ctx.Done()
		return protocol.ClientReply{}, ctx.Err()
	}
	if err != nil {
		return protocol.ClientReply{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.leader != f.self {
		return protocol.ClientReply{ID: req.ID, NotLeader: true, Leader: core.NodeID(f.leader),
			Error: "nimbus: not the leader"}, nil
	}
	reply := f.answer(req)
	reply.ID = req.ID
	return reply, nil
}

func fail(format string, args ...any) protocol.ClientReply {
	return protocol.ClientReply{Error: fmt.Sprintf(format, args...)}
}

func (f *fakeNimbus) answer(req protocol.ClientRequest) protocol.ClientReply {
	t := f.lookup(req.Topology)
	switch req.Op {
	case protocol.OpCluster:
		return protocol.ClientReply{OK: true, Cluster: &protocol.ClusterSummary{Leader: core.NodeID(f.self),
			Supervisors: []protocol.SupervisorSummary{
				{ID: "s1", Host: "10.11.1.70", Slots: 4, UsedSlots: 2, UptimeSecs: 358,
					Capacity: protocol.Resources{CPU: 400, MemoryMB: 3000}, Used: protocol.Resources{CPU: 160, MemoryMB: 1280}},
				{ID: "s2", Host: "10.11.1.71", Slots: 4, Capacity: protocol.Resources{CPU: 400, MemoryMB: 1000}}},
			Topologies: len(f.topos), Slots: 8, UsedSlots: 2, Tasks: 4, Executors: 4}}
	case protocol.OpList:
		out := []protocol.TopologySummary{}
		for _, name := range slices.Sorted(maps.Keys(f.topos)) {
			s := *f.topos[name]
			s.Components = nil              // as nimbus: the list has the windows' totals, not components
			s.Spec, s.WorkerList = nil, nil // status answers only
			out = append(out, s)
		}
		return protocol.ClientReply{OK: true, Topologies: out}
	case protocol.OpSubmit:
		if t != nil {
			return fail("nimbus: submit: topology %q already exists", req.Topology)
		}
		t = &protocol.TopologySummary{ID: fakeID(req.Topology), Name: req.Topology,
			Status: protocol.StatusActive, Artifact: req.Artifact, Owner: req.Owner}
		f.topos[req.Topology] = t
		return protocol.ClientReply{OK: true, Topologies: []protocol.TopologySummary{*t}}
	}
	if t == nil {
		if req.Op == protocol.OpStatus {
			return fail("nimbus: unknown topology %q", req.Topology)
		}
		return fail("nimbus: %s: unknown topology %q", req.Op, req.Topology)
	}
	return f.change(t, req)
}

func (f *fakeNimbus) change(t *protocol.TopologySummary, req protocol.ClientRequest) protocol.ClientReply {
	if t.Status == protocol.StatusKilled && req.Op != protocol.OpStatus {
		return fail("nimbus: %s: topology %s is being killed", req.Op, t.Name)
	}
	switch req.Op {
	case protocol.OpStatus:
	case protocol.OpActivate:
		t.Status = protocol.StatusActive
	case protocol.OpDeactivate:
		t.Status = protocol.StatusInactive
	case protocol.OpKill:
		t.Status = protocol.StatusKilled
	case protocol.OpRebalance:
		if req.Parallelism["nope"] > 0 {
			return fail("nimbus: rebalance: topology: no component %q", "nope")
		}
		t.Status = protocol.StatusRebalancing
		if req.Workers > 0 {
			t.Workers = req.Workers
		}
	}
	return protocol.ClientReply{OK: true, Topologies: []protocol.TopologySummary{*t}}
}

// testNimbus is a fake nimbus behind a real Server on a loopback port.
type testNimbus struct {
	fake  *fakeNimbus
	srv   *httptest.Server
	store *artifact.Store
	host  string
}

func startNimbus(t *testing.T, cfg ServerConfig) *testNimbus {
	t.Helper()
	tn := &testNimbus{}
	srv := httptest.NewUnstartedServer(nil)
	tn.host = srv.Listener.Addr().String()
	tn.fake = newFakeNimbus(tn.host)
	if cfg.Artifacts == nil {
		store, err := artifact.Open(t.TempDir(), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Artifacts = store
	}
	tn.store = cfg.Artifacts
	cfg.Nimbus = tn.fake
	srv.Config.Handler = NewServer(cfg)
	srv.Start()
	t.Cleanup(srv.Close)
	tn.srv = srv
	return tn
}

// follow makes n a follower that names leader.
func (n *testNimbus) follow(leader string) {
	n.fake.mu.Lock()
	defer n.fake.mu.Unlock()
	n.fake.leader = leader
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func hasAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
