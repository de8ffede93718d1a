package nimbus

import (
	"path/filepath"
	"testing"

	"github.com/squall/squall/sim/script"
)

// The interaction tests run testdata scripts through sim/script; the
// commands are in commands_test.go. Regenerate outputs with -rewrite.
func TestScripts(t *testing.T) {
	script.Run(t, "*.txt", func(t *testing.T) script.Exec {
		h := newHarness(t)
		return func(_ *testing.T, cmd string) []string { return h.exec(cmd) }
	})
}

// TestScriptsDeterministic runs every script twice: the same commands must
// produce the same effects, byte for byte (not only as printed).
func TestScriptsDeterministic(t *testing.T) {
	for _, path := range script.Paths(t, "*.txt") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			blocks := script.Parse(t, path)
			var runs [2][]string
			for i := range runs {
				h := newHarness(t)
				for _, b := range blocks {
					runs[i] = append(runs[i], h.exec(b.Cmd)...)
				}
				runs[i] = append(runs[i], h.raw...)
				if len(h.raw) == 0 {
					t.Fatal("the script issued no effect: nothing to compare")
				}
			}
			for i := range max(len(runs[0]), len(runs[1])) {
				a, b := line(runs[0], i), line(runs[1], i)
				if a != b {
					t.Fatalf("runs differ at line %d:\nfirst:  %s\nsecond: %s", i+1, a, b)
				}
			}
		})
	}
}

func line(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "<none>"
}
