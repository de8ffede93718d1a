package realnet

import (
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

// waitMax bounds every wait of these tests for something asynchronous.
const waitMax = 10 * time.Second

// checkNoLeak records the goroutines running now and, at cleanup, fails the
// test if more are left once everything it started had time to end.
func checkNoLeak(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(waitMax)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<20)
			stacks := string(buf[:runtime.Stack(buf, true)])
			t.Errorf("goroutines: got %d after the test, want at most %d as before it\n%s", n, before, stacks)
		}
	})
}

// quietLogger drops everything; testLogger logs through t when -v is on.
func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func testLogger(t *testing.T) *slog.Logger {
	if !testing.Verbose() {
		return quietLogger()
	}
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// collector is a sink that keeps what it receives.
type collector struct {
	mu   sync.Mutex
	got  []core.Recv
	wake chan struct{}
}

func newCollector() *collector { return &collector{wake: make(chan struct{}, 1)} }

func (c *collector) sink(ev core.Event) {
	c.mu.Lock()
	c.got = append(c.got, ev.(core.Recv))
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *collector) received() []core.Recv {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]core.Recv(nil), c.got...)
}

// waitFor waits until cond holds on what was received, or fails the test.
func (c *collector) waitFor(t *testing.T, what string, cond func([]core.Recv) bool) []core.Recv {
	t.Helper()
	deadline := time.NewTimer(waitMax)
	defer deadline.Stop()
	for {
		got := c.received()
		if cond(got) {
			return got
		}
		select {
		case <-c.wake:
		case <-deadline.C:
			t.Fatalf("waiting for %s: got %d messages after %v", what, len(got), waitMax)
		}
	}
}

// listen starts a transport on loopback whose NodeID is its own address, as
// the default Resolve expects.
func listen(t *testing.T, addr string, queueBytes int, sink func(core.Event)) *Transport {
	t.Helper()
	// The NodeID must be the address, known only after listening on port 0:
	// listen once to learn a free port when none is given.
	if strings.HasSuffix(addr, ":0") {
		addr = freeAddr(t)
	}
	tr, err := Listen(TransportConfig{Self: core.NodeID(addr), Addr: addr, Logger: testLogger(t), QueueBytesMax: queueBytes}, sink)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
