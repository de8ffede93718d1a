// Package script runs interaction tests in the style of etcd raft's
// (cockroachdb/datadriven): each testdata file is a script of blocks
//
//	# comments
//	command arg arg
//	----
//	expected output, one line per effect
//
// and a test passes when every command's output equals the expected lines.
// Run the tests with -rewrite to regenerate the expected outputs (then read
// the diff). Nimbus's and the supervisor's interaction tests use it.
package script

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Rewrite makes Run write the outputs it gets into the scripts.
var Rewrite = flag.Bool("rewrite", false, "rewrite the expected outputs of testdata scripts")

// Block is one command of a script and its expected output.
type Block struct {
	Comments []string // lines before the command
	Cmd      string
	Want     []string
	Line     int
}

// Parse reads a script file.
func Parse(t *testing.T, path string) []Block {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []Block
	var cur Block
	inOutput := false
	for i, line := range strings.Split(string(data), "\n") {
		switch {
		case inOutput && line == "":
			blocks = append(blocks, cur)
			cur, inOutput = Block{}, false
		case inOutput:
			cur.Want = append(cur.Want, line)
		case line == "----":
			if cur.Cmd == "" {
				t.Fatalf("%s:%d: output without a command", path, i+1)
			}
			inOutput = true
		case line == "" || strings.HasPrefix(line, "#"):
			cur.Comments = append(cur.Comments, line)
		default:
			if cur.Cmd != "" {
				t.Fatalf("%s:%d: second command %q before ----", path, i+1, line)
			}
			cur.Cmd, cur.Line = line, i+1
		}
	}
	if inOutput {
		blocks = append(blocks, cur)
	}
	if cur.Cmd != "" && !inOutput {
		t.Fatalf("%s:%d: command %q without ----", path, cur.Line, cur.Cmd)
	}
	return blocks
}

// Exec runs one command of a script and returns its output lines.
type Exec func(t *testing.T, cmd string) []string

// Paths lists the testdata/<glob> scripts; none is a failure.
func Paths(t *testing.T, glob string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", glob))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scripts match testdata/%s: %v", glob, err)
	}
	return paths
}

// Run runs every testdata/<glob> script as a subtest named after the file,
// each through a fresh Exec made with the subtest's t.
func Run(t *testing.T, glob string, newExec func(t *testing.T) Exec) {
	for _, path := range Paths(t, glob) {
		t.Run(filepath.Base(path), func(t *testing.T) { runOne(t, path, newExec(t)) })
	}
}

func runOne(t *testing.T, path string, exec Exec) {
	var out strings.Builder
	for _, b := range Parse(t, path) {
		got := exec(t, b.Cmd)
		if *Rewrite {
			for _, c := range b.Comments {
				out.WriteString(c + "\n")
			}
			fmt.Fprintf(&out, "%s\n----\n", b.Cmd)
			for _, l := range got {
				out.WriteString(l + "\n")
			}
			out.WriteString("\n")
			continue
		}
		if strings.Join(got, "\n") != strings.Join(b.Want, "\n") {
			t.Fatalf("%s:%d: %s\ngot:\n%s\nwant:\n%s", path, b.Line, b.Cmd,
				strings.Join(got, "\n"), strings.Join(b.Want, "\n"))
		}
	}
	if *Rewrite {
		if err := os.WriteFile(path, []byte(strings.TrimSuffix(out.String(), "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
