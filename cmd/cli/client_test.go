package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/realnet/httpapi"
)

// kill and rebalance without --wait ask for the default wait (the route
// without a wait segment: the topology's message timeout, as Storm's CLI
// without -w); --wait 0 still means at once; a negative wait is refused
// before anything is sent.
func TestClientWaitDefault(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"operation":"x","status":"success","topology":{"id":"wc","name":"wc","status":"KILLED"}}`))
	}))
	defer srv.Close()
	seeds := "nimbus.seeds=" + strings.TrimPrefix(srv.URL, "http://")
	tests := []struct {
		args     []string
		code     int
		wantPath string // "" for no request
	}{
		{[]string{"kill", "wc"}, 0, "/api/v1/topology/wc/kill"},
		{[]string{"kill", "wc", "--wait", "0"}, 0, "/api/v1/topology/wc/kill/0"},
		{[]string{"kill", "wc", "--wait", "10s"}, 0, "/api/v1/topology/wc/kill/10"},
		{[]string{"kill", "wc", "--wait", "-5s"}, 2, ""}, // a usage error
		{[]string{"rebalance", "wc", "--workers", "2"}, 0, "/api/v1/topology/wc/rebalance"},
		{[]string{"rebalance", "wc", "--wait", "0s"}, 0, "/api/v1/topology/wc/rebalance/0"},
	}
	for _, tt := range tests {
		mu.Lock()
		paths = nil
		mu.Unlock()
		var out, errb testWriter
		args := append(tt.args, "-c", seeds)
		if got := Main(args, Env{Stdout: &out, Stderr: &errb, Ctx: context.Background()}); got != tt.code {
			t.Errorf("%v: got exit %d, want %d; stderr %s", tt.args, got, tt.code, errb)
		}
		mu.Lock()
		got := strings.Join(paths, ",")
		mu.Unlock()
		if got != tt.wantPath {
			t.Errorf("%v: got requests to %q, want %q", tt.args, got, tt.wantPath)
		}
	}
}

// TestWriteChangeShowsReason: a rebalance nimbus cannot place now says why
// on the command's own output, not only in a later status.
func TestWriteChangeShowsReason(t *testing.T) {
	tests := []struct {
		s    httpapi.TopologySummary
		want string
	}{
		{httpapi.TopologySummary{Name: "wc", Status: protocol.StatusRebalancing},
			"rebalance wc: REBALANCING\n"},
		{httpapi.TopologySummary{Name: "wc", Status: protocol.StatusRebalancing,
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
