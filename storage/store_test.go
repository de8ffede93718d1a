package storage

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// smallTables makes pebble flush and compact after little data, so tests reach
// sstables and the MANIFEST quickly.
var smallTables = Options{MemTableBytes: MemTableBytesMin}

func openT(t testing.TB, fs vfs.FS, opts Options) *Store {
	t.Helper()
	s, err := Open(fs, "/node/db", opts)
	if err != nil {
		t.Fatalf("Open: got error %v, want nil", err)
	}
	return s
}

func closeT(t testing.TB, s *Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: got error %v, want nil", err)
	}
}

// dumpStore returns every key and value, one "key=value" per line.
func dumpStore(t testing.TB, s *Store) string {
	t.Helper()
	var b strings.Builder
	err := s.Scan(nil, func(k, v []byte) error {
		fmt.Fprintf(&b, "%s=%s\n", k, v)
		return nil
	})
	if err != nil {
		t.Fatalf("Scan: got error %v, want nil", err)
	}
	return b.String()
}

func TestStoreOps(t *testing.T) {
	type step struct {
		op         string // set, delete, apply
		key, value string
		ops        []Op
	}
	tests := []struct {
		name  string
		steps []step
		want  string
	}{
		{"empty", nil, ""},
		{"set", []step{{op: "set", key: "a", value: "1"}}, "a=1\n"},
		{"overwrite", []step{{op: "set", key: "a", value: "1"}, {op: "set", key: "a", value: "2"}}, "a=2\n"},
		{"delete", []step{{op: "set", key: "a", value: "1"}, {op: "delete", key: "a"}}, ""},
		{"delete absent", []step{{op: "delete", key: "a"}}, ""},
		{"empty value", []step{{op: "set", key: "a", value: ""}}, "a=\n"},
		{"sorted", []step{{op: "set", key: "b", value: "2"}, {op: "set", key: "a", value: "1"}, {op: "set", key: "c", value: "3"}}, "a=1\nb=2\nc=3\n"},
		{"apply", []step{
			{op: "set", key: "gone", value: "x"},
			{op: "apply", ops: []Op{{Key: []byte("k1"), Value: []byte("v1")}, {Key: []byte("gone")}, {Key: []byte("k1"), Value: []byte("v2")}}},
		}, "k1=v2\n"},
		{"apply empty", []step{{op: "apply"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openT(t, vfs.NewMem(), Options{})
			defer closeT(t, s)
			for _, st := range tt.steps {
				var err error
				switch st.op {
				case "set":
					err = s.Set([]byte(st.key), []byte(st.value))
				case "delete":
					err = s.Delete([]byte(st.key))
				case "apply":
					err = s.Apply(st.ops)
				}
				if err != nil {
					t.Fatalf("%s %q: got error %v, want nil", st.op, st.key, err)
				}
			}
			if got := dumpStore(t, s); got != tt.want {
				t.Errorf("store: got\n%swant\n%s", got, tt.want)
			}
		})
	}
}

func TestStoreGet(t *testing.T) {
	s := openT(t, vfs.NewMem(), Options{})
	defer closeT(t, s)
	if err := s.Set([]byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := s.Set([]byte("empty"), nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key    string
		want   []byte
		wantOK bool
	}{
		{"k", []byte("v"), true},
		{"empty", []byte{}, true},
		{"absent", nil, false},
	}
	for _, tt := range tests {
		got, ok, err := s.Get([]byte(tt.key))
		if err != nil || ok != tt.wantOK || !bytes.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("Get(%q): got %q, %v, %v; want %q, %v, nil", tt.key, got, ok, err, tt.want, tt.wantOK)
		}
	}
	// The value is a copy: changing it changes nothing stored.
	got, _, _ := s.Get([]byte("k"))
	got[0] = 'X'
	if again, _, _ := s.Get([]byte("k")); string(again) != "v" {
		t.Errorf("Get after changing a returned value: got %q, want %q", again, "v")
	}
}

func TestStoreScan(t *testing.T) {
	s := openT(t, vfs.NewMem(), Options{})
	defer closeT(t, s)
	keys := []string{"a", "a/1", "a/2", "a\xff", "a\xff\xff", "b", "b/1", "\xff", "\xff\xff"}
	for _, k := range keys {
		if err := s.Set([]byte(k), []byte("v"+k)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", keys},
		{"a", []string{"a", "a/1", "a/2", "a\xff", "a\xff\xff"}},
		{"a/", []string{"a/1", "a/2"}},
		{"a\xff", []string{"a\xff", "a\xff\xff"}},
		{"\xff", []string{"\xff", "\xff\xff"}},
		{"b/1", []string{"b/1"}},
		{"c", nil},
	}
	for _, tt := range tests {
		var got []string
		err := s.Scan([]byte(tt.prefix), func(k, v []byte) error {
			if string(v) != "v"+string(k) {
				t.Errorf("Scan(%q): key %q has value %q, want %q", tt.prefix, k, v, "v"+string(k))
			}
			got = append(got, string(k))
			return nil
		})
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("Scan(%q): got %q, %v; want %q, nil", tt.prefix, got, err, tt.want)
		}
	}
}

func TestStoreScanPages(t *testing.T) {
	s := openT(t, vfs.NewMem(), Options{})
	defer s.Close() // the last scan closes it
	const n = 3*scanPageEntriesMax + 7
	ops := make([]Op, 0, n)
	for i := range n {
		ops = append(ops, Op{Key: fmt.Appendf(nil, "m/%05d", i), Value: []byte("v")})
	}
	if err := s.Apply(ops); err != nil {
		t.Fatal(err)
	}

	// Every key once, in order, across pages; fn may write to the store.
	i := 0
	err := s.Scan([]byte("m/"), func(k, v []byte) error {
		if want := fmt.Sprintf("m/%05d", i); string(k) != want {
			return fmt.Errorf("key %d: got %q, want %q", i, k, want)
		}
		i++
		return s.Delete(k)
	})
	if err != nil || i != n {
		t.Fatalf("Scan: got %d keys, error %v; want %d, nil", i, err, n)
	}
	if got := dumpStore(t, s); got != "" {
		t.Errorf("after deleting during the scan: got %q, want empty", got)
	}

	// fn's error stops the scan and comes back as it is.
	if err := s.Apply(ops); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	calls := 0
	err = s.Scan(nil, func(k, v []byte) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Errorf("Scan with fn failing: got %d calls, error %v; want 1, %v", calls, err, stop)
	}

	// fn may close the store; the next page then reports it.
	err = s.Scan(nil, func(k, v []byte) error { return s.Close() })
	if !errors.Is(err, ErrClosed) {
		t.Errorf("Scan after fn closed the store: got error %v, want ErrClosed", err)
	}
}

func TestStoreBounds(t *testing.T) {
	s := openT(t, vfs.NewMem(), Options{})
	defer closeT(t, s)
	long := func(n int) []byte { return bytes.Repeat([]byte("x"), n) }
	manyOps := make([]Op, OpsPerBatchMax+1)
	for i := range manyOps {
		manyOps[i] = Op{Key: fmt.Appendf(nil, "k%d", i)}
	}
	bigOps := make([]Op, BatchBytesMax/ValueSizeMax+1)
	for i := range bigOps {
		bigOps[i] = Op{Key: fmt.Appendf(nil, "k%d", i), Value: long(ValueSizeMax)}
	}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"set empty key", s.Set(nil, []byte("v")), ErrKeySize},
		{"set long key", s.Set(long(KeySizeMax+1), nil), ErrKeySize},
		{"set longest key", s.Set(long(KeySizeMax), nil), nil},
		{"set long value", s.Set([]byte("k"), long(ValueSizeMax+1)), ErrValueSize},
		{"set longest value", s.Set([]byte("k"), long(ValueSizeMax)), nil},
		{"delete empty key", s.Delete(nil), ErrKeySize},
		{"get long key", func() error { _, _, err := s.Get(long(KeySizeMax + 1)); return err }(), ErrKeySize},
		{"scan long prefix", s.Scan(long(KeySizeMax+1), nil), ErrKeySize},
		{"apply empty key", s.Apply([]Op{{Key: []byte("a")}, {Key: nil}}), ErrKeySize},
		{"apply long value", s.Apply([]Op{{Key: []byte("a"), Value: long(ValueSizeMax + 1)}}), ErrValueSize},
		{"apply many ops", s.Apply(manyOps), ErrBatchSize},
		{"apply most ops", s.Apply(manyOps[:OpsPerBatchMax]), nil},
		{"apply many bytes", s.Apply(bigOps), ErrBatchSize},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) || (tt.want == nil) != (tt.err == nil) {
			t.Errorf("%s: got error %v, want %v", tt.name, tt.err, tt.want)
		}
	}
}

func TestOpenOptionsBounds(t *testing.T) {
	tests := []struct {
		opts Options
		want error
	}{
		{Options{}, nil},
		{Options{CacheBytes: CacheBytesMin, MemTableBytes: MemTableBytesMax}, nil},
		{Options{CacheBytes: CacheBytesMin - 1}, ErrOptions},
		{Options{CacheBytes: -1}, ErrOptions},
		{Options{MemTableBytes: MemTableBytesMin - 1}, ErrOptions},
		{Options{MemTableBytes: MemTableBytesMax + 1}, ErrOptions},
	}
	for _, tt := range tests {
		s, err := Open(vfs.NewMem(), "/db", tt.opts)
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("Open(%+v): got error %v, want %v", tt.opts, err, tt.want)
		}
		if s != nil {
			closeT(t, s)
		}
	}
}

func TestStoreClosed(t *testing.T) {
	s := openT(t, vfs.NewMem(), Options{})
	closeT(t, s)
	_, _, getErr := s.Get([]byte("k"))
	for name, err := range map[string]error{
		"set":    s.Set([]byte("k"), nil),
		"delete": s.Delete([]byte("k")),
		"get":    getErr,
		"apply":  s.Apply([]Op{{Key: []byte("k")}}),
		"scan":   s.Scan(nil, func(k, v []byte) error { return nil }),
		"close":  s.Close(),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: got error %v, want ErrClosed", name, err)
		}
	}
}

// TestStoreReopen writes enough for flushes and compactions, so the data
// survives through sstables, the MANIFEST and the write-ahead log.
func TestStoreReopen(t *testing.T) {
	fs := vfs.NewMem()
	s := openT(t, fs, smallTables)
	want := writeRounds(t, s, 20, 100)
	closeT(t, s)
	names, _ := fs.List("/node/db")
	if !strings.Contains(strings.Join(names, " "), ".sst") {
		t.Fatalf("files %v: want some sstables", names)
	}
	for round := range 3 {
		s = openT(t, fs, smallTables)
		if got := dumpStore(t, s); got != want {
			t.Fatalf("reopen %d: got %d bytes of dump, want %d", round, len(got), len(want))
		}
		closeT(t, s)
	}
}

// writeRounds applies rounds batches of n sets (and a delete of every tenth
// key of the round before), and returns the dump the store should give.
func writeRounds(t testing.TB, s *Store, rounds, n int) string {
	t.Helper()
	model := map[string]string{}
	for r := range rounds {
		var ops []Op
		for i := range n {
			k, v := fmt.Sprintf("key/%04d", r*n+i), fmt.Sprintf("%0200d", r*n+i)
			ops = append(ops, Op{Key: []byte(k), Value: []byte(v)})
			model[k] = v
			if r > 0 && i%10 == 0 {
				old := fmt.Sprintf("key/%04d", (r-1)*n+i)
				ops = append(ops, Op{Key: []byte(old)})
				delete(model, old)
			}
		}
		if err := s.Apply(ops); err != nil {
			t.Fatalf("Apply round %d: got error %v, want nil", r, err)
		}
	}
	return dumpModel(model)
}

func dumpModel(model map[string]string) string {
	keys := make([]string, 0, len(model))
	for k := range model {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, model[k])
	}
	return b.String()
}

// TestOpenCorrupt damages one file of a store; Open must say the store is
// corrupt. Damage pebble cannot tell from a torn write (a short MANIFEST or
// write-ahead log) opens without error, as it would after a crash; it is not
// listed here.
func TestOpenCorrupt(t *testing.T) {
	tests := []struct {
		name   string
		file   func(name string) bool
		damage func(fs vfs.FS, path string)
	}{
		{"garbled MANIFEST", hasPrefix("MANIFEST-"), garble},
		{"missing MANIFEST", hasPrefix("MANIFEST-"), remove},
		{"garbled OPTIONS", hasPrefix("OPTIONS-"), garble},
		{"missing sstable", hasSuffix(".sst"), remove},
		{"short sstable", hasSuffix(".sst"), truncate},
		{"missing MANIFEST marker", hasPrefix("marker.manifest."), remove},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := vfs.NewMem()
			s := openT(t, fs, smallTables)
			writeRounds(t, s, 20, 100)
			closeT(t, s)
			names, _ := fs.List("/node/db")
			slices.Sort(names)
			victim := ""
			for _, n := range names {
				if tt.file(n) {
					victim = n
				}
			}
			if victim == "" {
				t.Fatalf("no file to damage among %v", names)
			}
			tt.damage(fs, "/node/db/"+victim)
			s, err := Open(fs, "/node/db", smallTables)
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("Open after damaging %s: got error %v, want ErrCorrupt", victim, err)
			}
			if s != nil {
				closeT(t, s)
			}
		})
	}
}

// TestReadCorruptSSTable: a garbled sstable opens (pebble reads its footer
// lazily) but reading it fails the store with ErrCorrupt.
func TestReadCorruptSSTable(t *testing.T) {
	fs := vfs.NewMem()
	s := openT(t, fs, smallTables)
	writeRounds(t, s, 20, 100)
	closeT(t, s)
	names, _ := fs.List("/node/db")
	for _, n := range names {
		if strings.HasSuffix(n, ".sst") {
			garble(fs, "/node/db/"+n)
		}
	}
	s, err := Open(fs, "/node/db", smallTables)
	if err != nil {
		// Also fine: pebble may read a table while opening.
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Open: got error %v, want nil or ErrCorrupt", err)
		}
		return
	}
	defer s.Close()
	err = s.Scan(nil, func(k, v []byte) error { return nil })
	if !errors.Is(err, ErrCorrupt) || !errors.Is(err, ErrFailed) {
		t.Errorf("Scan of garbled tables: got error %v, want ErrCorrupt and ErrFailed", err)
	}
	if err := s.Set([]byte("k"), nil); !errors.Is(err, ErrFailed) {
		t.Errorf("Set after corruption: got error %v, want ErrFailed", err)
	}
}

func hasPrefix(p string) func(string) bool {
	return func(n string) bool { return strings.HasPrefix(n, p) }
}
func hasSuffix(s string) func(string) bool {
	return func(n string) bool { return strings.HasSuffix(n, s) }
}

func garble(fs vfs.FS, path string) {
	data := readAll(fs, path)
	for i := range data {
		if i%7 == 3 {
			data[i] ^= 0x5a
		}
	}
	rewrite(fs, path, data)
}

func truncate(fs vfs.FS, path string) {
	data := readAll(fs, path)
	rewrite(fs, path, data[:len(data)/2])
}

func remove(fs vfs.FS, path string) {
	if err := fs.Remove(path); err != nil {
		panic(err)
	}
}

func readAll(fs vfs.FS, path string) []byte {
	f, err := fs.Open(path)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		panic(err)
	}
	data := make([]byte, info.Size())
	if _, err := f.ReadAt(data, 0); err != nil {
		panic(err)
	}
	return data
}

func rewrite(fs vfs.FS, path string, data []byte) {
	remove(fs, path)
	f, err := fs.Create(path, vfs.WriteCategoryUnspecified)
	if err != nil {
		panic(err)
	}
	if _, err := f.Write(data); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}

// TestPebbleFatalFailsStore writes through plain errorfs, as a real disk would
// fail: the WAL sync error reaches pebble, which calls Logger.Fatalf and then
// returns nil from the commit. The Store must report the failure instead.
func TestPebbleFatalFailsStore(t *testing.T) {
	mem := vfs.NewMem()
	toggle := &errorfs.Toggle{Injector: errorfs.InjectorFunc(func(op errorfs.Op) error {
		if strings.HasSuffix(op.Path, ".log") && op.Kind == errorfs.OpFileSyncData {
			return errorfs.ErrInjected
		}
		return nil
	})}
	fs := errorfs.Wrap(mem, toggle)
	s := openT(t, fs, Options{})
	if err := s.Set([]byte("before"), []byte("1")); err != nil {
		t.Fatal(err)
	}
	toggle.On()
	err := s.Set([]byte("during"), []byte("2"))
	if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "fatal commit error") {
		t.Fatalf("Set with the WAL sync failing: got error %v, want ErrFailed naming pebble's fatal commit error", err)
	}
	if _, _, err := s.Get([]byte("before")); !errors.Is(err, ErrFailed) {
		t.Errorf("Get after failure: got error %v, want ErrFailed", err)
	}
	toggle.Off()
	if err := s.Close(); err != nil {
		t.Errorf("Close of a failed store: got error %v, want nil", err)
	}
	s = openT(t, fs, Options{})
	defer closeT(t, s)
	if v, ok, err := s.Get([]byte("before")); string(v) != "1" || !ok || err != nil {
		t.Errorf("Get(before) after reopen: got %q, %v, %v; want %q, true, nil", v, ok, err, "1")
	}
}

// TestPebblePanicWedgesStore: a pebble panic inside a call fails the store,
// and Close then says pebble was abandoned rather than calling into it.
func TestPebblePanicWedgesStore(t *testing.T) {
	s := openT(t, vfs.NewMem(), Options{})
	err := s.call("test", nil, func() error { panic("boom") })
	if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("call panicking: got error %v, want ErrFailed naming the panic", err)
	}
	if err := s.Set([]byte("k"), nil); !errors.Is(err, ErrFailed) {
		t.Errorf("Set after the panic: got error %v, want ErrFailed", err)
	}
	if err := s.Close(); !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "abandoned") {
		t.Errorf("Close after the panic: got error %v, want ErrFailed saying pebble was abandoned", err)
	}
}

// BenchmarkSet measures synced sets of 100-byte values: on a plain MemFS,
// where a sync is free, and on a Disk, whose crashable MemFS copies the file's
// data on every sync (so a WAL nearer MemTableBytes makes syncs dearer).
func BenchmarkSet(b *testing.B) {
	for _, bench := range []struct {
		name string
		fs   func() vfs.FS
	}{
		{"MemFS", func() vfs.FS { return vfs.NewMem() }},
		{"Disk", func() vfs.FS { return NewDisk().FS() }},
	} {
		b.Run(bench.name, func(b *testing.B) {
			s := openT(b, bench.fs(), Options{})
			defer closeT(b, s)
			value := bytes.Repeat([]byte("v"), 100)
			sets := 0
			for b.Loop() {
				if err := s.Set(fmt.Appendf(nil, "key/%08d", sets), value); err != nil {
					b.Fatal(err)
				}
				sets++
			}
			b.ReportMetric(float64(sets)/b.Elapsed().Seconds(), "sets/s")
		})
	}
}

// BenchmarkOpen measures opening a new store on a Disk, and reopening one.
func BenchmarkOpen(b *testing.B) {
	b.Run("new", func(b *testing.B) {
		for b.Loop() {
			closeT(b, openT(b, NewDisk().FS(), Options{}))
		}
	})
	b.Run("reopen", func(b *testing.B) {
		d := NewDisk()
		s := openT(b, d.FS(), Options{})
		writeRounds(b, s, 10, 100)
		closeT(b, s)
		for b.Loop() {
			closeT(b, openT(b, d.FS(), Options{}))
		}
	})
}
