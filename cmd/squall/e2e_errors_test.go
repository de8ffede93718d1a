package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"testing"
	"time"
)

// e2eError is one entry of `squall get-errors --json`.
type e2eError struct {
	Component string `json:"component"`
	Error     string `json:"error"`
	Host      string `json:"errorHost"`
	Port      int    `json:"errorPort"`
	TimeMs    int64  `json:"errorTime"`
}

func (c *e2eCluster) getErrors(name string) ([]e2eError, error) {
	args := append([]string{"get-errors", name, "--json"}, c.common()...)
	out, err := exec.Command(c.bin, args...).Output()
	if err != nil {
		return nil, fmt.Errorf("get-errors: %v", err)
	}
	var errs []e2eError
	if err := json.Unmarshal(out, &errs); err != nil {
		return nil, fmt.Errorf("get-errors json: %v: %s", err, out)
	}
	return errs, nil
}

// On real daemons a bolt's ReportError reaches `squall get-errors` with
// the worker's host and port and a wall-clock time, and survives a kill -9
// of the leader (the new one reads the errors record from ZooKeeper).
func TestEndToEndErrors(t *testing.T) {
	zk := e2eZK(t)
	c := newE2E(t, zk)
	c.startNimbus(2)
	c.startNimbus(1)
	c.startSupervisor(0)
	c.leader()
	c.squall("submit", "--topology", "complaints", "--name", "errs", "--workers", "1")
	start := time.Now()
	var got []e2eError
	c.waitFor("errors reach get-errors", e2eStartBound, func() (bool, string) {
		errs, err := c.getErrors("errs")
		if err != nil {
			return false, err.Error()
		}
		got = errs
		return len(errs) > 0, "no errors yet"
	})
	t.Logf("submit → errors shown: %.1fs", time.Since(start).Seconds())
	e := got[0]
	if age := time.Since(time.UnixMilli(e.TimeMs)); e.Component != "complain" || e.Host != c.sups[0].host || e.Port == 0 || age < 0 || age > e2eStartBound {
		t.Fatalf("got %+v (%s old), want complain's error from %s with a slot port and a wall time of the last minute", e, age, c.sups[0].host)
	}
	leader := c.leader()
	leader.kill9()
	c.waitFor("a new leader", e2eFailoverBound, func() (bool, string) {
		l := c.leaderOrNil()
		return l != nil && l != leader, "no other leader"
	})
	c.waitFor("errors after failover", e2eFailoverBound, func() (bool, string) {
		errs, err := c.getErrors("errs")
		if err != nil {
			return false, err.Error()
		}
		return len(errs) > 0, "no errors"
	})
}
