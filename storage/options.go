package storage

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Options tune a Store. The zero value is ready to use and is sized for the
// simulator, where one process runs a Store per node: a small block cache and
// memtable keep Open at about a millisecond and memory at a few hundred KiB per
// idle store (pebble starts with a small memtable and grows it up to
// MemTableBytes only under write load). Real daemons may raise both.
type Options struct {
	// CacheBytes is the size of the block cache that keeps uncompressed sstable
	// blocks. Zero means CacheBytesDefault.
	CacheBytes int64

	// MemTableBytes is the largest size of one memtable; a full memtable is
	// flushed to an sstable in the background. Zero means MemTableBytesDefault.
	MemTableBytes uint64

	// Quiesce makes every call wait, before it returns, for the background
	// work pebble started (flushes, the compactions they trigger and the
	// deletion of the files they made obsolete), as Open always does. A
	// simulator sets it: the files on disk and which of them an injected fault
	// lands on then depend on the calls alone, not on how far pebble's
	// goroutines got before the next crash or read. It costs a few
	// microseconds per call, plus the flush a full memtable needs.
	Quiesce bool
}

// Bounds and defaults for Options.
const (
	CacheBytesDefault = 1 << 20  // 1 MiB
	CacheBytesMin     = 64 << 10 // 64 KiB
	CacheBytesMax     = 4 << 30  // 4 GiB

	MemTableBytesDefault = 2 << 20   // 2 MiB
	MemTableBytesMin     = 256 << 10 // 256 KiB
	MemTableBytesMax     = 256 << 20 // 256 MiB
)

// withDefaults returns o with zero fields set to their defaults, or an error
// wrapping ErrOptions when a field is out of bounds.
func (o Options) withDefaults() (Options, error) {
	if o.CacheBytes == 0 {
		o.CacheBytes = CacheBytesDefault
	}
	if o.MemTableBytes == 0 {
		o.MemTableBytes = MemTableBytesDefault
	}
	if o.CacheBytes < CacheBytesMin || o.CacheBytes > CacheBytesMax {
		return o, fmt.Errorf("%w: CacheBytes %d outside [%d, %d]",
			ErrOptions, o.CacheBytes, CacheBytesMin, CacheBytesMax)
	}
	if o.MemTableBytes < MemTableBytesMin || o.MemTableBytes > MemTableBytesMax {
		return o, fmt.Errorf("%w: MemTableBytes %d outside [%d, %d]",
			ErrOptions, o.MemTableBytes, MemTableBytesMin, MemTableBytesMax)
	}
	return o, nil
}

// pebbleOptions builds pebble's options for a Store. The caller owns the
// returned cache reference and must Unref it once pebble.Open has returned.
func (o Options) pebbleOptions(fs vfs.FS, s *Store) *pebble.Options {
	popts := &pebble.Options{
		FS:                 fs,
		Cache:              pebble.NewCache(o.CacheBytes),
		MemTableSize:       o.MemTableBytes,
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             fatalLogger{store: s},
		EventListener: &pebble.EventListener{
			// Pebble retries failed flushes and compactions by itself; the
			// write-ahead log still holds the data, so nothing is lost.
			BackgroundError: func(error) {},
			// The default listener calls Logger.Fatalf; say what happened instead.
			DataCorruption: func(info pebble.DataCorruptionInfo) {
				s.fail(fmt.Errorf("%w: %s", ErrCorrupt, info))
			},
		},
		// Pebble's own docs: asynchronous table stats "introduce significant
		// nondeterminism". They only tune tombstone compactions.
		DisableTableStats: true,
		// DisableWAL stays false: the WAL is what makes a synced write durable.
		DisableWAL: false,
	}
	// Read-triggered compactions sample reads; -1 turns the sampling off so
	// reads never change what the store does in the background.
	popts.Experimental.ReadSamplingMultiplier = -1
	return popts
}

// fatalLogger is pebble's Logger for a Store. It prints nothing: a simulator
// runs many stores and their chatter would drown the trace.
//
// Pebble calls Fatalf on errors it cannot survive, chiefly a failed WAL write or
// sync ("pebble: fatal commit error") and a failed MANIFEST write. Its default
// logger then calls os.Exit(1). Here Fatalf marks the Store failed and returns;
// pebble then carries on past the call (for a commit it returns nil, as if the
// write had succeeded), so every Store method checks the failure after calling
// pebble and returns ErrFailed instead of pebble's answer.
type fatalLogger struct{ store *Store }

func (fatalLogger) Infof(string, ...any)  {}
func (fatalLogger) Errorf(string, ...any) {}

func (l fatalLogger) Fatalf(format string, args ...any) {
	l.store.fail(errors.New("pebble fatal: " + fmt.Sprintf(format, args...)))
}
