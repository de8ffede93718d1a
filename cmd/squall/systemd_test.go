package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/squall/squall/cmd/cli"
)

// The shipped systemd units start a daemon the binary has, with keys the
// configuration knows, and restart it: a supervisor that exits on a store
// failure relies on that.
func TestSystemdUnits(t *testing.T) {
	var out bytes.Buffer
	if rc := cli.Main([]string{"config"}, cli.Env{Stdout: &out, Stderr: &out, Ctx: context.Background()}); rc != 0 {
		t.Fatalf("squall config: got exit %d, want 0:\n%s", rc, out.String())
	}
	keys := map[string]bool{}
	for _, line := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			keys[f[0]] = true
		}
	}
	for daemon, want := range map[string]map[string]string{
		"nimbus":     {"Restart": "always"},
		"supervisor": {"Restart": "always", "KillMode": "process"},
	} {
		path := filepath.Join("systemd", "squall-"+daemon+".service")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
				got[k] = v
			}
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: got %s=%q, want %q", path, k, got[k], v)
			}
		}
		args := strings.Fields(got["ExecStart"])
		if len(args) < 2 || filepath.Base(args[0]) != "squall" || args[1] != daemon {
			t.Errorf("%s: got ExecStart %q, want squall %s ...", path, got["ExecStart"], daemon)
			continue
		}
		for i, a := range args {
			if a != "-c" || i+1 == len(args) {
				continue
			}
			if key, _, _ := strings.Cut(args[i+1], "="); !keys[key] {
				t.Errorf("%s: -c %s names no configuration key", path, args[i+1])
			}
		}
	}
}
