package main

import (
	"bufio"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/squall/squall/realnet/auth"
	"github.com/squall/squall/realnet/httpapi"
)

// The end-to-end test runs real processes on loopback: ZooKeeper (from
// `make test`'s harness), two nimbuses, three supervisors on three loopback
// addresses, and the workers they start from the submitted artifact (this
// very binary). It kills -9 a leader, a worker, a whole host, then the
// topology, and logs how long each recovery took.

// e2e bounds: each recovery must happen within these, or the test fails.
const (
	e2eStartBound     = 60 * time.Second
	e2eFailoverBound  = 30 * time.Second
	e2eRestartBound   = 30 * time.Second
	e2eReassignBound  = 60 * time.Second
	e2eKillBound      = 30 * time.Second
	e2ePollPeriod     = 100 * time.Millisecond
	e2eSlotsPerSup    = 2
	e2eSupervisors    = 3
	e2eTopology       = "wc"
	e2eTopologyWorker = 3
)

// e2eSettle is how long a deactivation is given to reach the workers and
// their last emits to reach nimbus's status (lanes publish every 250 ms,
// workers and supervisors heartbeat every second).
const e2eSettle = 4 * time.Second

type e2eCluster struct {
	t        *testing.T
	bin      string
	dir      string
	zk       string
	root     string
	nimbuses []*e2eProc
	sups     []*e2eProc
	seeds    string
	// The cluster speaks TLS: every daemon presents certFile, every
	// client trusts caPool.
	certFile, keyFile string
	caPool            *x509.CertPool
}

type e2eProc struct {
	name string
	addr string // nimbus: host:port of its API; supervisor: of its transport (and /metrics)
	host string // supervisor: its loopback address
	cmd  *exec.Cmd
	log  string
}

// e2eZK is the ZooKeeper of the end-to-end tests (make test starts one and
// sets SQUALL_ZK); without one, or in -short mode, the test is skipped.
func e2eZK(t *testing.T) string {
	t.Helper()
	zk := os.Getenv("SQUALL_ZK")
	if zk == "" {
		t.Skip("SQUALL_ZK not set: the end-to-end test runs under `make test`, which starts a ZooKeeper")
	}
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	return zk
}

func TestEndToEnd(t *testing.T) {
	zk := e2eZK(t)
	c := newE2E(t, zk)
	c.startNimbus(2)
	c.startNimbus(1)
	for i := 0; i < e2eSupervisors; i++ {
		c.startSupervisor(i)
	}
	c.leader() // the nimbuses have elected one (a busy machine can take seconds)
	c.squall("submit", "--topology", "wordcount", "--name", e2eTopology, "--workers", strconv.Itoa(e2eTopologyWorker))
	start := time.Now()
	s := c.waitFor("counts flow", e2eStartBound, func() (bool, string) {
		s, err := c.status()
		if err != nil {
			return false, err.Error()
		}
		return executed(s, "count") > 0 && s.WorkersTotal == e2eTopologyWorker, fmt.Sprintf("%+v", s)
	})
	t.Logf("submit → counts flowing: %.1fs", time.Since(start).Seconds())
	c.waitFor("metrics measured", e2eStartBound, c.metricsMeasured)

	// kill -9 the leader nimbus: the other leads; the topology runs on
	// with its assignment unchanged.
	leader := c.leader()
	c.checkNimbusSummary(leader)
	epoch := s.Epoch
	killed := time.Now()
	leader.kill9()
	c.waitFor("a new leader", e2eFailoverBound, func() (bool, string) {
		l := c.leaderOrNil()
		return l != nil && l != leader, "no other leader"
	})
	failover := time.Since(killed)
	before := executed(c.statusMust(), "count")
	s = c.waitFor("counts grow after failover", e2eFailoverBound, func() (bool, string) {
		s, err := c.status()
		if err != nil {
			return false, err.Error()
		}
		return executed(s, "count") > before, fmt.Sprintf("executed %d", executed(s, "count"))
	})
	if s.Epoch != epoch {
		t.Fatalf("assignment epoch after failover: got %d, want %d (no reassignment)", s.Epoch, epoch)
	}
	t.Logf("nimbus failover: %.1fs", failover.Seconds())

	// kill -9 a worker: its supervisor restarts it.
	w := c.workers()
	if len(w) == 0 {
		t.Fatalf("worker processes: got none, want %d", e2eTopologyWorker)
	}
	victim := w[0]
	killed = time.Now()
	if err := syscall.Kill(victim.pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill worker %d: %v", victim.pid, err)
	}
	c.waitFor("the worker restarted", e2eRestartBound, func() (bool, string) {
		for _, x := range c.workers() {
			if x.port == victim.port && x.host == victim.host && x.pid != victim.pid {
				return true, ""
			}
		}
		return false, "not restarted"
	})
	t.Logf("worker restart: %.1fs", time.Since(killed).Seconds())

	// kill -9 a host (its supervisor and its workers): the tasks move.
	host := victim.host
	var sup *e2eProc
	for _, p := range c.sups {
		if p.host == host {
			sup = p
		}
	}
	killed = time.Now()
	sup.kill9()
	for _, x := range c.workers() {
		if x.host == host {
			_ = syscall.Kill(x.pid, syscall.SIGKILL)
		}
	}
	c.waitFor("tasks reassigned off the dead host", e2eReassignBound, func() (bool, string) {
		s, err := c.status()
		if err != nil {
			return false, err.Error()
		}
		ws := c.workers()
		on := 0
		for _, x := range ws {
			if x.host == host {
				on++
			}
		}
		return s.Epoch > epoch && len(ws) == e2eTopologyWorker && on == 0 && s.WorkersTotal == e2eTopologyWorker,
			fmt.Sprintf("epoch %d, %d workers, %d on %s", s.Epoch, len(ws), on, host)
	})
	t.Logf("supervisor loss → reassigned: %.1fs", time.Since(killed).Seconds())
	before = executed(c.statusMust(), "count")
	c.waitFor("counts grow after reassignment", e2eReassignBound, func() (bool, string) {
		return executed(c.statusMust(), "count") > before, "no growth"
	})

	// deactivate: the spouts stop, so their emitted counts settle and
	// stay; activate: they emit again.
	c.squall("deactivate", e2eTopology)
	time.Sleep(e2eSettle)
	settled := emitted(c.statusMust(), "sentences")
	time.Sleep(e2eSettle)
	if got := emitted(c.statusMust(), "sentences"); got != settled {
		t.Fatalf("spout emitted %d→%d in %s while INACTIVE, want no change", settled, got, e2eSettle)
	}
	c.squall("activate", e2eTopology)
	c.waitFor("spouts emit after activate", e2eStartBound, func() (bool, string) {
		got := emitted(c.statusMust(), "sentences")
		return got > settled, fmt.Sprintf("emitted %d", got)
	})
	t.Logf("deactivate: spout emitted settled at %d for %s; activate: it grew again", settled, e2eSettle)

	// kill the topology: its workers go.
	killed = time.Now()
	c.squall("kill", e2eTopology, "--wait", "1s")
	c.waitFor("workers gone", e2eKillBound, func() (bool, string) {
		n := len(c.workers())
		return n == 0, fmt.Sprintf("%d workers", n)
	})
	t.Logf("kill → workers gone: %.1fs", time.Since(killed).Seconds())
}

func newE2E(t *testing.T, zk string) *e2eCluster {
	dir := t.TempDir()
	bin := filepath.Join(dir, "squall")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	c := &e2eCluster{t: t, bin: bin, dir: dir, zk: zk, root: fmt.Sprintf("/e2e-%d-%d", os.Getpid(), time.Now().UnixNano())}
	c.certFile, c.keyFile, c.caPool = e2eTLS(t, dir)
	t.Cleanup(c.stop)
	return c
}

// The cluster runs with authentication on: every client command sends
// e2eToken, and supervisors and nimbuses download programs with the secret.
const (
	e2eToken  = "e2e-admin-token-0123456789"
	e2eSecret = "e2e-cluster-secret-0123456789"
)

func (c *e2eCluster) common() []string {
	return []string{"-c", "zookeeper.servers=" + c.zk, "-c", "zookeeper.root=" + c.root,
		"-c", "nimbus.seeds=" + c.seeds, "-c", "zookeeper.session.timeout=2s",
		"-c", "auth.tokens=e2e:admin:" + e2eToken, "-c", "auth.token=" + e2eToken, "-c", "cluster.secret=" + e2eSecret,
		"-c", "tls.cert=" + c.certFile, "-c", "tls.key=" + c.keyFile, "-c", "tls.ca=" + c.certFile}
}

// api is an HTTPS client of the cluster's API that sends token ("" for
// none) and shows redirects rather than following them.
func (c *e2eCluster) api(token string, timeout time.Duration) *http.Client {
	return auth.Client(token, &http.Client{Timeout: timeout,
		Transport: &http.Transport{TLSClientConfig: c.tlsClientConfig()},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}})
}

func freePort(t *testing.T, host string) int {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (c *e2eCluster) start(name string, args ...string) *e2eProc {
	logPath := filepath.Join(c.dir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		c.t.Fatal(err)
	}
	cmd := exec.Command(c.bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		c.t.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = cmd.Wait(); f.Close() }()
	return &e2eProc{name: name, cmd: cmd, log: logPath}
}

func (c *e2eCluster) startNimbus(priority int) {
	port := freePort(c.t, "127.0.0.1")
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if c.seeds != "" {
		c.seeds += ","
	}
	c.seeds += addr
	name := fmt.Sprintf("nimbus-%d", len(c.nimbuses)+1)
	args := append([]string{"nimbus", "-c", "nimbus.port=" + strconv.Itoa(port),
		"-c", "nimbus.priority=" + strconv.Itoa(priority), "-c", "nimbus.dir=" + filepath.Join(c.dir, name)}, c.common()...)
	p := c.start(name, args...)
	p.addr = addr
	c.nimbuses = append(c.nimbuses, p)
	time.Sleep(300 * time.Millisecond) // the first, higher priority, enrolls first
}

func (c *e2eCluster) startSupervisor(i int) {
	host := "127.0.0." + strconv.Itoa(i+2)
	var slots []string
	for range e2eSlotsPerSup {
		slots = append(slots, strconv.Itoa(freePort(c.t, host)))
	}
	name := "sup-" + host
	port := freePort(c.t, host)
	args := append([]string{"supervisor", "-c", "supervisor.host=" + host,
		"-c", "supervisor.port=" + strconv.Itoa(port),
		"-c", "supervisor.slots.ports=" + strings.Join(slots, ","),
		"-c", "supervisor.dir=" + filepath.Join(c.dir, name)}, c.common()...)
	p := c.start(name, args...)
	p.host = host
	p.addr = net.JoinHostPort(host, strconv.Itoa(port))
	c.sups = append(c.sups, p)
}

func (p *e2eProc) kill9() {
	if p.cmd.Process != nil {
		_ = syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL)
	}
}

// squall runs a client command and fails the test if it fails.
func (c *e2eCluster) squall(args ...string) string {
	args = append(args, c.common()...)
	out, err := exec.Command(c.bin, args...).CombinedOutput()
	if err != nil {
		c.t.Fatalf("squall %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (c *e2eCluster) status() (httpapi.Topology, error) {
	args := append([]string{"status", e2eTopology, "--json"}, c.common()...)
	out, err := exec.Command(c.bin, args...).Output()
	if err != nil {
		return httpapi.Topology{}, fmt.Errorf("status: %v", err)
	}
	var s httpapi.Topology
	if err := json.Unmarshal(out, &s); err != nil {
		return s, fmt.Errorf("status json: %v: %s", err, out)
	}
	return s, nil
}

func (c *e2eCluster) statusMust() httpapi.Topology {
	s, err := c.status()
	if err != nil {
		c.t.Fatal(err)
	}
	return s
}

// metricsMeasured reports whether the count bolt's acks, execute latency
// and capacity are measured (on the workers' clocks), and the topology
// list, which the API's topology/summary answers, carries the windows'
// totals.
func (c *e2eCluster) metricsMeasured() (bool, string) {
	s, err := c.status()
	if err != nil {
		return false, err.Error()
	}
	out, err := exec.Command(c.bin, append([]string{"list", "--json"}, c.common()...)...).Output()
	if err != nil {
		return false, fmt.Sprintf("list: %v", err)
	}
	var list []httpapi.TopologySummary
	if err := json.Unmarshal(out, &list); err != nil || len(list) != 1 || len(list[0].TopologyStats) != 4 {
		return false, fmt.Sprintf("list json: %v: %s", err, out)
	}
	allTime := list[0].TopologyStats[3] // Storm UI's order: 600, 10800, 86400, :all-time
	completeMs := -1.0
	for _, sp := range s.Spouts {
		if sp.SpoutID == "sentences" {
			completeMs, _ = strconv.ParseFloat(sp.CompleteLatency, 64)
		}
	}
	for _, b := range s.Bolts {
		if b.BoltID == "count" {
			// A count's Execute takes well under a microsecond: Storm's
			// three decimals of a millisecond often print it as 0.000, so
			// the measured time shows in the capacity it adds up to.
			execMs, _ := strconv.ParseFloat(b.ExecuteLatency, 64)
			capacity, _ := strconv.ParseFloat(b.Capacity, 64)
			return b.Acked > 0 && (execMs > 0 || capacity > 0) && completeMs > 0 && allTime.Acked > 0 &&
					allTime.Window == ":all-time",
				fmt.Sprintf("count: acked %d, execute %s ms, capacity %s; sentences complete %v ms; list %s acked %d",
					b.Acked, b.ExecuteLatency, b.Capacity, completeMs, allTime.Window, allTime.Acked)
		}
	}
	return false, "no count bolt"
}

func emitted(s httpapi.Topology, comp string) int64 {
	for _, x := range s.Spouts {
		if x.SpoutID == comp {
			return x.Emitted
		}
	}
	for _, x := range s.Bolts {
		if x.BoltID == comp {
			return x.Emitted
		}
	}
	return 0
}

func executed(s httpapi.Topology, comp string) int64 {
	for _, x := range s.Bolts {
		if x.BoltID == comp {
			return x.Executed
		}
	}
	return 0
}

// leaderOrNil asks each live nimbus for the cluster summary; the one that
// answers it itself (no redirect) leads.
func (c *e2eCluster) leaderOrNil() *e2eProc {
	hc := c.api(e2eToken, time.Second)
	for _, n := range c.nimbuses {
		resp, err := hc.Get("https://" + n.addr + "/api/v1/cluster/summary")
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return n
		}
	}
	return nil
}

func (c *e2eCluster) leader() *e2eProc {
	var l *e2eProc
	c.waitFor("a leader", e2eFailoverBound, func() (bool, string) {
		l = c.leaderOrNil()
		return l != nil, "none"
	})
	return l
}

// e2eWorker is a worker process found in /proc.
type e2eWorker struct {
	pid  int
	host string
	port string
}

// workers lists the live worker processes of this cluster's topology.
func (c *e2eCluster) workers() []e2eWorker {
	entries, _ := os.ReadDir("/proc")
	var out []e2eWorker
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(data), "\x00")
		if len(args) < 2 || args[1] != "worker" || !strings.Contains(string(data), "zookeeper.root="+c.root+"\x00") {
			continue
		}
		if st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil && strings.Contains(string(st), ") Z ") {
			continue // a zombie
		}
		w := e2eWorker{pid: pid}
		for i := 0; i+1 < len(args); i++ {
			switch args[i] {
			case "--supervisor":
				w.host = args[i+1]
			case "--port":
				w.port = args[i+1]
			}
		}
		out = append(out, w)
	}
	return out
}

func (c *e2eCluster) waitFor(what string, bound time.Duration, cond func() (bool, string)) httpapi.Topology {
	c.t.Helper()
	deadline := time.Now().Add(bound)
	last := ""
	for time.Now().Before(deadline) {
		ok, why := cond()
		if ok {
			s, _ := c.status()
			return s
		}
		last = why
		time.Sleep(e2ePollPeriod)
	}
	c.dumpLogs()
	c.t.Fatalf("%s: not within %s; last: %s", what, bound, last)
	return httpapi.Topology{}
}

func (c *e2eCluster) dumpLogs() {
	for _, p := range append(append([]*e2eProc{}, c.nimbuses...), c.sups...) {
		f, err := os.Open(p.log)
		if err != nil {
			continue
		}
		var lines []string
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		f.Close()
		if len(lines) > 30 {
			lines = lines[len(lines)-30:]
		}
		c.t.Logf("--- %s (last %d lines)\n%s", p.name, len(lines), strings.Join(lines, "\n"))
	}
}

// stop kills every process the test started, workers included.
func (c *e2eCluster) stop() {
	for _, w := range c.workers() {
		_ = syscall.Kill(w.pid, syscall.SIGKILL)
	}
	for _, p := range append(append([]*e2eProc{}, c.nimbuses...), c.sups...) {
		p.kill9()
	}
	time.Sleep(200 * time.Millisecond)
	for _, w := range c.workers() {
		_ = syscall.Kill(w.pid, syscall.SIGKILL)
	}
}

// checkNimbusSummary requires the API to list both nimbuses, leader marked.
func (c *e2eCluster) checkNimbusSummary(leader *e2eProc) {
	if plain, err := http.Get("http://" + leader.addr + "/api/v1/nimbus/summary"); err == nil {
		plain.Body.Close()
		c.t.Errorf("plain HTTP to a TLS nimbus: got status %d, want the connection refused", plain.StatusCode)
	}
	open, err := c.api("", 5*time.Second).Get("https://" + leader.addr + "/api/v1/nimbus/summary")
	if err != nil {
		c.t.Fatalf("nimbus summary: %v", err)
	}
	open.Body.Close()
	if open.StatusCode != http.StatusUnauthorized {
		c.t.Errorf("nimbus summary without a token: got status %d, want 401", open.StatusCode)
	}
	resp, err := c.api(e2eToken, 5*time.Second).Get("https://" + leader.addr + "/api/v1/nimbus/summary")
	if err != nil {
		c.t.Fatalf("nimbus summary: %v", err)
	}
	defer resp.Body.Close()
	var list httpapi.NimbusList
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		c.t.Fatalf("nimbus summary: %v", err)
	}
	leaders := 0
	for _, n := range list.Nimbuses {
		if n.Status == "Leader" {
			leaders++
			if string(n.Address) != leader.addr {
				c.t.Errorf("nimbus summary: got leader %s, want %s", n.Address, leader.addr)
			}
		}
	}
	if len(list.Nimbuses) != len(c.nimbuses) || leaders != 1 {
		c.t.Fatalf("nimbus summary: got %+v, want %d nimbuses, one leading", list.Nimbuses, len(c.nimbuses))
	}
}
