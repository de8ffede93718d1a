package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/squall/squall/core/protocol"
)

// TestEndToEndBadInput runs real processes (as TestEndToEnd) and feeds them
// bad input: a negative kill wait is refused and kills nothing; a topology
// record overwritten by hand with garbage, read by a new leader, lists as
// CORRUPT while its workers keep their slots, and a kill removes its
// znodes and stops its workers.
func TestEndToEndBadInput(t *testing.T) {
	zkAddr := e2eZK(t)
	c := newE2E(t, zkAddr)
	c.startNimbus(2)
	c.startNimbus(1)
	c.startSupervisor(0)
	c.startSupervisor(1)
	c.leader()
	c.squall("submit", "--topology", "wordcount", "--name", e2eTopology, "--workers", "2")
	c.waitFor("two workers run", e2eStartBound, func() (bool, string) {
		s, err := c.status()
		if err != nil {
			return false, err.Error()
		}
		return s.WorkersTotal == 2 && len(c.workers()) == 2, fmt.Sprintf("%+v, %d processes", s, len(c.workers()))
	})

	// kill --wait -5s: a usage error, and the topology runs on.
	args := append([]string{"kill", e2eTopology, "--wait", "-5s"}, c.common()...)
	out, err := exec.Command(c.bin, args...).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), "negative") {
		t.Fatalf("kill --wait -5s: got %v, %q; want exit 2 saying the wait is negative", err, out)
	}
	if s := c.statusMust(); s.Status != "ACTIVE" {
		t.Fatalf("status after kill --wait -5s: got %s, want ACTIVE", s.Status)
	}

	conn := dialZK(t, zkAddr)
	id := c.statusMust().ID // name-N-secs, as Storm's
	if string(id) == e2eTopology || protocol.TopologyName(id) != e2eTopology {
		t.Fatalf("topology id: got %q, want %s-N-<secs>, distinct from the name", id, e2eTopology)
	}
	record := c.root + "/topologies/" + string(id)
	if _, err := conn.Set(record, []byte("{corrupt"), -1); err != nil {
		t.Fatalf("overwrite %s: %v", record, err)
	}
	c.leader().kill9()
	s := c.waitFor("the new leader lists it CORRUPT", e2eFailoverBound, func() (bool, string) {
		s, err := c.status()
		if err != nil {
			return false, err.Error()
		}
		return s.Status == "CORRUPT" && s.WorkersTotal == 2, fmt.Sprintf("%+v", s)
	})
	if !strings.Contains(s.Reason, "bad record") {
		t.Errorf("reason of the corrupt topology: got %q, want it to say bad record", s.Reason)
	}
	if n := len(c.workers()); n != 2 {
		t.Errorf("worker processes of the corrupt topology: got %d, want 2 (still running)", n)
	}
	if out := c.squall("status", e2eTopology); !strings.Contains(out, "only kill applies") {
		t.Errorf("squall status: got %q, want it to say only kill applies", out)
	}

	killed := time.Now()
	c.squall("kill", e2eTopology)
	c.waitFor("workers gone", e2eKillBound, func() (bool, string) {
		n := len(c.workers())
		return n == 0, fmt.Sprintf("%d workers", n)
	})
	t.Logf("kill of a corrupt topology → workers gone: %.1fs", time.Since(killed).Seconds())
	for _, p := range []string{record, c.root + "/assignments/" + string(id)} {
		if ok, _, err := conn.Exists(p); err != nil || ok {
			t.Errorf("%s after the kill: got exists=%v (%v), want gone", p, ok, err)
		}
	}
}

func dialZK(t *testing.T, addr string) *zk.Conn {
	conn, _, err := zk.Connect([]string{addr}, 5*time.Second, zk.WithLogInfo(false),
		zk.WithLogger(log.New(io.Discard, "", 0)))
	if err != nil {
		t.Fatalf("zookeeper %s: %v", addr, err)
	}
	t.Cleanup(conn.Close)
	// The cluster's znodes carry a digest ACL for its secret (see
	// zkadapter.ACL): the test acts as one of its daemons.
	if err := conn.AddAuth("digest", []byte("squall:"+e2eSecret)); err != nil {
		t.Fatalf("zookeeper %s: digest auth: %v", addr, err)
	}
	return conn
}

// TestEndToEndUnregisteredType submits, with a program of its own as the
// artifact, a spec naming a type no program registers: the submit asks the
// artifact (check-types) and is refused; told not to ask, it goes through,
// and the workers exit with that error in their log rather than run
// nothing while the topology shows ACTIVE.
func TestEndToEndUnregisteredType(t *testing.T) {
	zkAddr := e2eZK(t)
	c := newE2E(t, zkAddr)
	c.startNimbus(1)
	c.startSupervisor(0)
	c.leader()
	spec := filepath.Join(c.dir, "spec.json")
	data := `{"version":1,"name":"` + e2eTopology + `","spouts":[{"name":"s","type":"nope.Spout","parallelism":1}]}`
	if err := os.WriteFile(spec, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	artifact := filepath.Join(c.dir, "program")
	if err := os.Link(c.bin, artifact); err != nil {
		t.Fatal(err)
	}
	// Asked, the artifact says it does not register the type: refused.
	args := append([]string{"submit", "--spec", spec, "--artifact", artifact}, c.common()...)
	out, err := exec.Command(c.bin, args...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), `unregistered type "nope.Spout"`) {
		t.Fatalf("submit of an unregistered type with --artifact: got %v, %q; want it refused naming the type", err, out)
	}
	// Not asked, it is submitted: its workers exit with the error logged.
	c.squall("submit", "--spec", spec, "--artifact", artifact, "--skip-type-check")
	c.waitFor("a worker logs the unregistered type", e2eStartBound, func() (bool, string) {
		logs, _ := filepath.Glob(filepath.Join(c.dir, "sup-*", "procs", "logs", "worker-*.log"))
		for _, p := range logs {
			if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), `unregistered type "nope.Spout"`) {
				return true, ""
			}
		}
		return false, fmt.Sprintf("worker logs %v", logs)
	})
	c.squall("kill", e2eTopology)
}
