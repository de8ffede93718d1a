package nimbus

import (
	"strings"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// TestLostWriteReplyReportsOutcome: when the reply to a topology write is
// lost (ConnectionLoss), the client hears what a re-read of the record
// shows, not "ConnectionLoss": OK when the write applied (lose: applied,
// reply lost), "not applied; retry" when it never reached the server
// (drop). The record in ZooKeeper is the judge.
func TestLostWriteReplyReportsOutcome(t *testing.T) {
	cases := []struct {
		name    string
		request string // the script command
		write   string // text of its write, for lose/drop
		status  string // the record's status once the write applied; "" absent
	}{
		{"submit", "submit a wc2", "create+/squall/topologies/wc2", protocol.StatusActive},
		{"kill", "kill a wc wait=10s", "set+/squall/topologies/wc", protocol.StatusKilled},
		{"deactivate", "deactivate a wc", "set+/squall/topologies/wc", protocol.StatusInactive},
		{"rebalance", "rebalance a wc wait=10s workers=3", "set+/squall/topologies/wc", protocol.StatusRebalancing},
	}
	for _, c := range cases {
		for _, fault := range []string{"lose", "drop"} {
			t.Run(c.name+" "+fault, func(t *testing.T) {
				h := newHarness(t)
				h.do("start a:2", "sup s1 slots=6700,6701,6702", "sup s2", "submit a wc", "run 1s")
				h.do(fault + " a " + c.write)
				id := h.reqSeq + 1
				h.do(c.request)
				if r, ok := h.replies[id]; ok {
					t.Fatalf("reply before the re-read: got %+v, want the client kept waiting", r)
				}
				h.run(2 * time.Second)
				r, ok := h.replies[id]
				if !ok {
					t.Fatal("no reply 2s after the lost reply: the client waits forever")
				}
				topo := strings.Fields(c.request)[2]
				rec, exists := h.record(core.TopologyID(topo))
				applied := exists && rec.Status == c.status
				if want := fault == "lose"; applied != want {
					t.Fatalf("write applied: got %t (record %+v), want %t", applied, rec, want)
				}
				switch {
				case applied && !r.OK:
					t.Errorf("reply to an applied write: got error %q, want OK", r.Error)
				case !applied && (r.OK || !strings.Contains(r.Error, "was not applied")):
					t.Errorf("reply to a write that did not apply: got %+v, want an error saying it was not applied", r)
				case applied && (len(r.Topologies) != 1 || r.Topologies[0].Status != c.status):
					t.Errorf("reply to an applied write: got %+v, want the topology %s", r.Topologies, c.status)
				}
				if strings.Contains(r.Error, "ConnectionLoss") {
					t.Errorf("reply: got %q, want the outcome, not the lost reply's code", r.Error)
				}
			})
		}
	}
}

// TestLostWriteReplyUnknownAfterRereads: a client whose write's reply was
// lost is told the outcome is unknown once awaitReadsMax re-reads went
// unanswered too; it is not left waiting.
func TestLostWriteReplyUnknownAfterRereads(t *testing.T) {
	h := newHarness(t)
	h.do("start a:2", "sup s1", "sup s2", "submit a wc", "run 1s")
	h.do("lose a set+/squall/topologies/wc")
	for range awaitReadsMax {
		h.do("drop a get+/squall/topologies/wc")
	}
	id := h.reqSeq + 1
	h.do("deactivate a wc", "run 10s")
	r, ok := h.replies[id]
	if !ok || r.OK || !strings.Contains(r.Error, "outcome is unknown") {
		t.Fatalf("reply after %d failed re-reads: got %+v (present %t), want an outcome-unknown error", awaitReadsMax, r, ok)
	}
	if rec, _ := h.record("wc"); rec.Status != protocol.StatusInactive {
		t.Errorf("record: got %s, want INACTIVE (the write applied)", rec.Status)
	}
	if got := h.peer("a").m.topos[h.idOf("wc")].rec.Status; got != protocol.StatusInactive {
		t.Errorf("leader's view after the re-reads: got %s, want INACTIVE", got)
	}
}
