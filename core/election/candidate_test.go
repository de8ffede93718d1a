package election_test

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/election"
)

const claimDelayPerRank = 500 * time.Millisecond // Config's default

var electionNodeName = regexp.MustCompile(`^/squall/nimbus/election/n_[0-9]{10}$`)

func TestSingleCandidateEnrollsClaimsAndWritesFenced(t *testing.T) {
	c := cfg("nimbus-1", 7)
	c.WritePeriod = time.Second
	h := newHarness(t, c)
	h.connect("nimbus-1")
	h.settle()
	p := h.peer("nimbus-1")

	nodes := h.electionNodes()
	if len(nodes) != 1 {
		t.Fatalf("election nodes: got %d, want 1", len(nodes))
	}
	n := nodes[0]
	if !electionNodeName.MatchString(n.path) {
		t.Errorf("election node: got %s, want /squall/nimbus/election/n_NNNNNNNNNN", n.path)
	}
	if n.owner != p.session {
		t.Errorf("election node owner: got %#x, want the session %#x (ephemeral)", int64(n.owner), int64(p.session))
	}
	want := `{"id":"nimbus-1","address":"nimbus-1:6627","priority":7}`
	if string(n.data) != want {
		t.Errorf("election node data: got %s, want %s", n.data, want)
	}

	if !p.c.IsLeader() {
		t.Fatal("IsLeader: got false, want true")
	}
	if got := p.c.Leader(); got != "nimbus-1" {
		t.Errorf("Leader: got %q, want nimbus-1", got)
	}
	_, leaderPath, counter := p.c.Paths()
	data, stat, ok := h.zk.Lookup(leaderPath)
	if !ok || stat.EphemeralOwner != p.session {
		t.Fatalf("leader node: exists=%t owner=%#x, want owned by %#x", ok, int64(stat.EphemeralOwner), int64(p.session))
	}
	if got := member(t, data); got.ID != "nimbus-1" {
		t.Errorf("leader node member: got %+v, want id nimbus-1", got)
	}
	fence, ok := p.c.Fence()
	if !ok || fence.Path != n.path || fence.Version != core.AnyVersion {
		t.Errorf("Fence: got %+v ok=%t, want check %s v=-1", fence, ok, n.path)
	}

	h.run(3500 * time.Millisecond)
	var writes []issued
	for _, e := range h.effectsOf("nimbus-1") {
		if isWrite(e.eff.(core.Coord).Req, counter) {
			writes = append(writes, e)
		}
	}
	if len(writes) < 3 {
		t.Fatalf("writes in 3.5s with WritePeriod 1s: got %d, want at least 3", len(writes))
	}
	for i, w := range writes {
		m, ok := w.eff.(core.Coord).Req.(core.Multi)
		if !ok || len(m.Ops) != 2 {
			t.Fatalf("write %d: got %s, want multi[check own node; set counter]", i, w.eff)
		}
		if m.Ops[0] != (core.Check{Path: n.path, Version: core.AnyVersion}) {
			t.Errorf("write %d: first op got %s, want check %s v=-1", i, m.Ops[0], n.path)
		}
		if i > 0 && w.at.Sub(writes[i-1].at) < c.WritePeriod {
			t.Errorf("write %d at %s, %s after the previous: want at least WritePeriod %s",
				i, w.at, w.at.Sub(writes[i-1].at), c.WritePeriod)
		}
	}
	data, _, _ = h.zk.Lookup(counter)
	if want := "nimbus-1:" + strconv.Itoa(len(writes)); string(data) != want {
		t.Errorf("counter: got %q, want %q", data, want)
	}
	st := p.c.Stats()
	wantStats := election.Stats{Terms: 1, Claims: 1, WritesOK: len(writes)}
	if st != wantStats {
		t.Errorf("Stats: got %+v, want %+v", st, wantStats)
	}
}

func TestHighestPriorityLeadsTiesBySequence(t *testing.T) {
	cases := []struct {
		name   string
		cfgs   []election.Config // started together, enrolled in this order
		leader core.NodeID
	}{
		{"distinct priorities", []election.Config{cfg("a", 1), cfg("b", 3), cfg("c", 2)}, "b"},
		{"highest enrolls last", []election.Config{cfg("a", 1), cfg("b", 2), cfg("c", 3)}, "c"},
		// zed enrolls before amy: the lower sequence wins, whatever the ids.
		{"tie broken by sequence", []election.Config{cfg("zed", 5), cfg("amy", 5), cfg("low", 1)}, "zed"},
		{"tie above a lower first", []election.Config{cfg("low", 1), cfg("zed", 5), cfg("amy", 5)}, "zed"},
		{"all tied", []election.Config{cfg("x", 0), cfg("y", 0), cfg("z", 0)}, "x"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.cfgs...)
			var ids []core.NodeID
			for _, c := range tc.cfgs {
				ids = append(ids, c.ID)
			}
			h.connect(ids...)
			h.settle()
			// Past every rank's claim delay and a refresh period: nobody
			// else claims, and everyone agrees.
			h.run(2*claimDelayPerRank*time.Duration(len(ids)) + 2*time.Second)

			if got := h.leaders(); !slices.Equal(got, []core.NodeID{tc.leader}) {
				t.Fatalf("leaders: got %v, want [%s]", got, tc.leader)
			}
			if len(h.electionNodes()) != len(ids) {
				t.Errorf("election nodes: got %d, want %d", len(h.electionNodes()), len(ids))
			}
			for _, p := range h.peers {
				if got := p.c.Leader(); got != tc.leader {
					t.Errorf("%s: Leader() got %q, want %q", p.cfg.ID, got, tc.leader)
				}
				want := election.Stats{}
				if p.cfg.ID == tc.leader {
					want = election.Stats{Terms: 1, Claims: 1}
				}
				if got := p.c.Stats(); got != want {
					t.Errorf("%s: Stats got %+v, want %+v", p.cfg.ID, got, want)
				}
			}
		})
	}
}

func TestNoPreemptionByLaterHigherPriority(t *testing.T) {
	h := newHarness(t, cfg("low", 1), cfg("high", 9))
	h.connect("low")
	h.settle()
	low, high := h.peer("low"), h.peer("high")
	if !low.c.IsLeader() {
		t.Fatal("low alone: IsLeader got false, want true")
	}

	h.advance(time.Second)
	h.connect("high")
	h.settle()
	h.run(10 * time.Second) // many claim delays and refresh periods

	if got := h.leaders(); !slices.Equal(got, []core.NodeID{"low"}) {
		t.Fatalf("leaders after high joined: got %v, want [low]", got)
	}
	if got := high.c.Leader(); got != "low" {
		t.Errorf("high: Leader() got %q, want low", got)
	}
	if got := high.c.Stats(); got.Claims != 0 || got.Terms != 0 {
		t.Errorf("high: Stats got %+v, want no claim and no term", got)
	}
	if _, ok := high.c.Fence(); ok {
		t.Error("high: Fence ok while following, want not ok")
	}
	if got := len(h.nodesOf(high.session)); got != 1 {
		t.Errorf("high's election nodes: got %d, want 1", got)
	}
	if got := low.c.Stats().Terms; got != 1 {
		t.Errorf("low: Terms got %d, want 1", got)
	}
}

// determinismScript runs a failover with faults and returns every effect.
func determinismScript(t *testing.T) []string {
	cfgs := []election.Config{cfg("a", 3), cfg("b", 2), cfg("c", 1)}
	for i := range cfgs {
		cfgs[i].WritePeriod = 300 * time.Millisecond
	}
	h := newHarness(t, cfgs...)
	h.connect("a", "b", "c")
	h.settle()
	h.run(time.Second)

	c := h.peer("c")
	c.lose = loseFirst(3, isRead)
	h.peer("b").paused = true
	h.expire("a")
	h.settle()
	h.run(time.Second)
	c.lose = nil
	h.peer("b").paused = false
	h.connect("a")
	h.settle()
	h.run(3 * time.Second)
	return h.trace()
}

func TestDeterministicEffects(t *testing.T) {
	first := determinismScript(t)
	second := determinismScript(t)
	if len(first) < 50 {
		t.Fatalf("script issued %d effects, want a run long enough to mean something", len(first))
	}
	for i := range min(len(first), len(second)) {
		if first[i] != second[i] {
			t.Fatalf("effect %d differs:\n\tfirst:  %s\n\tsecond: %s", i, first[i], second[i])
		}
	}
	if len(first) != len(second) {
		t.Fatalf("effects: got %d the second time, want %d as the first", len(second), len(first))
	}
	// Every effect prints on one line: traces are one line per event.
	for _, line := range first {
		if strings.Contains(line, "\n") {
			t.Fatalf("effect prints on more than one line: %q", line)
		}
	}
	t.Logf("%d effects, e.g.\n%s", len(first), fmt.Sprint(strings.Join(first[:8], "\n")))
}
