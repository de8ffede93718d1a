package cli

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/squall/squall/core/supervisor"
)

// A corrupt assignment the supervisor refuses is logged, with its reason,
// once per growth of the counters: the machine only counts it.
func TestCorruptLogWarnsOnGrowth(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	var cl corruptLog
	why := "/squall/assignments/wc: protocol: bad record"
	steps := []struct {
		st   supervisor.Stats
		want int // warnings logged so far
	}{
		{supervisor.Stats{}, 0},
		{supervisor.Stats{CorruptAssignments: 1}, 1},
		{supervisor.Stats{CorruptAssignments: 1}, 1}, // nothing new
		{supervisor.Stats{CorruptAssignments: 1, CorruptRecords: 2}, 2},
	}
	for i, s := range steps {
		cl.see(log, s.st, why)
		if got := strings.Count(buf.String(), "level=WARN"); got != s.want {
			t.Fatalf("step %d: got %d warnings, want %d; log:\n%s", i, got, s.want, buf.String())
		}
	}
	if !strings.Contains(buf.String(), `last="`+why+`"`) || !strings.Contains(buf.String(), "corrupt_assignments=1") {
		t.Errorf("log: got %q, want the counts and the reason %q", buf.String(), why)
	}
}
