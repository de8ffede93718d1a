package core

// Core must stay pure. The same machines are stepped by the deterministic
// simulator, which must replay a seed to the same trace hash, and by the real
// daemons. That holds only while a machine's behaviour is a function of its
// inputs: time arrives as data (Step's now), randomness is an injected, seeded
// *rand.Rand, and everything a machine wants done leaves through Ready. A clock
// read, a global RNG, a goroutine, a channel, a lock, a socket or a file inside
// core would make runs unreproducible or let core block, so TestCorePurity parses
// every non-test file in core and fails on them.
//
// The check is syntactic (go/parser, no type checking): it sees what a file
// names. It cannot see a channel that arrives through another package's
// function result, but every such package is itself a forbidden import or has
// no business in core.

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// purityClockFuncs are the time functions that read the clock, sleep, or hand
// out timer channels. Types and constants (time.Duration, time.Second) are fine.
var purityClockFuncs = map[string]bool{
	"Now": true, "Sleep": true, "After": true, "AfterFunc": true, "Tick": true,
	"NewTimer": true, "NewTicker": true, "Since": true, "Until": true,
}

// purityRandAllowed are the only math/rand/v2 names core may use: constructors
// of an injected generator and types. Everything else at package level (IntN,
// Shuffle, N, ...) draws from the shared global source. An allowlist, so that
// functions added to math/rand/v2 later are caught too.
var purityRandAllowed = map[string]bool{
	"New": true, "NewPCG": true, "NewChaCha8": true, "NewZipf": true,
	"Rand": true, "Source": true, "PCG": true, "ChaCha8": true, "Zipf": true,
}

// purityImportViolation says why path may not be imported by core, or "".
func purityImportViolation(path string) string {
	switch {
	case path == "math/rand":
		return "its global functions share one RNG; inject a seeded math/rand/v2 *rand.Rand"
	case path == "crypto/rand", path == "syscall":
		return "talks to the operating system"
	case strings.Contains(path, "github.com/cockroachdb/pebble"):
		return "storage belongs to drivers"
	case strings.Contains(path, "github.com/go-zookeeper/zk"):
		return "ZooKeeper belongs to zkadapter"
	}
	roots := map[string]string{
		"net":  "network I/O belongs to drivers",
		"os":   "OS I/O belongs to drivers",
		"sync": "concurrency belongs to drivers",
	}
	for root, why := range roots {
		if path == root || strings.HasPrefix(path, root+"/") {
			return why
		}
	}
	return ""
}

// purityImportName is the name an import is referred to by in the file: its
// explicit name, or the last path element that is not a major version ("v2").
func purityImportName(spec *ast.ImportSpec, path string) string {
	if spec.Name != nil {
		return spec.Name.Name
	}
	elems := strings.Split(path, "/")
	last := elems[len(elems)-1]
	if digits, ok := strings.CutPrefix(last, "v"); ok && len(elems) > 1 {
		if _, err := strconv.Atoi(digits); err == nil {
			return elems[len(elems)-2]
		}
	}
	return last
}

// checkPurity parses one Go file from src and returns its violations of core's
// purity rules, each as "file:line: what".
func checkPurity(filename string, src []byte) []string {
	fset := token.NewFileSet()
	// Mode 0 keeps object resolution, so a local identifier that shadows an
	// import has a non-nil Obj and is not mistaken for the package.
	file, err := parser.ParseFile(fset, filename, src, 0)
	if err != nil {
		return []string{fmt.Sprintf("%s: does not parse: %v", filename, err)}
	}
	var violations []string
	report := func(pos token.Pos, format string, args ...any) {
		p := fset.Position(pos)
		violations = append(violations, fmt.Sprintf("%s:%d: %s", p.Filename, p.Line, fmt.Sprintf(format, args...)))
	}

	watched := map[string]string{} // local import name -> "time" or "math/rand/v2"
	for _, spec := range file.Imports {
		path, err := strconv.Unquote(spec.Path.Value)
		Assert(err == nil, "parser accepted import path %s", spec.Path.Value)
		if why := purityImportViolation(path); why != "" {
			report(spec.Pos(), "import %q: %s", path, why)
		}
		if path != "time" && path != "math/rand/v2" {
			continue
		}
		name := purityImportName(spec, path)
		if name == "." {
			report(spec.Pos(), "dot import of %q hides its functions from this check", path)
		}
		watched[name] = path
	}

	makeChans := map[*ast.ChanType]bool{} // reported once, as make(chan ...)
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			report(n.Pos(), "go statement: goroutines belong to drivers")
		case *ast.SelectStmt:
			report(n.Pos(), "select statement: channels belong to drivers")
		case *ast.SendStmt:
			report(n.Pos(), "channel send: channels belong to drivers")
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				report(n.Pos(), "channel receive: channels belong to drivers")
			}
		case *ast.CallExpr:
			if fn, ok := n.Fun.(*ast.Ident); ok && fn.Name == "make" && len(n.Args) > 0 {
				if ct, ok := n.Args[0].(*ast.ChanType); ok {
					makeChans[ct] = true
					report(n.Pos(), "make(chan ...): channels belong to drivers")
				}
			}
		case *ast.ChanType:
			if !makeChans[n] {
				report(n.Pos(), "channel type: channels belong to drivers")
			}
		case *ast.SelectorExpr:
			pkg, ok := n.X.(*ast.Ident)
			if !ok || pkg.Obj != nil { // not a bare name, or a local shadowing the import
				return true
			}
			switch path := watched[pkg.Name]; {
			case path == "time" && purityClockFuncs[n.Sel.Name]:
				report(n.Pos(), "time.%s: time enters as data (Step's now)", n.Sel.Name)
			case path == "math/rand/v2" && !purityRandAllowed[n.Sel.Name]:
				report(n.Pos(), "math/rand/v2.%s uses the global source: inject a *rand.Rand", n.Sel.Name)
			}
		}
		return true
	})
	return violations
}

func TestCorePurity(t *testing.T) {
	var violations []string
	checked := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// The go tool ignores these directories too.
			if path != "." && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		violations = append(violations, checkPurity(path, src)...)
		return nil
	})
	if err != nil {
		t.Fatalf("walking core: %v", err)
	}
	if checked == 0 {
		t.Fatal("checked no files: the walk is broken, so the check could never fail")
	}
	if len(violations) > 0 {
		t.Errorf("core must stay pure:\n\t%s", strings.Join(violations, "\n\t"))
	}
}

func TestPurityCheckerCatches(t *testing.T) {
	type purityCase struct {
		name string
		src  string // after "package p"
		want string // a violation must contain it; "" means the source is clean
	}
	cases := []purityCase{
		{"import net", `import "net"`, `import "net"`},
		{"import net/http", `import "net/http"`, `import "net/http"`},
		{"import os", `import "os"`, `import "os"`},
		{"import os/exec", `import "os/exec"`, `import "os/exec"`},
		{"import sync", `import "sync"`, `import "sync"`},
		{"import sync/atomic", `import "sync/atomic"`, `import "sync/atomic"`},
		{"import math/rand v1", `import "math/rand"`, `import "math/rand"`},
		{"import crypto/rand", `import "crypto/rand"`, `import "crypto/rand"`},
		{"import syscall", `import "syscall"`, `import "syscall"`},
		{"import pebble", `import "github.com/cockroachdb/pebble/v2"`, `"github.com/cockroachdb/pebble/v2"`},
		{"import pebble vfs", `import "github.com/cockroachdb/pebble/v2/vfs"`, `pebble/v2/vfs"`},
		{"import zk", `import "github.com/go-zookeeper/zk"`, `"github.com/go-zookeeper/zk"`},
		{"renamed time", "import t \"time\"\nfunc f() { t.Sleep(1) }", "time.Sleep"},
		{"dot import time", "import . \"time\"\nvar _ = Now()", `dot import of "time"`},
		{"renamed rand/v2", "import r \"math/rand/v2\"\nvar _ = r.IntN(3)", "math/rand/v2.IntN"},
		{"go statement", "func f() { go f() }", "go statement"},
		{"channel type", "var c chan int", "channel type"},
		{"receive-only channel type", "func f(c <-chan int) {}", "channel type"},
		{"send", "func f(c C) { c <- 1 }", "channel send"},
		{"receive", "func f(c C) int { return <-c }", "channel receive"},
		{"select", "func f() { select {} }", "select statement"},
		{"make(chan)", "func f() { _ = make(chan int, 1) }", "make(chan ...)"},

		{"clean: time.Duration", "import \"time\"\nconst d = 3 * time.Second\nfunc f(x time.Duration) time.Duration { return x + d }", ""},
		{"clean: injected rand/v2", "import \"math/rand/v2\"\nfunc f() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }\nfunc g(r *rand.Rand) int { return r.IntN(10) }", ""},
		{"clean: local named time, no import", "type clock struct{}\nfunc (clock) Now() int { return 0 }\nfunc f() int { time := clock{}; return time.Now() }", ""},
		{"clean: parameter shadows time import", "import \"time\"\ntype clock struct{}\nfunc (clock) Now() time.Duration { return 0 }\nfunc f(time clock) { time.Now() }", ""},
		{"clean: strings strconv fmt unsafe", "import (\n\"fmt\"\n\"strconv\"\n\"strings\"\n\"unsafe\"\n)\nvar _ = fmt.Sprint(strconv.Itoa(1), strings.ToUpper(\"a\"), unsafe.Sizeof(0))", ""},
	}
	// Listed here rather than read from the checker's tables, so that dropping a
	// name from those tables fails this test.
	for _, fn := range []string{"Now", "Sleep", "After", "AfterFunc", "Tick", "NewTimer", "NewTicker", "Since", "Until"} {
		cases = append(cases, purityCase{"time." + fn, "import \"time\"\nvar _ = time." + fn, "time." + fn})
	}
	for _, fn := range []string{"IntN", "Int", "Uint64", "Float64", "Shuffle", "Perm", "N"} {
		cases = append(cases, purityCase{"rand/v2." + fn, "import \"math/rand/v2\"\nvar _ = rand." + fn, "math/rand/v2." + fn + " "})
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := checkPurity("x.go", []byte("package p\n"+c.src))
			if c.want == "" {
				if len(got) != 0 {
					t.Errorf("got %q, want no violations", got)
				}
				return
			}
			if !purityMentions(got, c.want) {
				t.Errorf("got %q, want a violation mentioning %q", got, c.want)
			}
		})
	}

	t.Run("edited core file", func(t *testing.T) {
		src, err := os.ReadFile("assert.go")
		if err != nil {
			t.Fatal(err)
		}
		if got := checkPurity("assert.go", src); len(got) != 0 {
			t.Fatalf("assert.go as is: got %q, want no violations", got)
		}
		got := checkPurity("assert.go", purityAddClockRead(t, src))
		t.Logf("assert.go with a clock read: %q", got)
		if !purityMentions(got, "assert.go:") || !purityMentions(got, "time.Now") {
			t.Errorf("assert.go with a clock read: got %q, want a violation at assert.go mentioning time.Now", got)
		}
	})
}

// purityAddClockRead returns src with `import "time"` inserted after the package
// clause and a function calling time.Now appended: a core file someone broke.
func purityAddClockRead(t *testing.T, src []byte) []byte {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "assert.go", src, parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	end := fset.Position(file.Name.End()).Offset
	edited := string(src[:end]) + "\n\nimport \"time\"\n" + string(src[end:])
	return []byte(edited + "\nfunc assertClock() int64 { return time.Now().UnixNano() }\n")
}

func purityMentions(violations []string, want string) bool {
	for _, v := range violations {
		if strings.Contains(v, want) {
			return true
		}
	}
	return false
}
