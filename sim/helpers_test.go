package sim

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

// ms is a virtual time in milliseconds, to keep test tables short.
func ms(n float64) core.Time { return core.Time(n * float64(time.Millisecond)) }

// recorded is one event a recorder machine saw.
type recorded struct {
	local core.Time // the now the machine was given: its node's clock
	at    core.Time // virtual time when it was stepped
	ev    core.Event
}

// recorder is the test machine. It records every (now, event) it is stepped
// with and emits, at the next Ready, whatever its react hook or the test
// queued. It allocates OpIDs as a real machine does: from 1, increasing.
type recorder struct {
	w      *World
	seen   []recorded
	out    []core.Effect
	opNext core.OpID
	react  func(r *recorder, ev core.Event)
}

func (r *recorder) Step(now core.Time, ev core.Event) {
	r.seen = append(r.seen, recorded{local: now, at: r.w.Now(), ev: ev})
	if r.react != nil {
		r.react(r, ev)
	}
}

func (r *recorder) Ready() []core.Effect {
	out := r.out
	r.out = nil
	return out
}

// coord queues a coordination request and returns its OpID.
func (r *recorder) coord(req core.Request) core.OpID {
	r.opNext++
	r.out = append(r.out, core.Coord{Op: r.opNext, Req: req})
	return r.opNext
}

func (r *recorder) send(to core.NodeID, payload string) {
	r.out = append(r.out, core.Send{To: to, Payload: []byte(payload)})
}

// ticks returns the virtual times of the ticks the machine saw.
func (r *recorder) ticks() []core.Time {
	var out []core.Time
	for _, s := range r.seen {
		if _, ok := s.ev.(core.Tick); ok {
			out = append(out, s.at)
		}
	}
	return out
}

// results returns the coordination results in the order the machine saw them.
func (r *recorder) results() []core.CoordResult {
	var out []core.CoordResult
	for _, s := range r.seen {
		if res, ok := s.ev.(core.CoordResult); ok {
			out = append(out, res)
		}
	}
	return out
}

// result returns the reply to op and when it arrived.
func (r *recorder) result(op core.OpID) (core.Reply, core.Time, bool) {
	for _, s := range r.seen {
		if res, ok := s.ev.(core.CoordResult); ok && res.Op == op {
			return res.Reply, s.at, true
		}
	}
	return core.Reply{}, 0, false
}

// sessions returns the session changes the machine saw, in order.
func (r *recorder) sessions() []core.SessionChanged {
	var out []core.SessionChanged
	for _, s := range r.seen {
		if sc, ok := s.ev.(core.SessionChanged); ok {
			out = append(out, sc)
		}
	}
	return out
}

// sessionTimes returns when each session change of sessions() arrived.
func (r *recorder) sessionTimes() []core.Time {
	var out []core.Time
	for _, s := range r.seen {
		if _, ok := s.ev.(core.SessionChanged); ok {
			out = append(out, s.at)
		}
	}
	return out
}

// states prints the session states seen, e.g. "Connected Disconnected Connected".
func states(scs []core.SessionChanged) string {
	parts := make([]string, len(scs))
	for i, sc := range scs {
		parts[i] = sc.State.String()
	}
	return strings.Join(parts, " ")
}

// watches returns the watch events the machine saw, in order.
func (r *recorder) watches() []core.WatchFired {
	var out []core.WatchFired
	for _, s := range r.seen {
		if wf, ok := s.ev.(core.WatchFired); ok {
			out = append(out, wf)
		}
	}
	return out
}

// testNode is a node running recorders: one per start, so that a restart's
// fresh machine is told apart from the crashed one.
type testNode struct {
	n     *Node
	incs  []*recorder
	react func(r *recorder, ev core.Event)
}

// testTick is the tick period of test nodes: short, so that effects a test
// queues on a recorder go out within a millisecond.
const testTick = time.Millisecond

// addTestNode adds a node as cfg says (cfg.New is replaced) whose machines are
// recorders calling react. A zero cfg.Tick becomes testTick.
func addTestNode(w *World, cfg NodeConfig, react func(r *recorder, ev core.Event)) *testNode {
	tn := &testNode{react: react}
	if cfg.Tick == 0 {
		cfg.Tick = testTick
	}
	cfg.New = func(*rand.Rand) core.Machine {
		r := &recorder{w: w, react: tn.react}
		tn.incs = append(tn.incs, r)
		return r
	}
	tn.n = w.AddNode(cfg)
	return tn
}

// r is the machine of the node's latest start.
func (tn *testNode) r() *recorder { return tn.incs[len(tn.incs)-1] }

// zkNode adds a node with a ZooKeeper client.
func zkNode(w *World, id string, react func(r *recorder, ev core.Event)) *testNode {
	return addTestNode(w, NodeConfig{ID: core.NodeID(id), ZK: true}, react)
}

// onConnectedOnce returns a react hook that calls fn the first time the
// machine hears Connected.
func onConnectedOnce(fn func(r *recorder)) func(*recorder, core.Event) {
	done := false
	return func(r *recorder, ev core.Event) {
		if sc, ok := ev.(core.SessionChanged); ok && sc.State == core.Connected && !done {
			done = true
			fn(r)
		}
	}
}

// run runs w until the virtual time until and fails the test on an error.
func run(t testing.TB, w *World, until core.Time) {
	t.Helper()
	if err := w.RunUntil(until); err != nil {
		t.Fatalf("RunUntil(%s): %v", until, err)
	}
}

// netMsg is the payload test senders put on the wire: a sequence number and
// the sender's clock at the send.
type netMsg struct {
	seq  int
	sent core.Time
}

func (m netMsg) String() string { return fmt.Sprintf("%d %d", m.seq, int64(m.sent)) }

func parseNetMsg(t testing.TB, p []byte) netMsg {
	t.Helper()
	a, b, ok := strings.Cut(string(p), " ")
	seq, err1 := strconv.Atoi(a)
	sent, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		t.Fatalf("payload %q is not a test message", p)
	}
	return netMsg{seq: seq, sent: core.Time(sent)}
}

// arrival is a message a node received, with its arrival time.
type arrival struct {
	netMsg
	at core.Time
}

// arrivals returns the test messages from one sender the machine received,
// in order.
func (r *recorder) arrivals(t testing.TB, from core.NodeID) []arrival {
	t.Helper()
	var out []arrival
	for _, s := range r.seen {
		if rv, ok := s.ev.(core.Recv); ok && rv.From == from {
			out = append(out, arrival{netMsg: parseNetMsg(t, rv.Payload), at: s.at})
		}
	}
	return out
}

// sender returns a react hook that sends a numbered message to each of to on
// every tick and logs the send times (by sequence number) in sent.
func sender(sent *[]core.Time, to ...core.NodeID) func(*recorder, core.Event) {
	return func(r *recorder, ev core.Event) {
		if _, ok := ev.(core.Tick); !ok {
			return
		}
		seq := len(*sent)
		*sent = append(*sent, r.w.Now())
		for _, id := range to {
			r.send(id, netMsg{seq: seq, sent: r.w.Now()}.String())
		}
	}
}
