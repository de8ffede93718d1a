package artifact

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/squall/squall/core/protocol"
)

// Errors. Each is wrapped with the digest or path it concerns.
var (
	ErrNotFound       = errors.New("artifact: not found")
	ErrDigestMismatch = errors.New("artifact: digest mismatch")
	ErrTooLarge       = errors.New("artifact: too large")
	ErrBadDigest      = errors.New("artifact: malformed digest")
	ErrCorrupt        = errors.New("artifact: corrupt")
)

const (
	// tempPrefix starts the name of a file being written; List ignores such
	// files and Open removes those a crash left behind.
	tempPrefix = ".tmp-"
	// fileMode makes a stored program executable by its owner and readable
	// (and executable) by others, like a binary installed by hand.
	fileMode os.FileMode = 0o755
)

// Store is a directory of programs named by the sha256 of their content.
// It is safe for concurrent use; one process owns a directory.
type Store struct {
	dir      string
	maxBytes int64
	// mu orders renames into place against Verify's removal of a corrupt
	// file, so Verify never removes a good copy a Put just installed.
	mu sync.Mutex
}

// Open opens (creating if needed) the store in dir; maxBytes bounds the size
// of one artifact. Temporary files a crash left behind are removed.
func Open(dir string, maxBytes int64) (*Store, error) {
	if maxBytes <= 0 {
		return nil, fmt.Errorf("artifact: open %s: maxBytes %d must be positive", dir, maxBytes)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("artifact: open: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("artifact: open: %w", err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return nil, fmt.Errorf("artifact: open: remove leftover: %w", err)
			}
		}
	}
	return &Store{dir: dir, maxBytes: maxBytes}, nil
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// MaxBytes is the largest artifact the store accepts.
func (s *Store) MaxBytes() int64 { return s.maxBytes }

// Put stores r's content and returns its digest. When want is not empty, the
// content must hash to it, or nothing is stored and the error wraps
// ErrDigestMismatch. Content longer than the store's maxBytes is refused
// with ErrTooLarge. The file is synced and renamed into place, so a stored
// artifact is always complete, and it is executable.
func (s *Store) Put(r io.Reader, want string) (digest string, err error) {
	if want != "" && !protocol.ValidDigest(want) {
		return "", fmt.Errorf("%w: %q", ErrBadDigest, want)
	}
	tmp, err := os.CreateTemp(s.dir, tempPrefix+"*")
	if err != nil {
		return "", fmt.Errorf("artifact: put: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	digest, err = s.putCopy(tmp, r)
	if err != nil {
		return "", err
	}
	if want != "" && digest != want {
		return "", fmt.Errorf("%w: got %s, want %s", ErrDigestMismatch, digest, want)
	}
	if err = putSync(tmp); err != nil {
		return "", err
	}
	if err = s.install(tmp.Name(), digest); err != nil {
		return "", err
	}
	return digest, nil
}

// putCopy copies at most maxBytes from r into f, hashing as it goes.
func (s *Store) putCopy(f *os.File, r io.Reader) (string, error) {
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, s.maxBytes+1))
	if err != nil {
		return "", fmt.Errorf("artifact: put: %w", err)
	}
	if n > s.maxBytes {
		return "", fmt.Errorf("%w: more than %d bytes", ErrTooLarge, s.maxBytes)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// putSync makes f's content durable and executable, and closes it.
func putSync(f *os.File) error {
	if err := f.Chmod(fileMode); err != nil {
		return fmt.Errorf("artifact: put: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("artifact: put: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("artifact: put: %w", err)
	}
	return nil
}

// install renames a synced temporary file to its digest and syncs the
// directory, so the name survives a crash. A copy already in place stays:
// it has the same content, and a running worker may be executing it.
func (s *Store) install(tmp, digest string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	final := filepath.Join(s.dir, digest)
	if fi, err := os.Stat(final); err == nil && fi.Mode().IsRegular() {
		if err := os.Remove(tmp); err != nil {
			return fmt.Errorf("artifact: put: %w", err)
		}
		return nil
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("artifact: put: %w", err)
	}
	return s.syncDir()
}

func (s *Store) syncDir() error {
	d, err := os.Open(s.dir)
	if err != nil {
		return fmt.Errorf("artifact: sync dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("artifact: sync dir: %w", err)
	}
	return nil
}

// Has reports whether the store holds the artifact.
func (s *Store) Has(digest string) bool {
	_, err := s.Path(digest)
	return err == nil
}

// Path is the artifact's file, to execute it.
func (s *Store) Path(digest string) (string, error) {
	if !protocol.ValidDigest(digest) {
		return "", fmt.Errorf("%w: %q", ErrBadDigest, digest)
	}
	p := filepath.Join(s.dir, digest)
	fi, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) || (err == nil && !fi.Mode().IsRegular()) {
		return "", fmt.Errorf("%w: %s", ErrNotFound, digest)
	}
	if err != nil {
		return "", fmt.Errorf("artifact: %w", err)
	}
	return p, nil
}

// Open opens the artifact for reading and returns its size in bytes.
func (s *Store) Open(digest string) (io.ReadCloser, int64, error) {
	p, err := s.Path(digest)
	if err != nil {
		return nil, 0, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, fmt.Errorf("%w: %s", ErrNotFound, digest) // removed since Path
	}
	if err != nil {
		return nil, 0, fmt.Errorf("artifact: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("artifact: %w", err)
	}
	return f, fi.Size(), nil
}

// List returns the stored digests, sorted.
func (s *Store) List() ([]string, error) {
	entries, err := os.ReadDir(s.dir) // sorted by name
	if err != nil {
		return nil, fmt.Errorf("artifact: list: %w", err)
	}
	out := []string{}
	for _, e := range entries {
		if e.Type().IsRegular() && protocol.ValidDigest(e.Name()) {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// Remove deletes the artifact; removing an absent one is not an error.
// Running workers keep executing their open copy.
func (s *Store) Remove(digest string) error {
	if !protocol.ValidDigest(digest) {
		return fmt.Errorf("%w: %q", ErrBadDigest, digest)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	err := os.Remove(filepath.Join(s.dir, digest))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("artifact: remove: %w", err)
	}
	return nil
}

// Verify re-hashes a stored artifact. A file whose content no longer
// matches its name (a bad disk, a hand edit) is removed, so the next fetch
// replaces it, and the error wraps ErrCorrupt.
func (s *Store) Verify(digest string) error {
	p, err := s.Path(digest)
	if err != nil {
		return err
	}
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("artifact: verify: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("artifact: verify %s: %w", digest, err)
	}
	got := hex.EncodeToString(h.Sum(nil))
	if got == digest {
		return nil
	}
	if err := s.removeIfSame(p, f); err != nil {
		return err
	}
	return fmt.Errorf("%w: %s hashes to %s; removed", ErrCorrupt, digest, got)
}

// removeIfSame removes p if it is still the file f, not a good copy a
// concurrent Put renamed into place since f was opened.
func (s *Store) removeIfSame(p string, f *os.File) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	opened, err := f.Stat()
	if err != nil {
		return fmt.Errorf("artifact: verify: %w", err)
	}
	now, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) || (err == nil && !os.SameFile(opened, now)) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("artifact: verify: %w", err)
	}
	if err := os.Remove(p); err != nil {
		return fmt.Errorf("artifact: verify: remove corrupt: %w", err)
	}
	return nil
}
