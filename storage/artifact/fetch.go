package artifact

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/squall/squall/core/protocol"
)

// ErrFetch marks a download the server refused or broke off.
var ErrFetch = errors.New("artifact: fetch")

// errorBodyBytesMax bounds how much of a refusal's body is read for its
// message.
const errorBodyBytesMax = 4 << 10

// Fetch downloads the artifact with the given digest from url (a GET that
// answers the program's bytes) into the store, verifying the digest: wrong
// bytes are never stored and the error wraps ErrDigestMismatch. An artifact
// already in the store is not downloaded again.
func (s *Store) Fetch(ctx context.Context, client *http.Client, url, digest string) error {
	if !protocol.ValidDigest(digest) {
		return fmt.Errorf("%w: %q", ErrBadDigest, digest)
	}
	if s.Has(digest) {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("%w %s: %w", ErrFetch, digest, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%w %s: %w", ErrFetch, digest, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("%w: %s at %s: %s", ErrNotFound, digest, url, fetchMessage(resp))
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w %s from %s: %s: %s", ErrFetch, digest, url, resp.Status, fetchMessage(resp))
	}
	if resp.ContentLength > s.maxBytes {
		return fmt.Errorf("%w: %s is %d bytes, more than %d", ErrTooLarge, digest, resp.ContentLength, s.maxBytes)
	}
	if _, err := s.Put(resp.Body, digest); err != nil {
		return fmt.Errorf("%w (fetched from %s)", err, url)
	}
	return nil
}

// fetchMessage is a refusal's message: the "error" of a JSON body, or the
// start of the body as text.
func fetchMessage(resp *http.Response) string {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyBytesMax))
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return e.Error
	}
	return strings.TrimSpace(string(body))
}
