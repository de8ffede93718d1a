package nimbus

import (
	"strings"
	"testing"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// Topology ids are Storm's name-N-<submit secs>, distinct from names; a
// request names a topology by id or by name; a topology killed and
// submitted again gets a new id.
func TestTopologyIDs(t *testing.T) {
	h := newHarness(t)
	h.do("start a", "sup s1", "sup s2", "run 3s", "submit a wc workers=1", "run 1s")
	a := h.peer("a")
	first := h.idOf("wc")
	if first != "wc-1-3" {
		t.Fatalf("id of wc: got %q, want wc-1-3 (name, first submit, submitted at 3 s)", first)
	}
	for _, ref := range []string{"wc", string(first)} {
		r, _ := h.request(a, protocol.ClientRequest{Op: protocol.OpStatus, Topology: ref})
		if !r.OK || len(r.Topologies) != 1 || r.Topologies[0].ID != first || r.Topologies[0].Name != "wc" {
			t.Errorf("status %s: got %+v, want topology %s named wc", ref, r, first)
		}
	}
	if r, _ := h.request(a, protocol.ClientRequest{Op: protocol.OpStatus, Topology: "wc-1"}); r.OK {
		t.Errorf("status wc-1: got %+v, want unknown (neither an id nor a name)", r)
	}
	h.do("submit a wc workers=1")
	if r := h.replies[h.reqSeq]; r.OK || !strings.Contains(r.Error, "already exists") {
		t.Errorf("second submit of wc: got %+v, want already exists (names stay unique)", r)
	}
	h.do("kill a wc wait=0s", "run 2s", "submit a wc workers=1", "run 1s")
	second := h.idOf("wc")
	if second == first || protocol.TopologyName(second) != "wc" || !strings.HasPrefix(string(second), "wc-2-") {
		t.Errorf("id after kill and submit: got %q, want wc-2-<secs>, not %q", second, first)
	}
	if _, _, ok := h.zk.Lookup(h.layout.Topology(first)); ok {
		t.Errorf("record of killed %s: still in ZooKeeper", first)
	}
}

func TestTopologyName(t *testing.T) {
	for _, tt := range []struct {
		id   core.TopologyID
		want string
	}{
		{"wc-1-1765148400", "wc"}, {"word-count-12-3", "word-count"}, {"a-1-2-3-4", "a-1-2"},
		{"wc", "wc"}, {"wc-1", "wc-1"}, {"wc-x-3", "wc-x-3"}, {"-1-2", "-1-2"}, {"wc--3", "wc--3"},
	} {
		if got := protocol.TopologyName(tt.id); got != tt.want {
			t.Errorf("TopologyName(%q): got %q, want %q", tt.id, got, tt.want)
		}
	}
}
