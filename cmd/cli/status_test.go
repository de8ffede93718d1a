package cli

import (
	"strings"
	"testing"

	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/realnet/httpapi"
)

// A corrupt topology's status says why and what applies, not "not fully
// scheduled".
func TestWriteStatusCorrupt(t *testing.T) {
	var b strings.Builder
	writeStatus(&b, httpapi.Topology{TopologySummary: httpapi.TopologySummary{ID: "wc-1-2", Name: "wc",
		Status: protocol.StatusCorrupt, Uptime: "5m 0s", WorkersTotal: 2, Reason: "record unreadable: protocol: bad record"}})
	got := b.String()
	for _, want := range []string{"wc (id wc-1-2): CORRUPT, up 5m 0s, 2 workers", "record unreadable: protocol: bad record; only kill applies"} {
		if !strings.Contains(got, want) {
			t.Errorf("status: got %q, want it to contain %q", got, want)
		}
	}
	if strings.Contains(got, "not fully scheduled") {
		t.Errorf("status: got %q, want no \"not fully scheduled\"", got)
	}
}
