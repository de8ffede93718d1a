package nimbus

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Interaction tests in the style of etcd raft's (cockroachdb/datadriven):
// each testdata file is a script of blocks
//
//	# comments
//	command arg arg
//	----
//	expected output, one line per effect
//
// run with -rewrite to regenerate the expected outputs (then read the diff).
// The commands are in commands_test.go.
var rewrite = flag.Bool("rewrite", false, "rewrite the expected outputs of testdata scripts")

type scriptBlock struct {
	comments []string // lines before the command
	cmd      string
	want     []string
	line     int
}

func parseScript(t *testing.T, path string) []scriptBlock {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []scriptBlock
	var cur scriptBlock
	inOutput := false
	for i, line := range strings.Split(string(data), "\n") {
		switch {
		case inOutput && line == "":
			blocks = append(blocks, cur)
			cur, inOutput = scriptBlock{}, false
		case inOutput:
			cur.want = append(cur.want, line)
		case line == "----":
			if cur.cmd == "" {
				t.Fatalf("%s:%d: output without a command", path, i+1)
			}
			inOutput = true
		case line == "" || strings.HasPrefix(line, "#"):
			cur.comments = append(cur.comments, line)
		default:
			if cur.cmd != "" {
				t.Fatalf("%s:%d: second command %q before ----", path, i+1, line)
			}
			cur.cmd, cur.line = line, i+1
		}
	}
	if inOutput {
		blocks = append(blocks, cur)
	}
	if cur.cmd != "" && !inOutput {
		t.Fatalf("%s:%d: command %q without ----", path, cur.line, cur.cmd)
	}
	return blocks
}

func scriptPaths(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scripts match testdata/*.txt: %v", err)
	}
	return paths
}

func TestScripts(t *testing.T) {
	for _, path := range scriptPaths(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			blocks := parseScript(t, path)
			h := newHarness(t)
			var out strings.Builder
			for _, b := range blocks {
				got := h.exec(b.cmd)
				if *rewrite {
					for _, c := range b.comments {
						out.WriteString(c + "\n")
					}
					fmt.Fprintf(&out, "%s\n----\n", b.cmd)
					for _, l := range got {
						out.WriteString(l + "\n")
					}
					out.WriteString("\n")
					continue
				}
				if strings.Join(got, "\n") != strings.Join(b.want, "\n") {
					t.Fatalf("%s:%d: %s\ngot:\n%s\nwant:\n%s", path, b.line, b.cmd,
						strings.Join(got, "\n"), strings.Join(b.want, "\n"))
				}
			}
			if *rewrite {
				if err := os.WriteFile(path, []byte(strings.TrimSuffix(out.String(), "\n")), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestScriptsDeterministic runs every script twice: the same commands must
// produce the same effects, byte for byte (not only as printed).
func TestScriptsDeterministic(t *testing.T) {
	for _, path := range scriptPaths(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			blocks := parseScript(t, path)
			var runs [2][]string
			for i := range runs {
				h := newHarness(t)
				for _, b := range blocks {
					runs[i] = append(runs[i], h.exec(b.cmd)...)
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
