package cli

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/squall/squall/core/protocol"
)

// leadingNimbus answers a cluster summary with 3 slots, and an empty list.
type leadingNimbus struct{}

func (leadingNimbus) Request(_ context.Context, req protocol.ClientRequest) (protocol.ClientReply, error) {
	if req.Op == protocol.OpCluster {
		return protocol.ClientReply{OK: true, Cluster: &protocol.ClusterSummary{Leader: "n1:6627", Slots: 3}}, nil
	}
	return protocol.ClientReply{OK: true}, nil
}

// With auth on, /metrics needs a token unless metrics.public is true; the
// API's routes stay behind their own guard either way.
func TestNimbusMetricsPublic(t *testing.T) {
	const token = "ops-read-token-0123456789"
	for _, public := range []string{"false", "true"} {
		c := defaultConfig()
		for _, kv := range []string{"auth.tokens=ops:readonly:" + token, "metrics.public=" + public} {
			if err := c.override(kv); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.validate(); err != nil {
			t.Fatal(err)
		}
		tokens, _ := c.tokens()
		api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
		h := withMetrics(api, nimbusMetrics(c, tokens, slog.New(slog.DiscardHandler), leadingNimbus{}))
		for _, tc := range []struct {
			path, token string
			want        int
		}{
			{"/metrics", "", map[string]int{"false": 401, "true": 200}[public]},
			{"/metrics", token, 200},
			{"/api/v1/cluster/summary", "", http.StatusTeapot},
		} {
			req := httptest.NewRequest("GET", tc.path, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Errorf("metrics.public=%s GET %s token=%t: got %d, want %d", public, tc.path, tc.token != "", rec.Code, tc.want)
			}
			if tc.want == 200 && !strings.Contains(rec.Body.String(), "squall_cluster_slots 3") {
				t.Errorf("metrics.public=%s: got body without squall_cluster_slots 3", public)
			}
		}
	}
}
