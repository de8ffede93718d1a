package artifact

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func openStore(t *testing.T, maxBytes int64) *Store {
	t.Helper()
	s, err := Open(t.TempDir(), maxBytes)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

// dirNames lists every file in the store's directory, temporary ones included.
func dirNames(t *testing.T, s *Store) []string {
	t.Helper()
	entries, err := os.ReadDir(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestPutRoundTrip(t *testing.T) {
	s := openStore(t, 1<<20)
	content := []byte("#!/bin/sh\necho squall\n")
	want := digestOf(content)
	for _, tc := range []struct {
		name, want string
	}{{"without a digest", ""}, {"with the right digest", want}} {
		got, err := s.Put(bytes.NewReader(content), tc.want)
		if err != nil || got != want {
			t.Fatalf("%s: Put = %q, %v; want %q, nil", tc.name, got, err, want)
		}
	}
	if !s.Has(want) {
		t.Fatalf("Has(%s) = false after Put", want)
	}
	p, err := s.Path(want)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o100 == 0 {
		t.Errorf("mode %v: got not executable, want executable", fi.Mode())
	}
	rc, size, err := s.Open(want)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	back, _ := io.ReadAll(rc)
	if !bytes.Equal(back, content) || size != int64(len(content)) {
		t.Errorf("Open: got %q (%d bytes), want %q (%d)", back, size, content, len(content))
	}
	if err := s.Verify(want); err != nil {
		t.Errorf("Verify: got %v, want nil", err)
	}
	if names := dirNames(t, s); len(names) != 1 || names[0] != want {
		t.Errorf("dir: got %v, want only %s", names, want)
	}
}

func TestPutMismatchLeavesNothing(t *testing.T) {
	s := openStore(t, 1<<20)
	other := digestOf([]byte("other"))
	_, err := s.Put(strings.NewReader("content"), other)
	if !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("Put: got %v, want ErrDigestMismatch", err)
	}
	wantMsg := "artifact: digest mismatch: got " + digestOf([]byte("content")) + ", want " + other
	if err.Error() != wantMsg {
		t.Errorf("message: got %q, want %q", err, wantMsg)
	}
	if names := dirNames(t, s); len(names) != 0 {
		t.Errorf("dir after mismatch: got %v, want empty", names)
	}
	if s.Has(other) {
		t.Errorf("Has(%s): got true, want false", other)
	}
}

func TestPutTooLarge(t *testing.T) {
	s := openStore(t, 10)
	for _, tc := range []struct {
		size    int
		wantErr error
	}{{10, nil}, {11, ErrTooLarge}, {1000, ErrTooLarge}} {
		content := bytes.Repeat([]byte{'x'}, tc.size)
		_, err := s.Put(bytes.NewReader(content), "")
		if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
			t.Errorf("Put %d bytes (max 10): got %v, want %v", tc.size, err, tc.wantErr)
		}
		if has := s.Has(digestOf(content)); has != (tc.wantErr == nil) {
			t.Errorf("Has after Put of %d bytes: got %v, want %v", tc.size, has, tc.wantErr == nil)
		}
	}
	if names := dirNames(t, s); len(names) != 1 {
		t.Errorf("dir: got %v, want only the 10-byte artifact", names)
	}
}

func TestBadDigests(t *testing.T) {
	s := openStore(t, 1<<20)
	good := digestOf([]byte("x"))
	for _, d := range []string{"", "abc", strings.ToUpper(good), "../" + good[3:], good + "0", strings.Repeat("g", 64)} {
		if _, err := s.Path(d); !errors.Is(err, ErrBadDigest) {
			t.Errorf("Path(%q): got %v, want ErrBadDigest", d, err)
		}
		if s.Has(d) {
			t.Errorf("Has(%q): got true, want false", d)
		}
		if d == "" {
			continue // Put's want "" means "no expectation"
		}
		if _, err := s.Put(strings.NewReader("x"), d); !errors.Is(err, ErrBadDigest) {
			t.Errorf("Put(want %q): got %v, want ErrBadDigest", d, err)
		}
	}
	if _, err := s.Path(good); !errors.Is(err, ErrNotFound) {
		t.Errorf("Path of an absent artifact: got %v, want ErrNotFound", err)
	}
	if _, _, err := s.Open(good); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open of an absent artifact: got %v, want ErrNotFound", err)
	}
}

func TestVerifyRemovesCorrupt(t *testing.T) {
	s := openStore(t, 1<<20)
	d, err := s.Put(strings.NewReader("good program"), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.Dir(), d), []byte("rotten program"), 0o755); err != nil {
		t.Fatal(err)
	}
	err = s.Verify(d)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Verify of a corrupted file: got %v, want ErrCorrupt", err)
	}
	if s.Has(d) {
		t.Errorf("Has after Verify found corruption: got true, want false (removed)")
	}
	if err := s.Verify(d); !errors.Is(err, ErrNotFound) {
		t.Errorf("Verify again: got %v, want ErrNotFound", err)
	}
}

func TestConcurrentPutSameContent(t *testing.T) {
	s := openStore(t, 1<<20)
	content := bytes.Repeat([]byte("squall"), 10000)
	want := digestOf(content)
	const writers = 8
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := s.Put(bytes.NewReader(content), want)
			if err == nil && got != want {
				err = errors.New("wrong digest " + got)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Put: got %v, want nil", err)
		}
	}
	if err := s.Verify(want); err != nil {
		t.Errorf("Verify after concurrent Puts: got %v, want nil", err)
	}
	if names := dirNames(t, s); len(names) != 1 || names[0] != want {
		t.Errorf("dir: got %v, want only %s", names, want)
	}
}

func TestListAndRemove(t *testing.T) {
	s := openStore(t, 1<<20)
	var want []string
	for _, c := range []string{"a", "b", "c"} {
		d, err := s.Put(strings.NewReader(c), "")
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, d)
	}
	// Files that are not artifacts are not listed.
	os.WriteFile(filepath.Join(s.Dir(), "README"), []byte("x"), 0o644)
	os.Mkdir(filepath.Join(s.Dir(), digestOf([]byte("dir"))), 0o755)
	got, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("List: got %v, want %v", got, want)
	}
	if err := s.Remove(want[0]); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(want[0]); err != nil {
		t.Errorf("Remove of an absent artifact: got %v, want nil", err)
	}
	if got, _ := s.List(); len(got) != 2 {
		t.Errorf("List after Remove: got %v, want 2 digests", got)
	}
}

func TestOpenRemovesLeftovers(t *testing.T) {
	dir := t.TempDir()
	leftover := filepath.Join(dir, tempPrefix+"123")
	if err := os.WriteFile(leftover, []byte("half a program"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, 1<<20); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("leftover temp file after Open: got %v, want it removed", err)
	}
	if _, err := Open(dir, 0); err == nil {
		t.Errorf("Open with maxBytes 0: got nil error, want one")
	}
}
