package artifact

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFetch(t *testing.T) {
	good := []byte("the program")
	d := digestOf(good)
	mux := http.NewServeMux()
	mux.HandleFunc("/good", func(w http.ResponseWriter, r *http.Request) { w.Write(good) })
	mux.HandleFunc("/wrong", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("not the program")) })
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 100)) })
	mux.HandleFunc("/missing", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error": "no such artifact here"}`, http.StatusNotFound)
	})
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "disk on fire", http.StatusInternalServerError)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, tc := range []struct {
		path    string
		wantErr error
		wantMsg string // part of the error's text
	}{
		{"/good", nil, ""},
		{"/wrong", ErrDigestMismatch, "want " + d},
		{"/huge", ErrTooLarge, ""},
		{"/missing", ErrNotFound, "no such artifact here"},
		{"/broken", ErrFetch, "disk on fire"},
	} {
		s := openStore(t, 50)
		err := s.Fetch(context.Background(), srv.Client(), srv.URL+tc.path, d)
		if (tc.wantErr == nil) != (err == nil) || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
			t.Errorf("Fetch %s: got %v, want %v", tc.path, err, tc.wantErr)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), tc.wantMsg) {
			t.Errorf("Fetch %s: got message %q, want it to contain %q", tc.path, err, tc.wantMsg)
		}
		if has := s.Has(d); has != (tc.wantErr == nil) {
			t.Errorf("Fetch %s: Has = %v, want %v", tc.path, has, tc.wantErr == nil)
		}
		if names := dirNames(t, s); len(names) > 1 || (tc.wantErr != nil && len(names) != 0) {
			t.Errorf("Fetch %s: dir holds %v", tc.path, names)
		}
	}
}

func TestFetchSkipsPresent(t *testing.T) {
	s := openStore(t, 1<<20)
	d, err := s.Put(strings.NewReader("present"), "")
	if err != nil {
		t.Fatal(err)
	}
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	if err := s.Fetch(context.Background(), srv.Client(), srv.URL, d); err != nil {
		t.Fatal(err)
	}
	if hits != 0 {
		t.Errorf("server hits for a present artifact: got %d, want 0", hits)
	}
	if err := s.Fetch(context.Background(), srv.Client(), srv.URL, "nope"); !errors.Is(err, ErrBadDigest) {
		t.Errorf("Fetch with a bad digest: got %v, want ErrBadDigest", err)
	}
}
