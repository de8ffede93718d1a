package cli

import (
	"strings"
	"testing"

	"github.com/squall/squall/core/protocol"
)

// TestWriteChangeShowsReason: a rebalance nimbus cannot place now says why
// on the command's own output, not only in a later status.
func TestWriteChangeShowsReason(t *testing.T) {
	tests := []struct {
		s    protocol.TopologySummary
		want string
	}{
		{protocol.TopologySummary{Name: "wc", Status: protocol.StatusRebalancing},
			"rebalance wc: REBALANCING\n"},
		{protocol.TopologySummary{Name: "wc", Status: protocol.StatusRebalancing,
			Reason: "the rebalance cannot be placed now: needs 8 workers but only 6 free slots"},
			"rebalance wc: REBALANCING\n  not fully scheduled: the rebalance cannot be placed now: needs 8 workers but only 6 free slots\n"},
	}
	for _, tt := range tests {
		var b strings.Builder
		writeChange(&b, "rebalance", tt.s)
		if got := b.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}
