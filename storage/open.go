package storage

import (
	"errors"
	"fmt"
	iofs "io/fs"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Open opens the store in dir on fs, creating it if it does not exist. It
// replays pebble's write-ahead log, so a store reopened after a crash holds
// every write that was acknowledged before it. An error matching ErrCorrupt
// means pebble found the files corrupt.
func Open(fs vfs.FS, dir string, opts Options) (*Store, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", dir, err)
	}
	s := &Store{dir: dir}
	if src, ok := fs.(faultSource); ok {
		s.faults = src
		s.faultsSeen, _ = src.failStops()
	}
	if err := checkManifestMarker(fs, dir); err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", dir, err)
	}
	if err := makeDirDurable(fs, dir); err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", dir, err)
	}
	popts := opts.pebbleOptions(fs, s)
	db, err := openPebble(dir, popts)
	popts.Cache.Unref() // pebble holds its own reference while open
	if cause := s.failureCause(); cause != nil {
		if db != nil {
			_ = closePebble(db) // best effort: the open already failed
		}
		err = cause
	}
	if err != nil {
		if isCorruption(err) && !errors.Is(err, ErrCorrupt) {
			return nil, fmt.Errorf("storage: open %s: %w: %w", dir, ErrCorrupt, err)
		}
		return nil, fmt.Errorf("storage: open %s: %w", dir, err)
	}
	s.db = db
	if opts.Quiesce {
		if err := s.openQuiesceDir(fs); err != nil {
			_ = closePebble(db) // best effort: the open already failed
			return nil, fmt.Errorf("storage: open %s: %w", dir, err)
		}
	}
	s.settle()
	return s, nil
}

// openQuiesceDir opens the store's directory for settle's syncs. Opening it
// here, once, keeps settle from drawing a Disk's faults on every call.
func (s *Store) openQuiesceDir(fs vfs.FS) error {
	d, err := fs.OpenDir(s.dir)
	if err != nil {
		return err
	}
	s.quiesceDir = d
	return nil
}

// settle waits for pebble's background work (see awaitBackgroundWork) and,
// with Options.Quiesce, then syncs the store's directory. Pebble's cleaner
// deletes obsolete files on its own goroutine, racing the directory syncs
// pebble makes on the caller's: whether a deletion was synced, and so whether
// the file comes back after a crash, depended on that race (swarm seed 37 had
// 000002.log back after one replay's crash and not after another's). Synced
// here, the directory a crash keeps is the one the calls made.
func (s *Store) settle() {
	s.awaitBackgroundWork()
	if s.quiesceDir == nil {
		return
	}
	if err := s.quiesceDir.Sync(); err != nil {
		s.fail(fmt.Errorf("sync %s: %w", s.dir, err))
	}
}

// awaitBackgroundWorkPolls bounds the wait in awaitBackgroundWork: 2000 polls
// of 1 ms each are far more than a flush or compaction of a store sized for
// the simulator takes.
const awaitBackgroundWorkPolls = 2000

// awaitBackgroundWork waits, boundedly, for pebble's background work to
// finish: the flush of the replayed (or a full) memtable, the compactions it
// triggered, and the deletion of the files they made obsolete. Pebble runs
// them on its own goroutines after the call that started them returned;
// letting them finish first makes what a store does next (file numbers, which
// files exist at a crash, which files the faults of a Disk land on) repeat for
// a seed.
func (s *Store) awaitBackgroundWork() {
	for range awaitBackgroundWorkPolls {
		m := s.db.Metrics()
		if m.Flush.NumInProgress == 0 && m.Compact.NumInProgress == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	// Flushes and compactions queue their obsolete files for pebble's cleaner
	// goroutine before they stop counting as in progress; this waits for the
	// jobs queued so far. Despite its name it is only a wait on pebble's
	// cleanup queue, with no effect on the store's state.
	s.db.TestOnlyWaitForCleaning()
}

// makeDirDurable creates dir if needed and syncs every directory above it, so
// its entry survives a crash. Pebble syncs the parents only of directories it
// creates itself: if an earlier Open created them and then failed before
// syncing, no later Open would, and a crash could take the whole store away.
func makeDirDurable(fs vfs.FS, dir string) error {
	if err := fs.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for p := dir; fs.PathDir(p) != p; p = fs.PathDir(p) {
		parent, err := fs.OpenDir(fs.PathDir(p))
		if err != nil {
			return err
		}
		err = parent.Sync()
		if cerr := parent.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// checkManifestMarker returns an error matching ErrCorrupt when dir holds
// sstables but no MANIFEST marker. Pebble would open such a store as a new one
// and replay only its write-ahead logs, silently dropping every flushed write.
// Without sstables the logs still hold every write, so pebble's choice is safe,
// and a crash during the very first Open may legitimately leave no marker.
func checkManifestMarker(fs vfs.FS, dir string) error {
	names, err := fs.List(dir)
	if err != nil {
		return nil // no directory yet, or one pebble will fail to read and say so
	}
	tables, marker := 0, false
	for _, name := range names {
		tables += boolToInt(strings.HasSuffix(name, ".sst"))
		marker = marker || strings.HasPrefix(name, "marker.manifest.")
	}
	if tables > 0 && !marker {
		return fmt.Errorf("%w: %d sstables but no MANIFEST marker", ErrCorrupt, tables)
	}
	return nil
}

// isCorruption reports whether an error from pebble.Open means the files are
// corrupt: pebble says so, a file its metadata names is missing (Open creates
// the directory, so nothing else is missing), or its consistency check found a
// table of the wrong size (an error pebble v2.1.7 does not mark; a test pins
// the message).
func isCorruption(err error) bool {
	return pebble.IsCorruptionError(err) || errors.Is(err, iofs.ErrNotExist) ||
		strings.Contains(err.Error(), "object size mismatch")
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// openPebble is pebble.Open with a panic turned into an error.
func openPebble(dir string, popts *pebble.Options) (db *pebble.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("pebble panicked in open: %v", r)
		}
	}()
	return pebble.Open(dir, popts)
}
