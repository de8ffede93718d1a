package election_test

import (
	"slices"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/election"
)

// loseFirst returns a lose function that loses the replies of the first n
// requests matching pick only.
func loseFirst(n int, pick func(core.Request) bool) func(core.Request) bool {
	return func(req core.Request) bool {
		if n == 0 || !pick(req) {
			return false
		}
		n--
		return true
	}
}

func TestLostClaimReplyDiscoveredByRefresh(t *testing.T) {
	h := newHarness(t, cfg("a", 1))
	a := h.peer("a")
	_, leaderPath, _ := a.c.Paths()
	a.lose = loseFirst(1, func(req core.Request) bool { return isClaim(req, leaderPath) })
	h.connect("a")
	h.settle()

	if a.lost != 1 {
		t.Fatalf("lost replies: got %d, want 1 (the claim's)", a.lost)
	}
	if !a.c.IsLeader() {
		t.Fatal("IsLeader after a lost claim reply: got false, want true")
	}
	h.run(5 * time.Second)
	if got, want := a.c.Stats(), (election.Stats{Terms: 1, Claims: 1}); got != want {
		t.Errorf("Stats: got %+v, want %+v (one claim, found by the refresh)", got, want)
	}
	if _, stat, ok := h.zk.Lookup(leaderPath); !ok || stat.EphemeralOwner != a.session {
		t.Errorf("leader node: exists=%t owner=%#x, want owned by %#x", ok, int64(stat.EphemeralOwner), int64(a.session))
	}
}

func TestLostEnrollReplyAdoptsOwnNode(t *testing.T) {
	h := newHarness(t, cfg("a", 1), cfg("b", 0))
	a := h.peer("a")
	a.lose = loseFirst(1, isEnroll)
	h.connect("a", "b")
	h.settle()
	h.run(3 * time.Second)

	if a.lost != 1 {
		t.Fatalf("lost replies: got %d, want 1 (the enroll's)", a.lost)
	}
	enrolls := 0
	for _, e := range h.effectsOf("a") {
		if isEnroll(e.eff.(core.Coord).Req) {
			enrolls++
		}
	}
	if enrolls != 1 {
		t.Errorf("a's enroll requests: got %d, want 1 (it adopts the node it owns)", enrolls)
	}
	mine := h.nodesOf(a.session)
	if len(mine) != 1 {
		t.Fatalf("a's election nodes: got %v, want one", mine)
	}
	fence, ok := a.c.Fence()
	if !ok || fence.Path != mine[0] {
		t.Errorf("a: Fence got %+v ok=%t, want its adopted node %s", fence, ok, mine[0])
	}
	if got := h.leaders(); !slices.Equal(got, []core.NodeID{"a"}) {
		t.Errorf("leaders: got %v, want [a]", got)
	}
}

// An enroll queued in a disconnected client runs on the session that replaced
// the expired one, so the candidate's session owns two election nodes: the
// stale one is deleted.
func TestEnrollQueuedAcrossExpiryDeletesStray(t *testing.T) {
	h := newHarness(t, cfg("a", 1))
	a := h.peer("a")
	a.hold = true
	h.connect("a")
	h.settle()
	if !slices.ContainsFunc(a.queue, func(c core.Coord) bool { return isEnroll(c.Req) }) {
		t.Fatalf("a's held requests %v: want an enroll", a.queue)
	}

	h.expire("a")
	h.settle()
	a.hold = false
	h.connect("a")
	h.settle()
	h.run(3 * time.Second)

	created := 0
	for _, ap := range a.applied {
		if isEnroll(ap.coord.Req) && ap.reply.Code == core.CodeOK {
			created++
		}
	}
	if created != 2 {
		t.Fatalf("election nodes a created: got %d, want 2 (the stale enroll and the new)", created)
	}
	mine := h.nodesOf(a.session)
	if len(mine) != 1 {
		t.Fatalf("a's election nodes: got %v, want one (the stray deleted)", mine)
	}
	if fence, ok := a.c.Fence(); !ok || fence.Path != mine[0] {
		t.Errorf("a: Fence got %+v ok=%t, want its node %s", fence, ok, mine[0])
	}
	if !a.c.IsLeader() {
		t.Error("a: IsLeader got false, want true")
	}
}

// The session owns a second election node (a create retried by the client):
// a refresh finds it and deletes it, keeping the node it fences with.
func TestRefreshDeletesDuplicateOwnNode(t *testing.T) {
	h := newHarness(t, cfg("a", 1))
	a := h.peer("a")
	h.connect("a")
	h.settle()
	fence, _ := a.c.Fence()
	dir, _, _ := a.c.Paths()
	dup := h.zk.Apply(a.session, h.modelNow(), core.Create{
		Path: dir + "/n_", Mode: core.EphemeralSequential,
		Data: []byte(`{"id":"a","address":"a:6627","priority":1}`),
	})
	if dup.Code != core.CodeOK {
		t.Fatalf("creating the duplicate: got %s, want OK", dup)
	}

	h.reconnect("a") // a reconnect within the session makes it re-read
	h.settle()

	if got := h.nodesOf(a.session); !slices.Equal(got, []string{fence.Path}) {
		t.Errorf("a's election nodes: got %v, want [%s] (the duplicate %s deleted)", got, fence.Path, dup.Path)
	}
	if got, ok := a.c.Fence(); !ok || got != fence {
		t.Errorf("a: Fence got %+v ok=%t, want unchanged %+v", got, ok, fence)
	}
	if got := a.c.Stats().Terms; got != 1 || !a.c.IsLeader() {
		t.Errorf("a: Terms %d IsLeader %t, want 1 and true", got, a.c.IsLeader())
	}
}

func TestCorruptElectionNodes(t *testing.T) {
	h := newHarness(t, cfg("a", 1), cfg("b", 2))
	dir, _, _ := h.peers[0].c.Paths()
	vandal := h.zk.OpenSession(h.modelNow(), harnessSessionTimeout)
	for _, c := range []core.Create{
		{Path: "/squall"},
		{Path: "/squall/nimbus"},
		{Path: dir},
		{Path: dir + "/n_0000000000", Data: []byte("not json {")},          // unparsable
		{Path: dir + "/n_0000000001", Data: []byte(`{"priority":99}`)},     // no id
		{Path: dir + "/junk", Data: []byte(`{"id":"junk","priority":99}`)}, // not a sequence name
		{Path: dir + "/n_", Data: []byte{0xff, 0x00}, Mode: core.PersistentSequential},
	} {
		if r := h.zk.Apply(vandal, h.modelNow(), c); r.Code != core.CodeOK {
			t.Fatalf("%s: got %s, want OK", c, r)
		}
	}
	const corrupt = 4

	h.connect("a", "b")
	h.settle()
	h.run(3 * time.Second)

	if got := h.leaders(); !slices.Equal(got, []core.NodeID{"b"}) {
		t.Fatalf("leaders: got %v, want [b] (corrupt nodes neither rank nor lead)", got)
	}
	for _, p := range h.peers {
		if got := p.c.Leader(); got != "b" {
			t.Errorf("%s: Leader() got %q, want b", p.cfg.ID, got)
		}
		// Every refresh round sees every corrupt child once.
		if got := p.c.Stats().Corrupt; got < corrupt || got%corrupt != 0 {
			t.Errorf("%s: Corrupt got %d, want a positive multiple of %d", p.cfg.ID, got, corrupt)
		}
	}
	if got := len(h.zk.ChildrenOf(dir)); got != corrupt+2 {
		t.Errorf("election children: got %d, want %d (corrupt ones left alone)", got, corrupt+2)
	}
}

// A leader node nobody can parse still holds the seat: candidates follow it
// (not knowing whom), and claim only once its session ends.
func TestCorruptLeaderNode(t *testing.T) {
	h := newHarness(t, cfg("a", 1), cfg("b", 2))
	_, leaderPath, _ := h.peers[0].c.Paths()
	vandal := h.zk.OpenSession(h.modelNow(), harnessSessionTimeout)
	for _, c := range []core.Create{
		{Path: "/squall"},
		{Path: "/squall/nimbus"},
		{Path: leaderPath, Data: []byte("<html>"), Mode: core.Ephemeral},
	} {
		if r := h.zk.Apply(vandal, h.modelNow(), c); r.Code != core.CodeOK {
			t.Fatalf("%s: got %s, want OK", c, r)
		}
	}
	h.connect("a", "b")
	h.settle()
	h.run(3 * time.Second)

	if got := h.leaders(); len(got) != 0 {
		t.Fatalf("leaders under a corrupt leader node: got %v, want none", got)
	}
	for _, p := range h.peers {
		if got := p.c.Leader(); got != "" {
			t.Errorf("%s: Leader() got %q, want \"\" (unknown)", p.cfg.ID, got)
		}
		if got := p.c.Stats(); got.Corrupt == 0 || got.Claims != 0 {
			t.Errorf("%s: Stats got %+v, want Corrupt > 0 and no claim", p.cfg.ID, got)
		}
	}

	h.modelNow()
	h.zk.Expire(vandal)
	h.route()
	h.settle()
	if got := h.leaders(); !slices.Equal(got, []core.NodeID{"b"}) {
		t.Fatalf("leaders after the corrupt leader's session ended: got %v, want [b]", got)
	}
	if got := h.peer("a").c.Leader(); got != "b" {
		t.Errorf("a: Leader() got %q, want b", got)
	}
}

// ConnectionLoss on a refresh round's reads says nothing about the election:
// the outcome is unknown. Leadership ends only with the leader's session
// (doc.go), so a leader must not step down, a follower must not forget whom
// it follows nor claim, and nobody may drop its election node and enroll a
// second one.
func TestLostReadsChangeNothing(t *testing.T) {
	h := newHarness(t, cfg("a", 2), cfg("b", 1))
	h.connect("a", "b")
	h.settle()
	h.run(time.Second)
	a, b := h.peer("a"), h.peer("b")
	aFence, _ := a.c.Fence()
	aNodes, bNodes := h.nodesOf(a.session), h.nodesOf(b.session)

	// A reconnect starts a round; the connection drops again while its
	// reads are in flight, and they fail with ConnectionLoss.
	for _, p := range []*peer{a, b} {
		p.lose = loseFirst(3, isRead) // exists, get and children of one round
	}
	h.reconnect("a", "b")
	var flapped []string
	for i := 0; h.step(); i++ {
		if i == harnessSettleStepsMax {
			t.Fatalf("not settled after %d steps", i)
		}
		if !a.c.IsLeader() {
			flapped = append(flapped, "a stepped down at "+h.now.String())
		}
		if got := b.c.Leader(); got != "a" {
			flapped = append(flapped, "b's Leader() became "+string(got))
		}
	}
	for _, p := range []*peer{a, b} {
		if p.lost != 3 {
			t.Fatalf("%s: lost %d reads, want 3 (the fault must strike one round)", p.cfg.ID, p.lost)
		}
	}
	h.reconnect("a", "b")
	h.settle()
	h.run(3 * time.Second)

	if len(flapped) > 0 {
		t.Errorf("during the lost reads: got %v, want a leading and b following a throughout", flapped[:min(len(flapped), 3)])
	}
	if got := a.c.Stats(); got.Terms != 1 || got.Claims != 1 {
		t.Errorf("a: Stats got %+v, want Terms 1 and Claims 1", got)
	}
	if got := b.c.Stats().Claims; got != 0 {
		t.Errorf("b: Claims got %d, want 0 (a leads)", got)
	}
	if got, _ := a.c.Fence(); got != aFence {
		t.Errorf("a: Fence got %+v, want unchanged %+v", got, aFence)
	}
	if got := h.nodesOf(a.session); !slices.Equal(got, aNodes) {
		t.Errorf("a's election nodes: got %v, want unchanged %v", got, aNodes)
	}
	if got := h.nodesOf(b.session); !slices.Equal(got, bNodes) {
		t.Errorf("b's election nodes: got %v, want unchanged %v", got, bNodes)
	}
}

// While every read fails, a candidate has nothing to act on: it must not
// re-enroll after each failed round, which with reads failing fast is an
// unbounded loop creating an election node per round trip.
func TestFailingReadsDoNotReenroll(t *testing.T) {
	h := newHarness(t, cfg("a", 2), cfg("b", 1))
	h.connect("a", "b")
	h.settle()
	a, b := h.peer("a"), h.peer("b")
	before := map[core.NodeID][]string{"a": h.nodesOf(a.session), "b": h.nodesOf(b.session)}

	a.lose, b.lose = isRead, isRead
	h.reconnect("a", "b")
	h.settle()
	h.run(5 * time.Second) // b's refresh period passes twice

	for _, p := range []*peer{a, b} {
		if p.lost == 0 {
			t.Fatalf("%s: lost no read, the fault never struck", p.cfg.ID)
		}
		enrolls := 0
		for _, e := range h.effectsOf(p.cfg.ID) {
			if isEnroll(e.eff.(core.Coord).Req) {
				enrolls++
			}
		}
		if enrolls != 1 {
			t.Errorf("%s: enroll requests got %d, want 1", p.cfg.ID, enrolls)
		}
		if got := h.nodesOf(p.session); !slices.Equal(got, before[p.cfg.ID]) {
			t.Errorf("%s: election nodes got %d %v, want unchanged %v", p.cfg.ID, len(got), got[:min(len(got), 3)], before[p.cfg.ID])
		}
	}
	if got := h.leaders(); !slices.Equal(got, []core.NodeID{"a"}) {
		t.Errorf("leaders: got %v, want [a]", got)
	}
}
