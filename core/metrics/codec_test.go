package metrics

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

// richStats returns stats of task 7 with four streams and a day and a half of
// sampled events, and the time of the last one.
func richStats(t testing.TB, seed uint64) (*TaskStats, core.Time) {
	t.Helper()
	s, err := New(7, at(3), rand.New(rand.NewPCG(seed, 1)), Config{})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 2))
	handles := []Stream{s.Stream("default"), s.Stream("words"), s.Stream("__ack_ack"), s.Stream("")}
	now := at(3)
	for range 50_000 {
		now += core.Time(r.Int64N(int64(5 * time.Second)))
		if !s.Sample() {
			continue
		}
		h := handles[r.IntN(len(handles))]
		lat := time.Duration(r.Int64N(int64(time.Second)))
		switch r.IntN(5) {
		case 0:
			s.Emitted(now, h, 1)
			s.Transferred(now, h, 2)
		case 1:
			s.Executed(now, h, lat)
		case 2:
			s.Acked(now, h, lat)
		case 3:
			s.BoltAcked(now, h, lat)
		default:
			s.Failed(now, h)
		}
	}
	return s, now
}

// snapshotsAt returns the snapshots of every period at a few times from now on.
func snapshotsAt(s *TaskStats, now core.Time) []Snapshot {
	var out []Snapshot
	for _, d := range []time.Duration{0, time.Second, time.Minute, 9 * time.Minute, time.Hour, 20 * time.Hour} {
		for _, p := range Periods() {
			out = append(out, s.Snapshot(now.Add(d), p))
		}
	}
	return out
}

func mustMarshal(t testing.TB, s *TaskStats) []byte {
	t.Helper()
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMarshalRoundTrip(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		s, now := richStats(t, seed)
		blob := mustMarshal(t, s)
		restored, err := New(7, 0, rand.New(rand.NewPCG(0, 0)), Config{Buckets: 10, SampleRate: 1})
		if err != nil {
			t.Fatal(err)
		}
		if err := restored.UnmarshalBinary(blob); err != nil {
			t.Fatalf("seed %d: UnmarshalBinary: %v", seed, err)
		}
		if got, want := snapshotsAt(restored, now), snapshotsAt(s, now); !reflect.DeepEqual(got, want) {
			t.Errorf("seed %d: restored snapshots differ:\ngot  %+v\nwant %+v", seed, got, want)
		}
		if again := mustMarshal(t, restored); !bytes.Equal(again, blob) {
			t.Errorf("seed %d: re-marshalled %d bytes differ from the %d restored", seed, len(again), len(blob))
		}
		t.Logf("seed %d: %d streams in %d bytes", seed, len(s.streams), len(blob))
	}
}

// TestRestartKeepsBuckets saves stats after 10 minutes of one execute per
// second and restores them in a process whose clock restarted, 30 s later.
func TestRestartKeepsBuckets(t *testing.T) {
	old := newStats(t, 0, 1)
	in := old.Stream("in")
	for sec := range 600 {
		old.Executed(at(float64(sec)), in, 100*time.Millisecond)
	}
	savedAt, blob := at(600), mustMarshal(t, old)

	restarted := newStats(t, at(5), 1)
	if err := restarted.UnmarshalBinary(blob); err != nil {
		t.Fatal(err)
	}
	now, downtime := at(5), 30*time.Second
	restarted.Shift(now.Sub(savedAt) - downtime)

	// Old time 630 s: the 10-minute window holds buckets [60 s, 630 s].
	tests := []struct {
		p            Period
		wantExecuted int64
		wantObserved time.Duration
	}{
		{Last10m, 540, 570 * time.Second},
		{Last3h, 600, 630 * time.Second},
		{AllTime, 600, 630 * time.Second},
	}
	for _, tt := range tests {
		got := restarted.Snapshot(now, tt.p)
		if got.Total().Executed != tt.wantExecuted || got.Observed != tt.wantObserved {
			t.Errorf("%s: got executed %d observed %v, want %d %v", tt.p, got.Total().Executed, got.Observed, tt.wantExecuted, tt.wantObserved)
		}
	}
	restarted.Executed(now, restarted.Stream("in"), 100*time.Millisecond)
	if got := restarted.Snapshot(now, Last10m).Total().Executed; got != 541 {
		t.Errorf("recording after the restore: got executed %d, want 541", got)
	}
}

func TestUnmarshalKeepsHandles(t *testing.T) {
	saved := newStats(t, 0, 1)
	saved.Emitted(0, saved.Stream("b"), 2)
	saved.Emitted(0, saved.Stream("c"), 3)
	s := newStats(t, 0, 1)
	a, b := s.Stream("a"), s.Stream("b")
	s.Emitted(0, a, 1)
	if err := s.UnmarshalBinary(mustMarshal(t, saved)); err != nil {
		t.Fatal(err)
	}
	s.Emitted(0, b, 10)
	s.Emitted(0, s.Stream("c"), 10)
	var got []StreamStats
	for _, st := range s.Snapshot(0, AllTime).Streams {
		got = append(got, StreamStats{Stream: st.Stream, Emitted: st.Emitted})
	}
	want := []StreamStats{{Stream: "a"}, {Stream: "b", Emitted: 12}, {Stream: "c", Emitted: 13}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// codecBlob encodes a header and then raw parts, and signs it.
func codecBlob(task, buckets, streams uint64, parts ...[]byte) []byte {
	b := append([]byte(codecMagic), codecVersion)
	b = binary.AppendVarint(b, int64(task))
	b = binary.AppendVarint(b, 0) // start
	b = binary.AppendVarint(b, 0) // origin
	b = binary.AppendUvarint(b, buckets)
	b = binary.AppendUvarint(b, streams)
	for _, p := range parts {
		b = append(b, p...)
	}
	return codecSign(b)
}

func codecSign(body []byte) []byte {
	return binary.BigEndian.AppendUint32(body, crc32.Checksum(body, codecCRC))
}

// codecStream is a stream with every total zero and every window unwritten,
// except the first window of the first metric, which is w.
func codecStream(name string, allCount int64, w []byte) []byte {
	b := binary.AppendUvarint(nil, uint64(len(name)))
	b = append(b, name...)
	for m := range metricCount {
		b = binary.AppendVarint(b, allCount)
		b = binary.AppendVarint(b, 0)
		for p := range rollingPeriods {
			if m == 0 && p == 0 && w != nil {
				b = append(b, w...)
			} else {
				b = append(b, 0)
			}
		}
	}
	return b
}

func codecWindow(head int64, buckets int, count int64) []byte {
	b := binary.AppendVarint([]byte{1}, head)
	for range buckets {
		b = binary.AppendVarint(b, count)
		b = binary.AppendVarint(b, 0)
	}
	return b
}

// codecCut is a stream whose last window is written but has no buckets.
var codecCut = append(codecStream("a", 0, nil)[:codecStreamMin-1], codecWindow(0, 0, 0)...)

func TestUnmarshalErrors(t *testing.T) {
	valid := codecBlob(7, 2, 1, codecStream("a", 1, codecWindow(-3, 2, 4)))
	withVersion := func(v byte) []byte {
		b := bytes.Clone(valid)
		b[len(codecMagic)] = v
		return codecSign(b[:len(b)-codecCRCLen])
	}
	tests := []struct {
		name string
		data []byte
		want error // nil: must decode
	}{
		{"valid", valid, nil},
		{"no streams", codecBlob(7, 20, 0), nil},
		{"empty", nil, ErrCorrupt},
		{"bad magic", codecSign([]byte("SQMX\x01\x0e\x00\x00\x14\x00")), ErrCorrupt},
		{"version 2", withVersion(2), ErrVersion},
		{"checksum", append(bytes.Clone(valid[:len(valid)-1]), valid[len(valid)-1]^1), ErrCorrupt},
		{"other task", codecBlob(8, 2, 0), ErrTask},
		{"task over int32", codecBlob(1<<33+7, 2, 0), ErrCorrupt},
		{"zero buckets", codecBlob(7, 0, 0), ErrCorrupt},
		{"too many buckets", codecBlob(7, BucketsMax+1, 0), ErrCorrupt},
		{"more streams than bytes", codecBlob(7, 2, 3, codecStream("a", 0, nil)), ErrCorrupt},
		{"too many streams", codecBlob(7, 2, StreamsMax+1), ErrCorrupt},
		{"streams out of order", codecBlob(7, 2, 2, codecStream("b", 0, nil), codecStream("a", 0, nil)), ErrCorrupt},
		{"duplicate stream", codecBlob(7, 2, 2, codecStream("a", 0, nil), codecStream("a", 0, nil)), ErrCorrupt},
		{"name past the end", codecBlob(7, 2, 1, append([]byte{100}, bytes.Repeat([]byte{'a'}, 50)...)), ErrCorrupt},
		{"negative total", codecBlob(7, 2, 1, codecStream("a", -1, nil)), ErrCorrupt},
		{"negative bucket", codecBlob(7, 2, 1, codecStream("a", 0, codecWindow(0, 2, -1))), ErrCorrupt},
		{"window flag 2", codecBlob(7, 2, 1, codecStream("a", 0, []byte{2})), ErrCorrupt},
		{"head out of range", codecBlob(7, 2, 1, codecStream("a", 0, codecWindow(1<<62, 2, 0))), ErrCorrupt},
		{"buckets cut short", codecBlob(7, 2, 1, codecCut), ErrCorrupt},
		{"trailing byte", codecBlob(7, 2, 0, []byte{0}), ErrCorrupt},
		{"overlong varint", codecBlob(7, 2, 1, bytes.Repeat([]byte{0xff}, 50)), ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStats(t, 0, 1)
			s.Emitted(at(1), s.Stream("kept"), 5)
			before := mustMarshal(t, s)
			err := s.UnmarshalBinary(tt.data)
			if (tt.want == nil && err != nil) || !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if after := mustMarshal(t, s); tt.want != nil && !bytes.Equal(after, before) {
				t.Errorf("a failed UnmarshalBinary changed the stats")
			}
		})
	}
}

// TestUnmarshalDamage truncates a real blob at every length and flips every
// bit of it: each must fail, none may panic.
func TestUnmarshalDamage(t *testing.T) {
	s, _ := richStats(t, 4)
	blob := mustMarshal(t, s)
	into := newStats(t, 0, 1)
	for n := range len(blob) {
		if err := into.UnmarshalBinary(blob[:n]); err == nil {
			t.Fatalf("truncated to %d of %d bytes: got no error", n, len(blob))
		}
	}
	for i := range blob {
		for bit := range 8 {
			damaged := bytes.Clone(blob)
			damaged[i] ^= 1 << bit
			if err := into.UnmarshalBinary(damaged); err == nil {
				t.Fatalf("bit %d of byte %d flipped: got no error", bit, i)
			}
		}
	}
}

func FuzzUnmarshal(f *testing.F) {
	// Small seeds: the fuzzer minimizes every input that finds new coverage,
	// and minimizing a blob of kilobytes stalls fuzzing for most of a minute.
	small := newStats(f, 0, 1)
	small.Executed(at(30), small.Stream("in"), time.Millisecond)
	small.Emitted(at(700), small.Stream("out"), 2)
	f.Add(mustMarshal(f, small), false)
	f.Add(codecBlob(7, 2, 1, codecStream("a", 1, codecWindow(-3, 2, 4))), false)
	f.Add([]byte(codecMagic+"\x01\x0e\x00\x00\x02\x00"), true)
	f.Add([]byte{}, false)
	f.Fuzz(func(t *testing.T, data []byte, sign bool) {
		if sign { // let the fuzzer past the checksum, into the structure
			data = codecSign(bytes.Clone(data))
		}
		s := newStats(t, 0, 1)
		if err := s.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) && !errors.Is(err, ErrTask) {
				t.Fatalf("error %v matches no sentinel", err)
			}
			return
		}
		s.Snapshot(at(1e4), Last10m)
		s.Snapshot(at(1e4), AllTime)
		s.Executed(at(1e4), s.Stream("fuzz"), time.Millisecond)
		first := mustMarshal(t, s)
		again := newStats(t, 0, 1)
		if err := again.UnmarshalBinary(first); err != nil {
			t.Fatalf("re-decoding what decoded: %v", err)
		}
		if second := mustMarshal(t, again); !bytes.Equal(first, second) {
			t.Fatalf("round trip changed %d bytes into %d", len(first), len(second))
		}
	})
}
