package storage

import "errors"

// Sentinel errors. Every error a Store returns matches one of these with
// errors.Is, or wraps the error pebble or the file system returned.
var (
	// ErrClosed is returned by every call on a Store after Close.
	ErrClosed = errors.New("storage: store is closed")

	// ErrFailed is returned by every call on a Store after an I/O error made the
	// durable state of the last write unknown, or after pebble reported a fatal
	// error. The store must be closed and reopened (on a real disk: the process
	// restarted). Whether the write that failed survives is unknown; every write
	// that returned nil before it does.
	ErrFailed = errors.New("storage: store failed")

	// ErrCorrupt is returned by Open when pebble finds the store's files corrupt,
	// and by a Store whose reads hit corrupt data.
	ErrCorrupt = errors.New("storage: store is corrupt")

	// ErrKeySize is returned for a key that is empty or longer than KeySizeMax.
	ErrKeySize = errors.New("storage: key size out of bounds")

	// ErrValueSize is returned for a value longer than ValueSizeMax.
	ErrValueSize = errors.New("storage: value size out of bounds")

	// ErrBatchSize is returned by Apply for a batch with more than OpsPerBatchMax
	// operations or more than BatchBytesMax bytes of keys and values.
	ErrBatchSize = errors.New("storage: batch size out of bounds")

	// ErrOptions is returned by Open for Options out of their documented bounds.
	ErrOptions = errors.New("storage: options out of bounds")

	// ErrInjected is matched by every I/O error that a Disk's fault injector
	// made up (see Faults). It is never returned for a real I/O error.
	ErrInjected = errors.New("storage: injected I/O error")
)
