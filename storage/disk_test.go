package storage

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestCrashKeepsSyncedWrites: whatever a crash loses, every write that
// returned nil is there after reopening, for many seeds. Half the seeds use
// small tables, so flushes and compactions are running when the crash hits.
func TestCrashKeepsSyncedWrites(t *testing.T) {
	const seeds = 50
	for seed := range uint64(seeds) {
		opts, rounds := Options{}, 4
		if seed%2 == 1 {
			opts, rounds = smallTables, 40
		}
		rng := rand.New(rand.NewPCG(seed, 0))
		d := NewDisk()
		s := openT(t, d.FS(), opts)
		want := writeRounds(t, s, rounds, 100)
		for crash := range 2 {
			loss := d.Crash(rng)
			_ = s.Close() // after Crash: its writes land on the old file system
			s = openT(t, d.FS(), opts)
			if got := dumpStore(t, s); got != want {
				t.Fatalf("seed %d crash %d (loss %d%%): got %d bytes of dump, want %d\n%s",
					seed, crash, loss, len(got), len(want), diffLines(got, want))
			}
		}
		closeT(t, s)
	}
}

// TestCrashDuringWrites crashes the disk while a writer is between batches
// and pebble's background flushes and compactions run, which leaves files
// with unsynced tails. Every batch acknowledged before the crash must survive,
// and every batch is all there or not at all.
//
// The writer is paused at a batch boundary for the crash itself: pebble's
// MemFS.CrashClone takes its crash lock for writing while a commit in flight
// holds it for reading and waits on a goroutine that needs it for reading,
// which deadlocks (seen under load). The simulator never crashes a disk
// with a store call in flight, so this is the case that matters.
func TestCrashDuringWrites(t *testing.T) {
	const seeds, batchOps = 20, 10
	for seed := range uint64(seeds) {
		rng := rand.New(rand.NewPCG(seed, 2))
		d := NewDisk()
		s := openT(t, d.FS(), smallTables)
		var acked atomic.Int64
		var pause atomic.Bool
		paused, resume := make(chan struct{}), make(chan struct{})
		done := make(chan error)
		go func() { // ends when a write fails, which Close below makes happen
			for b := 0; ; b++ {
				if pause.Load() {
					paused <- struct{}{}
					<-resume
				}
				ops := make([]Op, batchOps)
				for i := range ops {
					ops[i] = Op{Key: fmt.Appendf(nil, "b%05d/%d", b, i), Value: bytes.Repeat([]byte("v"), 500)}
				}
				if err := s.Apply(ops); err != nil {
					done <- err
					return
				}
				acked.Store(int64(b + 1))
			}
		}()
		target := int64(50 + rng.IntN(300))
		for acked.Load() < target {
			runtime.Gosched()
		}
		pause.Store(true)
		<-paused
		before := acked.Load()
		loss := d.Crash(rng)
		_ = s.Close()
		close(resume)
		if err := <-done; !errors.Is(err, ErrClosed) {
			t.Fatalf("seed %d: writer stopped with %v, want ErrClosed", seed, err)
		}
		s = openT(t, d.FS(), smallTables)
		counts := map[string]int{}
		err := s.Scan(nil, func(k, v []byte) error {
			counts[strings.Split(string(k), "/")[0]]++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for b := range before {
			if n := counts[fmt.Sprintf("b%05d", b)]; n != batchOps {
				t.Fatalf("seed %d (loss %d%%): acknowledged batch %d has %d of %d keys", seed, loss, b, n, batchOps)
			}
		}
		for batch, n := range counts {
			if n != batchOps {
				t.Fatalf("seed %d (loss %d%%): batch %s has %d of %d keys, want all or none", seed, loss, batch, n, batchOps)
			}
		}
		closeT(t, s)
	}
}

// TestCrashDeterministic: the same seed gives the same loss and the same
// surviving store, and the disk holds the same files.
func TestCrashDeterministic(t *testing.T) {
	run := func(seed uint64) string {
		rng := rand.New(rand.NewPCG(seed, 1))
		d := NewDisk()
		s := openT(t, d.FS(), Options{})
		writeRounds(t, s, 3, 50)
		loss := d.Crash(rng)
		_ = s.Close()
		files := dumpFS(d.mem)
		s = openT(t, d.FS(), Options{})
		defer closeT(t, s)
		return fmt.Sprintf("loss %d\n%s\n%x", loss, files, sha256.Sum256([]byte(dumpStore(t, s))))
	}
	for seed := range uint64(10) {
		first := run(seed)
		for range 2 {
			if again := run(seed); again != first {
				t.Fatalf("seed %d: runs differ:\n%s", seed, diffLines(again, first))
			}
		}
	}
}

// crashFixture builds a MemFS with synced and unsynced data:
//
//	/d/synced      10000 bytes, all synced
//	/d/grown       5000 bytes synced, then 10000 more unsynced
//	/d/replaced    synced "old", then replaced by an unsynced rename of "new"
//	/d/new         created, written and synced, but its entry never synced
//	/unsynced-dir/ a directory whose entry was never synced, holding one file
func crashFixture() *vfs.MemFS {
	fs := vfs.NewCrashableMem()
	must(fs.MkdirAll("/d", 0o755))
	write := func(name string, data []byte, sync bool) vfs.File {
		f, err := fs.Create(name, vfs.WriteCategoryUnspecified)
		must(err)
		_, err = f.Write(data)
		must(err)
		if sync {
			must(f.Sync())
		}
		return f
	}
	must(write("/d/synced", bytes.Repeat([]byte("s"), 10000), true).Close())
	grown := write("/d/grown", bytes.Repeat([]byte("g"), 5000), true)
	must(write("/d/replaced", []byte("old"), true).Close())
	syncDir(fs, "/")
	syncDir(fs, "/d")
	_, err := grown.Write(bytes.Repeat([]byte("h"), 10000))
	must(err)
	must(grown.Close())
	must(write("/d/replacement", []byte("new"), true).Close())
	must(fs.Rename("/d/replacement", "/d/replaced"))
	must(write("/d/new", []byte("fresh"), true).Close())
	must(fs.MkdirAll("/unsynced-dir", 0o755))
	must(write("/unsynced-dir/f", []byte("f"), true).Close())
	return fs
}

func syncDir(fs vfs.FS, dir string) {
	d, err := fs.OpenDir(dir)
	must(err)
	must(d.Sync())
	must(d.Close())
}

func TestCrashCloneModel(t *testing.T) {
	grownSynced := strings.Repeat("g", 5000)
	grownAll := grownSynced + strings.Repeat("h", 10000)
	tests := []struct {
		keepPercent int
		want        string
	}{
		{0, "/d/\n/d/grown " + hash(grownSynced) + "\n/d/replaced " + hash("old") + "\n/d/synced " + hash(strings.Repeat("s", 10000)) + "\n"},
		{100, "/d/\n/d/grown " + hash(grownAll) + "\n/d/new " + hash("fresh") + "\n/d/replaced " + hash("old") + "\n/d/synced " + hash(strings.Repeat("s", 10000)) + "\n/unsynced-dir/\n/unsynced-dir/f " + hash("f") + "\n"},
	}
	for _, tt := range tests {
		got := dumpFS(crashClone(crashFixture(), tt.keepPercent, rand.New(rand.NewPCG(1, 2))))
		if got != tt.want {
			t.Errorf("keep %d%%: got\n%swant\n%s", tt.keepPercent, got, tt.want)
		}
	}

	// In between, the grown file keeps its synced part and some 4 KiB blocks
	// of the rest, the ones lost before a kept one reading as zeros.
	lengths := map[int]bool{}
	for seed := range uint64(50) {
		fs := crashClone(crashFixture(), 50, rand.New(rand.NewPCG(seed, 0)))
		data := readFile(fs, "/d/grown")
		lengths[len(data)] = true
		if !strings.HasPrefix(string(data), grownSynced) {
			t.Fatalf("seed %d: grown lost synced data", seed)
		}
		for i := 5000; i < len(data); i++ {
			if data[i] != 'h' && !(data[i] == 0 && i >= 4096) {
				t.Fatalf("seed %d: grown byte %d is %q, want 'h' or a zero of a lost block", seed, i, data[i])
			}
		}
	}
	if len(lengths) < 3 {
		t.Errorf("keep 50%%: grown had lengths %v over 50 seeds, want at least 3 different", lengths)
	}
}

// TestCrashCloneDeterministic: the same draws give the same disk, which
// pebble's own CrashClone does not promise (it draws while ranging over maps).
func TestCrashCloneDeterministic(t *testing.T) {
	for seed := range uint64(20) {
		first := dumpFS(crashClone(crashFixture(), 50, rand.New(rand.NewPCG(seed, 9))))
		for range 5 {
			if again := dumpFS(crashClone(crashFixture(), 50, rand.New(rand.NewPCG(seed, 9)))); again != first {
				t.Fatalf("seed %d: clones differ:\n%s", seed, diffLines(again, first))
			}
		}
	}
}

// dumpFS lists every directory and file with a hash of its data, sorted.
func dumpFS(fs *vfs.MemFS) string {
	var lines []string
	var walk func(dir string)
	walk = func(dir string) {
		names, err := fs.List(dir)
		must(err)
		for _, name := range names {
			p := fs.PathJoin(dir, name)
			if info, err := fs.Stat(p); err == nil && info.IsDir() {
				lines = append(lines, p+"/")
				walk(p)
				continue
			}
			lines = append(lines, p+" "+hash(string(readFile(fs, p))))
		}
	}
	walk("/")
	slices.Sort(lines)
	return strings.Join(lines, "\n") + "\n"
}

func hash(s string) string {
	return fmt.Sprintf("%d:%x", len(s), sha256.Sum256([]byte(s)))[:16]
}

// diffLines shows the first lines where got and want differ.
func diffLines(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	var b strings.Builder
	for i, shown := 0, 0; i < max(len(g), len(w)) && shown < 5; i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			fmt.Fprintf(&b, "line %d: got %.80q, want %.80q\n", i, gl, wl)
			shown++
		}
	}
	return b.String()
}

// TestQuiesceLeavesNothingToCrash: with Options.Quiesce, a crash between
// calls keeps exactly the files the store held, whatever the loss, so what a
// reopened store finds does not depend on how far pebble's goroutines got.
// Without it, a file pebble's cleaner deleted after pebble's last directory
// sync (the old OPTIONS file after a reopen, an obsolete WAL after a flush)
// comes back after the crash in some runs and not in others: swarm seed 37
// replayed to two trace hashes that way.
func TestQuiesceLeavesNothingToCrash(t *testing.T) {
	for seed := range uint64(10) {
		opts := smallTables
		opts.Quiesce = true
		rng := rand.New(rand.NewPCG(seed, 3))
		d := NewDisk()
		for crash := range 4 {
			s := openT(t, d.FS(), opts)
			writeRounds(t, s, 1+int(seed%3)*10, 100)
			before := dumpFS(d.mem)
			loss := d.Crash(rng)
			_ = s.Close() // after Crash: its writes land on the old file system
			if after := dumpFS(d.mem); after != before {
				t.Fatalf("seed %d, crash %d (loss %d%%): the disk changed, got (+) want (-):\n%s",
					seed, crash, loss, diffLines(after, before))
			}
		}
	}
}
