package storage

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Bounds on what a Store accepts. A caller with more (an artifact of many
// megabytes) splits it into values of at most ValueSizeMax.
const (
	KeySizeMax     = 1 << 10   // 1 KiB; keys are never empty
	ValueSizeMax   = 512 << 10 // 512 KiB
	OpsPerBatchMax = 1024      // operations in one Apply
	BatchBytesMax  = 4 << 20   // 4 MiB of keys and values in one Apply
)

// Scan reads the store in pages, and holds no lock and no pebble iterator while
// it calls fn, so fn may call any method of the Store.
const (
	scanPageEntriesMax = 256
	scanPageBytesMax   = 1 << 20
)

// Op is one write in a batch given to Apply: it sets Key to Value, or deletes
// Key when Value is nil. A non-nil empty Value sets an empty value.
type Op struct {
	Key, Value []byte
}

// Store is a local durable key-value store on one directory of a vfs.FS. Every
// write is synced before it returns: once Set, Delete or Apply return nil, the
// write survives a crash. Reads see every write that returned.
//
// A Store is safe for concurrent use. After an I/O error that leaves the
// durable state unknown, the Store fails: every later call returns an error
// matching ErrFailed, and the caller must Close it and Open the directory again.
type Store struct {
	db  *pebble.DB
	dir string

	// mu is held shared by every call into pebble and exclusively by Close, so
	// Close waits for calls in flight and no call reaches a closed pebble.
	mu     sync.RWMutex
	closed bool

	// failure holds the first cause of failure; nil while the store is healthy.
	// It is set from any goroutine: pebble's background work reports through
	// the logger and event listener.
	failure atomic.Pointer[error]
	// wedged is set when pebble panicked inside a call. Its mutexes may still be
	// held, so Close must not call into it.
	wedged atomic.Bool

	// faults is the fault injector of the Disk whose FS the store was opened
	// on, nil otherwise; faultsSeen is its fail-stop count at Open. Neither
	// changes after Open.
	faults     faultSource
	faultsSeen uint64

	// quiesceDir is the store's directory, open when Options.Quiesce is set:
	// each call then settles (waits for pebble's background work and syncs
	// it) before it returns.
	quiesceDir vfs.File
}

// Set sets key to value and syncs it. A nil value sets an empty value.
func (s *Store) Set(key, value []byte) error {
	if err := checkKey(key, -1); err != nil {
		return err
	}
	if err := checkValue(value, -1); err != nil {
		return err
	}
	return s.call("set", key, func() error {
		return s.db.Set(key, value, pebble.Sync)
	})
}

// Delete deletes key, if present, and syncs the deletion.
func (s *Store) Delete(key []byte) error {
	if err := checkKey(key, -1); err != nil {
		return err
	}
	return s.call("delete", key, func() error {
		return s.db.Delete(key, pebble.Sync)
	})
}

// Get returns a copy of the value of key, and whether key is present.
func (s *Store) Get(key []byte) (value []byte, ok bool, err error) {
	if err := checkKey(key, -1); err != nil {
		return nil, false, err
	}
	err = s.call("get", key, func() error {
		v, closer, err := s.db.Get(key)
		if errors.Is(err, pebble.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		value, ok = bytes.Clone(v), true
		if value == nil {
			value = []byte{} // present and empty, as stored
		}
		return closer.Close()
	})
	if err != nil {
		return nil, false, err
	}
	return value, ok, nil
}

// Apply applies ops atomically and syncs them: after a crash either all of
// them or none are visible, and all are once Apply returns nil. Later ops on
// the same key win. An empty ops does nothing.
func (s *Store) Apply(ops []Op) error {
	if err := checkBatch(ops); err != nil {
		return err
	}
	if len(ops) == 0 {
		return nil
	}
	return s.call("apply", nil, func() error {
		b := s.db.NewBatch()
		defer b.Close()
		for _, op := range ops {
			var err error
			if op.Value == nil {
				err = b.Delete(op.Key, nil)
			} else {
				err = b.Set(op.Key, op.Value, nil)
			}
			if err != nil {
				return err
			}
		}
		return b.Commit(pebble.Sync)
	})
}

// Close closes the store and releases its files and lock. Close on a failed
// store releases what it can and returns nil, unless pebble panicked earlier
// (see ErrFailed): then pebble cannot be closed safely, its lock on the
// directory stays held for the life of the process, and Close says so. A
// second Close returns ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.closed = true
	if s.wedged.Load() {
		return fmt.Errorf("storage: close %s: pebble panicked earlier, so it was "+
			"abandoned and its lock stays held; reopen on a new FS or restart: %w",
			s.dir, s.failed())
	}
	failedBefore := s.failureCause() != nil
	err := closePebble(s.db)
	if s.quiesceDir != nil {
		err = errors.Join(err, s.quiesceDir.Close())
	}
	if failedBefore {
		return nil // the caller already knows; pebble's complaints add nothing
	}
	if ferr := s.failed(); ferr != nil {
		return fmt.Errorf("storage: close %s: %w", s.dir, ferr)
	}
	if err != nil {
		return fmt.Errorf("storage: close %s: %w", s.dir, err)
	}
	return nil
}

// call runs fn, which calls into pebble, with the store's guards: it refuses
// a closed or failed store, turns a pebble panic into a failure, and reports a
// failure that pebble hid (a Fatalf it carried on past, or a fault the Disk
// kept from it) instead of fn's answer.
func (s *Store) call(op string, key []byte, fn func() error) (err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	if err := s.failed(); err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			s.wedged.Store(true)
			s.fail(fmt.Errorf("pebble panicked in %s: %v", op, r))
			err = s.failed()
		}
	}()
	err = fn()
	if s.quiesceDir != nil {
		s.settle()
	}
	if ferr := s.failed(); ferr != nil {
		return ferr
	}
	if err != nil {
		if key != nil {
			return fmt.Errorf("storage: %s %q: %w", op, key, err)
		}
		return fmt.Errorf("storage: %s: %w", op, err)
	}
	return nil
}

// fail records cause as the reason the store failed, unless one is recorded.
func (s *Store) fail(cause error) {
	s.failure.CompareAndSwap(nil, &cause)
}

// failureCause returns why the store failed, or nil. It first picks up a
// fail-stop fault the Disk recorded since Open.
func (s *Store) failureCause() error {
	if s.faults != nil {
		if n, last := s.faults.failStops(); n != s.faultsSeen {
			s.fail(last)
		}
	}
	if p := s.failure.Load(); p != nil {
		return *p
	}
	return nil
}

// failed returns the error every call returns once the store failed, or nil.
func (s *Store) failed() error {
	cause := s.failureCause()
	if cause == nil {
		return nil
	}
	return fmt.Errorf("%w (close and reopen it): %w", ErrFailed, cause)
}

// closePebble is db.Close with a panic turned into an error.
func closePebble(db *pebble.DB) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("pebble panicked in close: %v", r)
		}
	}()
	return db.Close()
}

// checkKey checks a key; op is its index in a batch, or -1.
func checkKey(key []byte, op int) error {
	if len(key) == 0 || len(key) > KeySizeMax {
		return fmt.Errorf("%w: %s of %d bytes, want 1 to %d",
			ErrKeySize, opLabel("key", op), len(key), KeySizeMax)
	}
	return nil
}

// checkValue checks a value; op is its index in a batch, or -1.
func checkValue(value []byte, op int) error {
	if len(value) > ValueSizeMax {
		return fmt.Errorf("%w: %s of %d bytes, want at most %d",
			ErrValueSize, opLabel("value", op), len(value), ValueSizeMax)
	}
	return nil
}

func opLabel(what string, op int) string {
	if op < 0 {
		return what
	}
	return fmt.Sprintf("op %d %s", op, what)
}

func checkBatch(ops []Op) error {
	if len(ops) > OpsPerBatchMax {
		return fmt.Errorf("%w: %d ops, want at most %d", ErrBatchSize, len(ops), OpsPerBatchMax)
	}
	total := 0
	for i, op := range ops {
		if err := checkKey(op.Key, i); err != nil {
			return err
		}
		if err := checkValue(op.Value, i); err != nil {
			return err
		}
		total += len(op.Key) + len(op.Value)
	}
	if total > BatchBytesMax {
		return fmt.Errorf("%w: %d bytes, want at most %d", ErrBatchSize, total, BatchBytesMax)
	}
	return nil
}
