package realnet

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/tuple"
)

// Benchmark shapes.
const (
	benchTupleBytes     = 100 // one encoded frame, without its length in the batch
	benchTuplesPerBatch = 100 // one payload: about 10 KiB
	benchLatencyRate    = 100_000
	// benchBackpressurePause is how long a sender waits after ErrBackpressure.
	benchBackpressurePause = 50 * time.Microsecond
)

// benchEpoch is the zero of the timestamps carried in tuples: sender and
// receiver share the process, so one monotonic clock serves both.
var benchEpoch = time.Now()

var benchPauses atomic.Int64

func benchStamp() int64 { return int64(time.Since(benchEpoch)) }

// benchFrames returns n frames whose encoding is benchTupleBytes each: a
// timestamp, a key, a measure and padding, one anchor, stream "default".
func benchFrames(b *testing.B, n int) []tuple.Frame {
	frames := make([]tuple.Frame, n)
	for i := range frames {
		frames[i] = tuple.Frame{
			Dest: 5, Source: 3, Stream: "default", ID: uint64(i) * 0x9e3779b97f4a7c15,
			Anchors: []tuple.Anchor{{Root: 0xabcdef, Edge: uint64(i)}},
			Values:  []any{benchStamp(), "user-00042", 3.25, []byte{}},
		}
		enc, err := tuple.AppendFrame(nil, &frames[i])
		if err != nil {
			b.Fatal(err)
		}
		pad := benchTupleBytes - len(enc)
		if pad < 0 {
			b.Fatalf("frame is %d bytes before padding, want at most %d", len(enc), benchTupleBytes)
		}
		frames[i].Values[3] = make([]byte, pad)
		if enc, _ = tuple.AppendFrame(nil, &frames[i]); len(enc) != benchTupleBytes {
			b.Fatalf("frame: got %d bytes, want %d", len(enc), benchTupleBytes)
		}
	}
	return frames
}

// benchReceiver decodes every batch it gets and counts tuples; onTuple sees
// each decoded frame. The transport calls its sink from one reader goroutine
// per connection, and the benchmarks use one connection.
type benchReceiver struct {
	dec     tuple.Decoder
	into    []tuple.Frame
	tuples  atomic.Int64
	want    int64
	done    chan struct{}
	onTuple func(f *tuple.Frame)
	errs    atomic.Int64
	// warm is closed at the first payload: the connection is up.
	warm     chan struct{}
	warmOnce sync.Once
}

func (r *benchReceiver) sink(ev core.Event) {
	r.warmOnce.Do(func() { close(r.warm) })
	var err error
	r.into, err = r.dec.DecodeBatch(ev.(core.Recv).Payload, r.into)
	if err != nil {
		r.errs.Add(1)
		return
	}
	if r.onTuple != nil {
		for i := range r.into {
			r.onTuple(&r.into[i])
		}
	}
	if r.tuples.Add(int64(len(r.into))) == r.want {
		close(r.done)
	}
}

// benchPair starts a receiving and a sending transport on loopback.
func benchPair(b *testing.B, r *benchReceiver) (send func(payload []byte), closeAll func()) {
	recvAddr, sendAddr := freeAddr(b), freeAddr(b)
	rx, err := Listen(TransportConfig{Self: core.NodeID(recvAddr), Addr: recvAddr, Logger: quietLogger()}, r.sink)
	if err != nil {
		b.Fatal(err)
	}
	tx, err := Listen(TransportConfig{Self: core.NodeID(sendAddr), Addr: sendAddr, Logger: quietLogger()}, func(core.Event) {})
	if err != nil {
		b.Fatal(err)
	}
	to := core.NodeID(recvAddr)
	r.warm = make(chan struct{})
	defer func() {
		// Connect before the clock starts: an empty batch, once through,
		// means the connection is up and its goroutines are running.
		empty, _ := tuple.AppendBatch(nil, nil)
		send(empty)
		<-r.warm
	}()
	send = func(payload []byte) {
		for {
			err := tx.Send(core.Send{To: to, Payload: payload})
			if err == nil {
				return
			}
			if !errors.Is(err, ErrBackpressure) {
				b.Fatal(err)
			}
			benchPauses.Add(1)
			time.Sleep(benchBackpressurePause)
		}
	}
	return send, func() { tx.Close(); rx.Close() }
}

// BenchmarkTCPTransfer: 100-byte tuples from one transport to another over
// loopback, encoded in batches of 100 by the sender and every one decoded by
// the receiver. One op is one tuple.
func BenchmarkTCPTransfer(b *testing.B) {
	frames := benchFrames(b, benchTuplesPerBatch)
	r := &benchReceiver{want: int64(b.N), done: make(chan struct{})}
	send, closeAll := benchPair(b, r)
	defer closeAll()
	b.ResetTimer()
	batchBytes := 0
	for sent := 0; sent < b.N; {
		n := min(benchTuplesPerBatch, b.N-sent)
		buf, err := tuple.AppendBatch(make([]byte, 0, batchBytes), frames[:n])
		if err != nil {
			b.Fatal(err)
		}
		batchBytes = len(buf)
		send(buf) // the transport keeps buf: a new one per batch
		sent += n
	}
	<-r.done
	b.StopTimer()
	if r.errs.Load() != 0 {
		b.Fatalf("decode errors: got %d, want 0", r.errs.Load())
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tuples/s")
	b.ReportMetric(float64(b.N)*benchTupleBytes/b.Elapsed().Seconds()/1e6, "MB/s")
	b.ReportMetric(float64(benchPauses.Swap(0)), "backpressure-pauses")
}

// BenchmarkTCPLatency: tuples paced at 100k/s, sent in the batches that
// accumulate between the sender's wake-ups, each tuple stamped when it is
// encoded. The receiver takes the one-way latency of each at decoding: the
// transport and codec latency, not the pacing's. One op is one tuple.
//
// On a loaded 2-vCPU box the tail is set by the OS scheduler: a garbage
// collection's stop-the-world phase waits for every thread holding a P, and
// a descheduled one stretches it to milliseconds (GODEBUG=gctrace=1 shows
// 7-13 ms STW phases at a load average of 11 where 0.3 ms is usual). The raw
// baseline below allocates nothing, so it never collects.
func BenchmarkTCPLatency(b *testing.B) {
	const batchMax = tuple.FramesMax
	frames := benchFrames(b, batchMax)
	latencies := make([]int64, 0, b.N)
	r := &benchReceiver{want: int64(b.N), done: make(chan struct{})}
	r.onTuple = func(f *tuple.Frame) { latencies = append(latencies, benchStamp()-f.Values[0].(int64)) }
	send, closeAll := benchPair(b, r)
	defer closeAll()
	interval := time.Second / benchLatencyRate
	b.ResetTimer()
	start := time.Now()
	for sent := 0; sent < b.N; {
		due := min(int(time.Since(start)/interval)+1, b.N)
		n := min(due-sent, batchMax)
		if n <= 0 {
			time.Sleep(interval)
			continue
		}
		stamp := benchStamp()
		for i := range n {
			frames[i].Values[0] = stamp
		}
		buf, err := tuple.AppendBatch(nil, frames[:n])
		if err != nil {
			b.Fatal(err)
		}
		send(buf)
		sent += n
	}
	<-r.done
	b.StopTimer()
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))]) / 1e3
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(pct(0.999), "p999-µs")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tuples/s")
}

// BenchmarkTCPPayloads: 100-byte raw payloads, one Send each, no codec: the
// transport's own per-message cost. One op is one payload.
func BenchmarkTCPPayloads(b *testing.B) {
	var got atomic.Int64
	done := make(chan struct{})
	want := int64(b.N)
	recvAddr, sendAddr := freeAddr(b), freeAddr(b)
	rx, err := Listen(TransportConfig{Self: core.NodeID(recvAddr), Addr: recvAddr, Logger: quietLogger()}, func(core.Event) {
		if got.Add(1) == want {
			close(done)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	defer rx.Close()
	tx, err := Listen(TransportConfig{Self: core.NodeID(sendAddr), Addr: sendAddr, Logger: quietLogger()}, func(core.Event) {})
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Close()
	payload := make([]byte, 100) // shared: the transport never writes into it
	to := core.NodeID(recvAddr)
	b.ResetTimer()
	for range b.N {
		for {
			err := tx.Send(core.Send{To: to, Payload: payload})
			if err == nil {
				break
			}
			if !errors.Is(err, ErrBackpressure) {
				b.Fatal(err)
			}
			time.Sleep(benchBackpressurePause)
		}
	}
	<-done
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// counter is the trivial machine of BenchmarkDriverSteps.
type counter struct {
	n, want int
	done    chan struct{}
}

func (c *counter) Step(_ core.Time, ev core.Event) {
	if _, ok := ev.(core.Recv); ok {
		c.n++
		if c.n == c.want {
			close(c.done)
		}
	}
}

func (c *counter) Ready() []core.Effect { return nil }

// BenchmarkDriverSteps: events from another goroutine through the inbox and
// the driver into a machine that counts them. One op is one event.
func BenchmarkDriverSteps(b *testing.B) {
	m := &counter{want: b.N, done: make(chan struct{})}
	inbox := NewInbox(InboxDefault)
	d := NewDriver(DriverConfig{ID: "bench", Machine: m, Inbox: inbox, Tick: time.Hour, Logger: quietLogger()})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		_ = d.Run(ctx)
		close(stopped)
	}()
	var ev core.Event = core.Recv{From: "peer", Payload: []byte("x")} // boxed once
	b.ResetTimer()
	for range b.N {
		inbox.Deliver(ev)
	}
	<-m.done
	b.StopTimer()
	cancel()
	<-stopped
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkRawTCPLatency is the baseline of BenchmarkTCPLatency: the same
// pacing over a bare loopback connection, an 8-byte timestamp per tuple, no
// transport and no codec. The difference is what realnet and the codec add;
// what they share is the machine's scheduling. One op is one tuple.
func BenchmarkRawTCPLatency(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	latencies := make([]int64, 0, b.N)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReaderSize(c, readBufferBytes)
		var stamp [8]byte
		for len(latencies) < b.N {
			if _, err := io.ReadFull(r, stamp[:]); err != nil {
				return
			}
			latencies = append(latencies, benchStamp()-int64(binary.LittleEndian.Uint64(stamp[:])))
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	interval := time.Second / benchLatencyRate
	buf := make([]byte, 0, 8*tuple.FramesMax)
	b.ResetTimer()
	start := time.Now()
	for sent := 0; sent < b.N; {
		n := min(min(int(time.Since(start)/interval)+1, b.N)-sent, tuple.FramesMax)
		if n <= 0 {
			time.Sleep(interval)
			continue
		}
		stamp := uint64(benchStamp())
		buf = buf[:0]
		for range n {
			buf = binary.LittleEndian.AppendUint64(buf, stamp)
		}
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
		sent += n
	}
	<-done
	b.StopTimer()
	if len(latencies) != b.N {
		b.Fatalf("received: got %d stamps, want %d", len(latencies), b.N)
	}
	slices.Sort(latencies)
	pct := func(p float64) float64 { return float64(latencies[int(p*float64(len(latencies)-1))]) / 1e3 }
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(pct(0.999), "p999-µs")
}
