package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/squall/squall/cmd/cli"
)

// The user's topology runs in local mode like the built-in examples.
func TestEvensLocal(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a local cluster for seconds")
	}
	var out, errb bytes.Buffer
	code := cli.Main([]string{"local", "--example", "evens", "--duration", "3s", "--json"},
		cli.Env{Stdout: &out, Stderr: &errb, Ctx: context.Background()})
	if code != 0 {
		t.Fatalf("exit: got %d, want 0; stderr:\n%s", code, errb.String())
	}
	var sum struct {
		Components []struct {
			Name    string `json:"name"`
			AllTime struct {
				Executed int64 `json:"executed"`
				Acked    int64 `json:"acked"`
			} `json:"all_time"`
		} `json:"components"`
	}
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		t.Fatalf("summary: got %v, want JSON", err)
	}
	got := map[string]int64{}
	for _, c := range sum.Components {
		got[c.Name] = c.AllTime.Executed + c.AllTime.Acked
	}
	for _, name := range []string{"numbers", "evens", "total"} {
		if got[name] <= 0 {
			t.Errorf("%s: got no executes or acks, want some (%s)", name, out.String())
		}
	}
}
