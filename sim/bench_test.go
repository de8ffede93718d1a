package sim

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

// idleMachine does nothing: a benchmark of it measures the kernel alone.
type idleMachine struct{}

func (*idleMachine) Step(core.Time, core.Event) {}
func (*idleMachine) Ready() []core.Effect       { return nil }

// pingMachine sends one message to its peer on every tick.
type pingMachine struct {
	peer core.NodeID
	out  []core.Effect
	msg  []byte
}

func (m *pingMachine) Step(_ core.Time, ev core.Event) {
	if _, ok := ev.(core.Tick); ok {
		m.out = append(m.out[:0], core.Send{To: m.peer, Payload: m.msg})
	}
}

func (m *pingMachine) Ready() []core.Effect {
	out := m.out
	m.out = m.out[:0]
	return out
}

// benchEvents runs w until b.N more events were dispatched and reports the
// kernel's throughput.
func benchEvents(b *testing.B, w *World) {
	b.Helper()
	step := time.Millisecond
	if err := w.RunFor(10 * step); err != nil { // past start-up
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start, t0 := w.Events(), time.Now()
	for w.Events()-start < uint64(b.N) {
		if err := w.RunFor(step); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(t0)
	b.StopTimer()
	events := w.Events() - start
	b.ReportMetric(float64(events)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(events), "ns/event")
}

// BenchmarkKernel measures the kernel's event throughput: 64 nodes whose
// machines do nothing, ticking every millisecond. One b.N is one event.
func BenchmarkKernel(b *testing.B) {
	w := New(Config{Seed: 1})
	for i := range 64 {
		w.AddNode(NodeConfig{
			ID:   core.NodeID(fmt.Sprintf("node-%02d", i)),
			Tick: time.Millisecond,
			New:  func(*rand.Rand) core.Machine { return &idleMachine{} },
		})
	}
	benchEvents(b, w)
}

// BenchmarkKernelNet adds the network: 16 nodes each send a message to the
// next on every tick, so half the events are deliveries.
func BenchmarkKernelNet(b *testing.B) {
	w := New(Config{Seed: 1})
	const nodes = 16
	for i := range nodes {
		peer := core.NodeID(fmt.Sprintf("node-%02d", (i+1)%nodes))
		w.AddNode(NodeConfig{
			ID:   core.NodeID(fmt.Sprintf("node-%02d", i)),
			Tick: time.Millisecond,
			New: func(*rand.Rand) core.Machine {
				return &pingMachine{peer: peer, msg: []byte("tuple batch")}
			},
		})
	}
	benchEvents(b, w)
}

// BenchmarkZKRoundTrip measures ZooKeeper operations through the simulated
// client, network and server: a node cycles Create, GetData and Delete of
// one znode, keeping depth operations outstanding. One b.N is one operation.
func BenchmarkZKRoundTrip(b *testing.B) {
	for _, depth := range []int{1, 32} {
		b.Run(fmt.Sprintf("depth=%d", depth), func(b *testing.B) {
			w := New(Config{Seed: 1})
			var done int
			next := 0
			issue := func(r *recorder) {
				path := fmt.Sprintf("/k%d", next/3%depth)
				switch next % 3 {
				case 0:
					r.coord(core.Create{Path: path, Data: []byte("v")})
				case 1:
					r.coord(core.GetData{Path: path})
				case 2:
					r.coord(core.Delete{Path: path, Version: core.AnyVersion})
				}
				next++
			}
			zkNode(w, "a", func(r *recorder, ev core.Event) {
				switch ev := ev.(type) {
				case core.SessionChanged:
					if ev.State == core.Connected {
						for range depth {
							issue(r)
						}
					}
				case core.CoordResult:
					if ev.Reply.Code == core.CodeConnectionLoss {
						b.Fatalf("op %d: connection loss in a fault-free run", ev.Op)
					}
					done++
					issue(r)
				}
				r.seen = r.seen[:0] // keep the recorder's memory flat
			})
			if err := w.RunFor(100 * time.Millisecond); err != nil {
				b.Fatal(err)
			}
			if done == 0 {
				b.Fatal("no operation completed during start-up")
			}
			b.ReportAllocs()
			b.ResetTimer()
			start, t0 := done, time.Now()
			for done-start < b.N {
				if err := w.RunFor(10 * time.Millisecond); err != nil {
					b.Fatal(err)
				}
			}
			elapsed := time.Since(t0)
			b.StopTimer()
			ops := done - start
			b.ReportMetric(float64(ops)/elapsed.Seconds(), "ops/s")
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(ops), "ns/op-wall")
		})
	}
}

// BenchmarkQueue measures the event queue alone in the kernel's steady
// state: pop the earliest of 64 periodic items, push its next occurrence.
func BenchmarkQueue(b *testing.B) {
	var q queue
	rng := rand.New(rand.NewPCG(1, 1))
	var seq uint64
	for i := range 64 {
		seq++
		q.push(item{at: core.Time(rng.Int64N(int64(time.Millisecond))), seq: seq, node: int32(i)})
	}
	b.ResetTimer()
	for range b.N {
		it := q.pop()
		seq++
		it.at += core.Time(time.Millisecond)
		it.seq = seq
		q.push(it)
	}
}
