package nimbus

import (
	"strings"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

const testDigest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

// A nimbus that requires artifacts stays out of leadership until its driver
// reports them all present; another nimbus leads meanwhile.
func TestRequireArtifactsGatesLeadership(t *testing.T) {
	h := newHarness(t)
	h.start(Config{ID: "n1", Priority: 2, RequireArtifacts: true}, Config{ID: "n2", Priority: 1})
	h.run(5 * time.Second)
	if got := h.peer("n2").m.IsLeader(); !got {
		t.Fatalf("n2 leads while n1 lacks artifacts: got %v, want true", got)
	}
	if got := h.peer("n1").m.IsLeader(); got {
		t.Fatalf("n1 leads without its artifacts: got %v, want false", got)
	}
	// A stray ArtifactsReady from the network is ignored; the local one counts.
	h.send(h.peer("n1"), "somebody", protocol.ArtifactsReady{Ready: true})
	h.crash(h.peer("n2"))
	h.run(15 * time.Second)
	if got := h.peer("n1").m.IsLeader(); got {
		t.Fatalf("n1 leads on a remote ArtifactsReady: got %v, want false", got)
	}
	h.send(h.peer("n1"), protocol.LocalArtifacts, protocol.ArtifactsReady{Ready: true})
	h.run(5 * time.Second)
	if got := h.peer("n1").m.IsLeader(); !got {
		t.Fatalf("n1 leads once its artifacts are ready: got %v, want true", got)
	}
}

// Submit records the artifact digest; a malformed one is refused; the
// cluster summary counts supervisors and used slots.
func TestSubmitArtifactAndClusterSummary(t *testing.T) {
	h := newHarness(t)
	h.start(Config{ID: "n1", Priority: 1})
	h.run(3 * time.Second)
	h.exec("sup s1 slots=6700,6701")
	h.exec("sup s2 slots=6700")
	h.run(2 * time.Second)
	p := h.peer("n1")

	bad := h.clientRequest("submit", []string{"n1", "bad"}, options(nil))
	bad.Artifact = "NOT-HEX"
	if r, ok := h.request(p, bad); !ok || r.OK || !strings.Contains(r.Error, "artifact digest") {
		t.Fatalf("submit with a malformed digest: got %+v, want an artifact digest error", r)
	}
	req := h.clientRequest("submit", []string{"n1", "wc"}, options(nil))
	req.Artifact = testDigest
	if r, ok := h.request(p, req); !ok || !r.OK {
		t.Fatalf("submit: got %+v, want ok", r)
	}
	h.run(3 * time.Second)
	r, ok := h.request(p, protocol.ClientRequest{Op: protocol.OpList})
	if !ok || len(r.Topologies) != 1 || r.Topologies[0].Artifact != testDigest {
		t.Fatalf("list: got %+v, want wc with artifact %s", r, testDigest)
	}
	r, ok = h.request(p, protocol.ClientRequest{Op: protocol.OpCluster})
	if !ok || r.Cluster == nil {
		t.Fatalf("cluster: got %+v, want a summary", r)
	}
	c := *r.Cluster
	if c.Leader != "n1" || len(c.Supervisors) != 2 || c.Slots != 3 || c.Topologies != 1 || c.UsedSlots != 2 {
		t.Fatalf("cluster summary: got %+v, want leader n1, 2 supervisors, 3 slots, 1 topology, 2 used", c)
	}
	if c.Supervisors[0].ID != core.SupervisorID("s1") {
		t.Fatalf("supervisors order: got %v first, want s1", c.Supervisors[0].ID)
	}
}

// A leader whose session is disconnected answers no client until it is
// connected again: it cannot know whether it still leads.
func TestSuspendedLeaderRefusesClients(t *testing.T) {
	h := newHarness(t)
	h.start(Config{ID: "n1", Priority: 1})
	h.run(3 * time.Second)
	p := h.peer("n1")
	if r, ok := h.request(p, protocol.ClientRequest{Op: protocol.OpList}); !ok || !r.OK {
		t.Fatalf("list while connected: got %+v, want ok", r)
	}
	p.inbox = append(p.inbox, core.SessionChanged{State: core.Disconnected, Session: p.session})
	h.settle()
	r, ok := h.request(p, protocol.ClientRequest{Op: protocol.OpList})
	if !ok || r.OK || !r.NotLeader || !strings.Contains(r.Error, "disconnected") {
		t.Fatalf("list while disconnected: got %+v, want NotLeader: disconnected", r)
	}
	p.inbox = append(p.inbox, core.SessionChanged{State: core.Connected, Session: p.session})
	h.settle()
	if r, ok := h.request(p, protocol.ClientRequest{Op: protocol.OpList}); !ok || !r.OK {
		t.Fatalf("list after reconnecting: got %+v, want ok", r)
	}
}
