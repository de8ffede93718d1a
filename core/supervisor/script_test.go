package supervisor

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
	return blocks
}

// scriptExec runs one command of a script and returns its output lines.
type scriptExec func(t *testing.T, cmd string) []string

// runScripts runs every testdata/<glob> script, each through a fresh exec.
func runScripts(t *testing.T, glob string, newExec func() scriptExec) {
	paths, err := filepath.Glob(filepath.Join("testdata", glob))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scripts match testdata/%s: %v", glob, err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			blocks := parseScript(t, path)
			exec := newExec()
			var out strings.Builder
			for _, b := range blocks {
				got := exec(t, b.cmd)
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
