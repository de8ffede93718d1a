package election_test

import (
	"slices"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

// An ineligible candidate (a nimbus missing an active topology's artifact,
// STORM-1977) never claims, even with the highest priority: the next
// eligible one leads. Made eligible, it still does not preempt.
func TestIneligibleCandidateNeverClaims(t *testing.T) {
	h := newHarness(t, cfg("high", 3), cfg("low", 1))
	h.peer("high").c.SetEligible(false)
	h.connect("high", "low")
	h.settle()
	h.run(4*claimDelayPerRank + 2*time.Second)
	if got := h.leaders(); !slices.Equal(got, []core.NodeID{"low"}) {
		t.Fatalf("leaders with high ineligible: got %v, want [low]", got)
	}
	if got := h.peer("high").c.Stats().Claims; got != 0 {
		t.Fatalf("claims by the ineligible candidate: got %d, want 0", got)
	}
	h.peer("high").c.SetEligible(true)
	h.run(4*claimDelayPerRank + 2*time.Second)
	if got := h.leaders(); !slices.Equal(got, []core.NodeID{"low"}) {
		t.Fatalf("leaders after high became eligible: got %v, want [low] (no preemption)", got)
	}
}

// With every candidate ineligible nobody leads; the first to become
// eligible claims.
func TestNoLeaderUntilEligible(t *testing.T) {
	h := newHarness(t, cfg("a", 2), cfg("b", 1))
	h.peer("a").c.SetEligible(false)
	h.peer("b").c.SetEligible(false)
	h.connect("a", "b")
	h.settle()
	h.run(4*claimDelayPerRank + 2*time.Second)
	if got := h.leaders(); len(got) != 0 {
		t.Fatalf("leaders with nobody eligible: got %v, want none", got)
	}
	h.peer("b").c.SetEligible(true)
	h.run(4*claimDelayPerRank + 2*time.Second)
	if got := h.leaders(); !slices.Equal(got, []core.NodeID{"b"}) {
		t.Fatalf("leaders once b is eligible: got %v, want [b]", got)
	}
}
