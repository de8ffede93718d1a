package metrics

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/squall/squall/core"
)

// The binary form of TaskStats, version 1. Integers are varints (u: unsigned).
//
//	"SQMS" version:1 task start origin buckets:u streams:u
//	per stream, sorted by name:  nameLen:u name
//	  per metric (8, in metric order):  allCount allSum
//	    per rolling period (10m, 3h, 1d):  0                      never written
//	                                       1 head (count sum)×N   oldest bucket first
//	crc32c of everything before it, 4 bytes big-endian
//
// Every decoded bucket costs at least 2 bytes of input, so decoding allocates
// at most a small constant times the input's size.
const (
	codecMagic     = "SQMS"
	codecVersion   = 1
	codecHeaderLen = len(codecMagic) + 1
	codecCRCLen    = 4
	// codecStreamMin is the fewest bytes a stream takes: an empty name, two
	// zero totals and three unwritten windows per metric.
	codecStreamMin = 1 + int(metricCount)*(2+rollingPeriods)
)

var codecCRC = crc32.MakeTable(crc32.Castagnoli)

// MarshalBinary encodes the stats compactly, with a version and a checksum:
// two varints a bucket, and a byte for a window never written. Equal stats encode
// to equal bytes. The sampler's state is not saved.
func (s *TaskStats) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, s.marshalSizeHint())
	b = append(b, codecMagic...)
	b = append(b, codecVersion)
	b = binary.AppendVarint(b, int64(s.task))
	b = binary.AppendVarint(b, int64(s.start))
	b = binary.AppendVarint(b, int64(s.origin))
	b = binary.AppendUvarint(b, uint64(s.buckets))
	b = binary.AppendUvarint(b, uint64(len(s.order)))
	for _, i := range s.order {
		st := &s.streams[i]
		b = binary.AppendUvarint(b, uint64(len(st.name)))
		b = append(b, st.name...)
		for m := range st.series {
			ser := &st.series[m]
			b = binary.AppendVarint(b, ser.all.count)
			b = binary.AppendVarint(b, ser.all.sum)
			for p := range ser.rolling {
				b = codecAppendWindow(b, &ser.rolling[p])
			}
		}
	}
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, codecCRC)), nil
}

// marshalSizeHint is about the encoded size, at 2 bytes a varint: counts in
// the hundreds and latency sums of milliseconds take 2 to 4.
func (s *TaskStats) marshalSizeHint() int {
	size := 64
	for i := range s.streams {
		size += len(s.streams[i].name) + codecStreamMin + 16*int(metricCount)
		for m := range s.streams[i].series {
			for p := range s.streams[i].series[m].rolling {
				if s.streams[i].series[m].rolling[p].buckets != nil {
					size += 10 + 2*2*s.buckets
				}
			}
		}
	}
	return size
}

func codecAppendWindow(b []byte, w *Window) []byte {
	if w.buckets == nil {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.AppendVarint(b, w.head)
	slot := w.headSlot
	for range w.n {
		if slot++; slot == w.n {
			slot = 0
		}
		b = binary.AppendVarint(b, w.buckets[slot].count)
		b = binary.AppendVarint(b, w.buckets[slot].sum)
	}
	return b
}

// UnmarshalBinary replaces the stats with those encoded in data, which must be
// of the same task. Windows keep their bucket times, so a restart 30 s later
// still counts the last 9.5 minutes in the 10-minute window (after a Shift if
// the clock restarted); all-time totals come back exactly. The bucket count is
// the encoded one. Handles from Stream stay valid: a stream not in data starts
// empty. Corrupt or truncated data returns an error matching ErrCorrupt (or
// ErrVersion, ErrTask) and leaves the stats unchanged. The sampler is kept.
func (s *TaskStats) UnmarshalBinary(data []byte) error {
	core.Assert(s.sampler != nil, "UnmarshalBinary into a TaskStats not made by New")
	if len(data) < codecHeaderLen+codecCRCLen {
		return fmt.Errorf("%w: %d bytes is too short", ErrCorrupt, len(data))
	}
	if string(data[:len(codecMagic)]) != codecMagic {
		return fmt.Errorf("%w: bad magic %q", ErrCorrupt, data[:len(codecMagic)])
	}
	if v := data[len(codecMagic)]; v != codecVersion {
		return fmt.Errorf("%w: version %d, want %d", ErrVersion, v, codecVersion)
	}
	body := data[:len(data)-codecCRCLen]
	if got, want := crc32.Checksum(body, codecCRC), binary.BigEndian.Uint32(data[len(body):]); got != want {
		return fmt.Errorf("%w: checksum %08x, want %08x", ErrCorrupt, got, want)
	}
	d := decoder{b: body[codecHeaderLen:], size: len(data)}
	task := d.varint()
	start, origin := core.Time(d.varint()), core.Time(d.varint())
	buckets := int(d.uvarint(BucketsMax, "buckets"))
	count := int(d.uvarint(StreamsMax, "streams"))
	if d.err == nil && (buckets < 1 || task < math.MinInt32 || task > math.MaxInt32 || count*codecStreamMin > len(d.b)) {
		d.fail("header task %d, %d buckets, %d streams in %d bytes", task, buckets, count, len(d.b))
	}
	streams := make([]streamStats, 0, min(count, StreamsMax))
	for i := 0; i < count && d.err == nil; i++ {
		st := d.stream(buckets, origin)
		if i > 0 && st.name <= streams[i-1].name {
			d.fail("stream %q after %q", st.name, streams[i-1].name)
		}
		streams = append(streams, st)
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return d.err
	}
	if core.TaskID(task) != s.task {
		return fmt.Errorf("%w: task %d restored into task %d", ErrTask, task, s.task)
	}
	if n := s.restoredStreamCount(streams); n > StreamsMax {
		return fmt.Errorf("%w: %d streams after restore, over %d", ErrCorrupt, n, StreamsMax)
	}
	s.restore(start, origin, buckets, streams)
	return nil
}

// restoredStreamCount is how many streams restore would leave.
func (s *TaskStats) restoredStreamCount(decoded []streamStats) int {
	n := len(s.streams)
	for _, st := range decoded {
		if _, ok := s.byName[st.name]; !ok {
			n++
		}
	}
	return n
}

// restore installs decoded streams, keeping every existing handle's index.
func (s *TaskStats) restore(start, origin core.Time, buckets int, decoded []streamStats) {
	s.start, s.origin, s.buckets = start, origin, buckets
	old := s.streams
	s.streams = make([]streamStats, 0, len(old)+len(decoded))
	for _, st := range old {
		s.addStream(st.name)
	}
	for _, st := range decoded {
		if i, ok := s.byName[st.name]; ok {
			s.streams[i] = st
			continue
		}
		s.byName[st.name] = int32(len(s.streams))
		s.streams = append(s.streams, st)
	}
	s.order = s.order[:0]
	for i := range s.streams {
		s.order = append(s.order, int32(i))
	}
	slices.SortFunc(s.order, func(a, b int32) int { return strings.Compare(s.streams[a].name, s.streams[b].name) })
}

// decoder reads varints from b; the first failure sticks in err and turns
// every later read into a zero.
type decoder struct {
	b    []byte
	size int // of the whole input, to report offsets
	err  error
}

// offset is where the next read starts in the input.
func (d *decoder) offset() int { return d.size - len(d.b) }

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
	}
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("bad varint at byte %d", d.offset())
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) uvarint(limit uint64, what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > limit {
		d.fail("bad %s at byte %d", what, d.offset())
		return 0
	}
	d.b = d.b[n:]
	return v
}

// counter reads a count or sum, which is never negative.
func (d *decoder) counter() int64 {
	v := d.varint()
	if v < 0 {
		d.fail("negative count %d before byte %d", v, d.offset())
		return 0
	}
	return v
}

func (d *decoder) stream(buckets int, origin core.Time) streamStats {
	nameLen := int(d.uvarint(StreamNameMax, "stream name length"))
	if d.err == nil && nameLen > len(d.b) {
		d.fail("stream name of %d bytes at byte %d, %d left", nameLen, d.offset(), len(d.b))
	}
	if d.err != nil {
		return streamStats{}
	}
	st := streamStats{name: string(d.b[:nameLen])}
	d.b = d.b[nameLen:]
	for m := range st.series {
		ser := &st.series[m]
		ser.all = total{count: d.counter(), sum: d.counter()}
		for p := range ser.rolling {
			d.window(&ser.rolling[p], periodLengths[p], buckets, origin)
		}
	}
	return st
}

func (d *decoder) window(w *Window, span time.Duration, buckets int, origin core.Time) {
	w.init(span, buckets, origin)
	if d.err != nil {
		return
	}
	if len(d.b) == 0 || d.b[0] > 1 {
		d.fail("bad window flag at byte %d", d.offset())
		return
	}
	written := d.b[0] == 1
	d.b = d.b[1:]
	if !written {
		return
	}
	head := d.varint()
	if limit := math.MaxInt64 / int64(w.width); head > limit || head < -limit {
		d.fail("window head %d out of range", head)
	}
	if d.err == nil && len(d.b) < 2*buckets {
		d.fail("%d buckets in the last %d bytes", buckets, len(d.b))
	}
	if d.err != nil {
		return
	}
	w.buckets = make([]bucket, w.n)
	w.setHead(head)
	slot := w.headSlot
	for range w.n {
		if slot++; slot == w.n {
			slot = 0
		}
		w.buckets[slot] = bucket{count: d.counter(), sum: d.counter()}
	}
}
