package election_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/election"
)

// startThree starts a (priority 3), b (2) and c (1) together, with fenced
// writes unless unfenced, and returns the harness once a leads and wrote.
func startThree(t *testing.T, unfenced bool) *harness {
	t.Helper()
	cfgs := []election.Config{cfg("a", 3), cfg("b", 2), cfg("c", 1)}
	for i := range cfgs {
		cfgs[i].WritePeriod = time.Second
		cfgs[i].TestOnlyUnfenced = unfenced
	}
	h := newHarness(t, cfgs...)
	h.connect("a", "b", "c")
	h.settle()
	h.run(1500 * time.Millisecond)
	if got := h.leaders(); !slices.Equal(got, []core.NodeID{"a"}) {
		t.Fatalf("leaders: got %v, want [a]", got)
	}
	if got := h.peer("a").c.Stats().WritesOK; got < 1 {
		t.Fatalf("a: WritesOK got %d, want at least 1", got)
	}
	return h
}

// claimTime returns when id first claimed after since, or -1.
func claimTime(h *harness, id core.NodeID, since core.Time) core.Time {
	_, leaderPath, _ := h.peers[0].c.Paths()
	for _, e := range h.effectsOf(id) {
		if e.at >= since && isClaim(e.eff.(core.Coord).Req, leaderPath) {
			return e.at
		}
	}
	return -1
}

func TestFailoverClaimsWithinRankDelay(t *testing.T) {
	cases := []struct {
		name    string
		paused  core.NodeID // a frozen process: alive session, never claims
		claimer core.NodeID
		rank    int // the claimer's rank once a is gone
	}{
		{"next in rank claims at once", "", "b", 0},
		{"frozen rank 0 delays rank 1", "b", "c", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := startThree(t, false)
			a := h.peer("a")
			oldNode, _ := a.c.Fence()
			if tc.paused != "" {
				h.peer(tc.paused).paused = true
			}

			expiredAt := h.now
			h.expire("a")
			h.settle()
			if a.c.IsLeader() {
				t.Fatal("a after Expired: IsLeader got true, want false")
			}
			claimer := h.peer(tc.claimer)
			due := expiredAt.Add(claimDelayPerRank * time.Duration(tc.rank))
			if !h.runUntil(time.Duration(tc.rank+1)*claimDelayPerRank, claimer.c.IsLeader) {
				t.Fatalf("%s: not leader %s after a expired, want within rank %d × %s",
					tc.claimer, h.now.Sub(expiredAt), tc.rank, claimDelayPerRank)
			}
			at := claimTime(h, tc.claimer, expiredAt)
			if at < due || at > due.Add(harnessTickPeriod) {
				t.Errorf("%s claimed at %s: want in [%s, %s] (a expired at %s, rank %d)",
					tc.claimer, at, due, due.Add(harnessTickPeriod), expiredAt, tc.rank)
			}

			// a comes back on a new session: it re-enrolls with a new node
			// and follows; nobody preempts.
			h.connect("a")
			if tc.paused != "" {
				h.peer(tc.paused).paused = false
			}
			h.settle()
			h.run(3 * time.Second)
			if got := h.leaders(); !slices.Equal(got, []core.NodeID{tc.claimer}) {
				t.Fatalf("leaders after a rejoined: got %v, want [%s]", got, tc.claimer)
			}
			mine := h.nodesOf(a.session)
			if len(mine) != 1 || mine[0] == oldNode.Path {
				t.Errorf("a's election nodes: got %v, want one new node (the old was %s)", mine, oldNode.Path)
			}
			if slices.ContainsFunc(h.electionNodes(), func(n electionNode) bool { return n.path == oldNode.Path }) {
				t.Errorf("a's old node %s survived its session", oldNode.Path)
			}
			for _, p := range h.peers {
				if got := p.c.Leader(); got != tc.claimer {
					t.Errorf("%s: Leader() got %q, want %s", p.cfg.ID, got, tc.claimer)
				}
			}
			if got := a.c.Stats().Terms; got != 1 {
				t.Errorf("a: Terms got %d, want 1", got)
			}
		})
	}
}

// A leader issues a write, its session expires before the write reaches the
// server, another candidate takes over, and the client sends the write on the
// leader's new session. Fencing must refuse it; without fencing it lands
// while someone else leads, which is what the scenario checker catches.
func TestDeposedLeaderQueuedWrite(t *testing.T) {
	cases := []struct {
		name         string
		unfenced     bool
		code         core.Code
		rejected     int
		counterAfter string // prefix of the counter's data after the write
	}{
		{"fenced write fails its check", false, core.CodeNoNode, 1, "b:"},
		{"unfenced write lands under the new leader", true, core.CodeOK, 0, "a:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := startThree(t, tc.unfenced)
			a, b := h.peer("a"), h.peer("b")
			_, _, counter := a.c.Paths()

			// a issues its next write; the client holds it (disconnected).
			a.hold = true
			issuedBefore := len(a.queue)
			if !h.runUntil(2*time.Second, func() bool { return len(a.queue) > issuedBefore }) {
				t.Fatal("a issued no write within 2 write periods")
			}
			write := a.queue[len(a.queue)-1]
			if !isWrite(write.Req, counter) {
				t.Fatalf("a's held request: got %s, want a write to %s", write, counter)
			}
			if _, fenced := write.Req.(core.Multi); fenced == tc.unfenced {
				t.Fatalf("a's write: got %s, want fenced=%t", write, !tc.unfenced)
			}

			h.expire("a")
			h.settle()
			if !h.runUntil(time.Second, b.c.IsLeader) {
				t.Fatal("b: not leader 1s after a expired")
			}
			h.run(1100 * time.Millisecond) // b writes at least once

			// The client reconnects on a new session and sends what it held
			// before the candidate hears Connected.
			a.hold = false
			h.connect("a")
			h.settle()

			got := appliedOf(a, write.Op)
			if got == nil {
				t.Fatalf("a's held write %s was never applied", write)
			}
			if got.session != a.session {
				t.Errorf("held write applied on session %#x, want a's new session %#x", int64(got.session), int64(a.session))
			}
			if got.reply.Code != tc.code {
				t.Errorf("held write %s: got %s, want %s", write, got.reply, tc.code)
			}
			if !tc.unfenced && (len(got.reply.Multi) != 2 || got.reply.Multi[0].Code != core.CodeNoNode) {
				t.Errorf("held write %s: got %s, want its check to fail with NoNode", write, got.reply)
			}
			if st := a.c.Stats(); st.WritesRejected != tc.rejected {
				t.Errorf("a: WritesRejected got %d, want %d", st.WritesRejected, tc.rejected)
			}
			data, _, _ := h.zk.Lookup(counter)
			if !strings.HasPrefix(string(data), tc.counterAfter) {
				t.Errorf("counter after the held write: got %q, want prefix %q", data, tc.counterAfter)
			}
			if got := h.leaders(); !slices.Equal(got, []core.NodeID{"b"}) {
				t.Errorf("leaders: got %v, want [b]", got)
			}
			if got := a.c.Leader(); got != "b" {
				t.Errorf("a: Leader() got %q, want b", got)
			}
		})
	}
}

func appliedOf(p *peer, op core.OpID) *applied {
	for i := range p.applied {
		if p.applied[i].coord.Op == op {
			return &p.applied[i]
		}
	}
	return nil
}
