package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/squall/squall/storage/artifact"
)

// Client bounds.
const (
	// AttemptsMax bounds the requests one call makes across nimbuses
	// (connection refused, 503 while an election runs). Redirects to the
	// leader are followed within one attempt (http.Client allows 10).
	AttemptsMax = 6
	// retryBackoffMin and retryBackoffMax bound the pause after every
	// nimbus failed once, doubling between rounds.
	retryBackoffMin = 100 * time.Millisecond
	retryBackoffMax = 2 * time.Second
	// submitAttemptsMax bounds the submits that find the artifact missing
	// because leadership moved between upload and submit.
	submitAttemptsMax = 2
	// errorBodyBytesMax bounds how much of an error answer is read.
	errorBodyBytesMax = 64 << 10
)

// Client calls the API of a set of nimbuses. It follows redirects to the
// leader and remembers which nimbus answered last, so later calls go to the
// leader directly. It is safe for concurrent use.
type Client struct {
	nimbuses   []string // host:port
	hc         *http.Client
	backoffMin time.Duration
	scheme     string // "http" or "https"

	mu        sync.Mutex
	preferred string // the host that answered last, "" at first
}

// NewClient returns a client of the nimbuses (host:port each, at least one);
// hc nil means a new http.Client with the default transport. Bound calls
// with their ctx: hc needs no timeout (uploads can be long).
func NewClient(nimbuses []string, hc *http.Client) *Client {
	if len(nimbuses) == 0 {
		panic("httpapi: NewClient needs at least one nimbus")
	}
	if hc == nil {
		hc = &http.Client{}
	}
	return &Client{nimbuses: append([]string(nil), nimbuses...), hc: hc, backoffMin: retryBackoffMin, scheme: "http"}
}

// WithTLS makes the client call the nimbuses over HTTPS (a cluster with
// tls.cert set); hc's transport must trust their certificates. It returns
// c, and must be called before the first call.
func (c *Client) WithTLS() *Client {
	c.scheme = "https"
	return c
}

// call is one API request, which the client may send more than once.
type call struct {
	method string
	path   string // with the query
	// body opens the request body afresh for every send and redirect; nil
	// for none.
	body        func() (io.ReadCloser, error)
	size        int64 // of body
	contentType string
	// idempotent calls are retried after any transport error; the others
	// only when the connection was refused, so nothing reached a nimbus.
	idempotent bool
	// expectContinue sends the body only once the server asked for it, so
	// a refusal by its headers (too large, already held) costs no upload.
	expectContinue bool
}

func jsonCall(method, path string, v any) call {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("httpapi: encode %T: %v", v, err)) // request bodies are plain data
	}
	return call{method: method, path: path, size: int64(len(data)), contentType: "application/json",
		body: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

// hosts is the order to try: the last host that answered, then the rest.
func (c *Client) hosts() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.nimbuses)+1)
	if c.preferred != "" {
		out = append(out, c.preferred)
	}
	for _, h := range c.nimbuses {
		if h != c.preferred {
			out = append(out, h)
		}
	}
	return out
}

// do sends k, to each nimbus in turn while they are unreachable or answer
// 503, at most AttemptsMax times, and decodes a 2xx answer into out (nil:
// ignore it). It returns the host that answered.
func (c *Client) do(ctx context.Context, k call, out any) (string, error) {
	hosts := c.hosts()
	backoff := c.backoffMin
	var last error
	for attempt := range AttemptsMax {
		if attempt > 0 && attempt%len(hosts) == 0 {
			if err := sleep(ctx, backoff); err != nil {
				return "", fmt.Errorf("httpapi: %s %s: %w (last error: %w)", k.method, k.path, err, last)
			}
			backoff = min(2*backoff, retryBackoffMax)
		}
		host, err := c.doAt(ctx, hosts[attempt%len(hosts)], k, out)
		if err == nil {
			c.mu.Lock()
			c.preferred = host
			c.mu.Unlock()
			return host, nil
		}
		if !c.retryable(ctx, k, err) {
			return "", err
		}
		last = err
	}
	return "", fmt.Errorf("httpapi: %s %s: %d attempts failed, the last: %w", k.method, k.path, AttemptsMax, last)
}

func (c *Client) retryable(ctx context.Context, k call, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Status == http.StatusServiceUnavailable
	}
	var op *net.OpError
	return k.idempotent || (errors.As(err, &op) && op.Op == "dial")
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// doAt sends k to one host (following redirects) and returns the host that
// answered.
func (c *Client) doAt(ctx context.Context, host string, k call, out any) (string, error) {
	req, err := c.request(ctx, host, k)
	if err != nil {
		return "", err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("httpapi: %s %s: %w", k.method, k.path, err)
	}
	defer resp.Body.Close()
	answered := resp.Request.URL.Host
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", responseError(resp)
	}
	if out == nil {
		io.Copy(io.Discard, resp.Body)
		return answered, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return "", fmt.Errorf("httpapi: %s %s at %s: bad answer: %w", k.method, k.path, answered, err)
	}
	return answered, nil
}

func (c *Client) request(ctx context.Context, host string, k call) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, k.method, c.scheme+"://"+host+k.path, nil)
	if err != nil {
		return nil, fmt.Errorf("httpapi: %w", err)
	}
	if k.body != nil {
		if req.Body, err = k.body(); err != nil {
			return nil, fmt.Errorf("httpapi: %w", err)
		}
		req.GetBody = k.body // a 307 re-sends the body to the leader
		req.ContentLength = k.size
		req.Header.Set("Content-Type", k.contentType)
		if k.expectContinue {
			req.Header.Set("Expect", "100-continue")
		}
	}
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// responseError is a non-2xx answer as an *Error with the server's message.
func responseError(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyBytesMax))
	var body ErrorBody
	if json.Unmarshal(data, &body) != nil || body.Error == "" {
		body.Error = fmt.Sprintf("httpapi: %s %s: %s", resp.Request.Method, resp.Request.URL, bytes.TrimSpace(data))
	}
	return &Error{Status: resp.StatusCode, Message: body.Error, Code: body.Code}
}

func get(path string) call { return call{method: http.MethodGet, path: path, idempotent: true} }

func topologyPath(name string, rest ...string) string {
	p := "/api/v1/topology/" + url.PathEscape(name)
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p
}

// Cluster returns the cluster summary.
func (c *Client) Cluster(ctx context.Context) (ClusterSummary, error) {
	var out ClusterSummary
	_, err := c.do(ctx, get("/api/v1/cluster/summary"), &out)
	return out, err
}

// Supervisors returns the registered supervisors, sorted by id.
func (c *Client) Supervisors(ctx context.Context) ([]Supervisor, error) {
	var out SupervisorList
	_, err := c.do(ctx, get("/api/v1/supervisor/summary"), &out)
	return out.Supervisors, err
}

// Nimbuses returns the nimbuses the leader reports.
func (c *Client) Nimbuses(ctx context.Context) ([]NimbusSummary, error) {
	var out NimbusList
	_, err := c.do(ctx, get("/api/v1/nimbus/summary"), &out)
	return out.Nimbuses, err
}

// List returns every topology, sorted by id.
func (c *Client) List(ctx context.Context) ([]TopologySummary, error) {
	var out TopologyList
	_, err := c.do(ctx, get("/api/v1/topology/summary"), &out)
	return out.Topologies, err
}

// Status returns one topology with its counters over window (WindowLast10m,
// WindowAllTime, or "" for all time).
func (c *Client) Status(ctx context.Context, name, window string) (Topology, error) {
	var out Topology
	_, err := c.do(ctx, get(topologyPath(name)+windowQuery(window)), &out)
	return out, err
}

// Component returns one component's counters over window.
func (c *Client) Component(ctx context.Context, name, component, window string) (Component, error) {
	var out Component
	_, err := c.do(ctx, get(topologyPath(name, "component", component)+windowQuery(window)), &out)
	return out, err
}

func windowQuery(window string) string {
	if window == "" {
		return ""
	}
	return "?window=" + url.QueryEscape(window)
}

func (c *Client) change(ctx context.Context, k call) (TopologySummary, error) {
	var out Operation
	_, err := c.do(ctx, k, &out)
	return out.Topology, err
}

// Activate resumes a topology's spouts.
func (c *Client) Activate(ctx context.Context, name string) (TopologySummary, error) {
	return c.change(ctx, call{method: http.MethodPost, path: topologyPath(name, "activate"), idempotent: true})
}

// Deactivate pauses a topology's spouts.
func (c *Client) Deactivate(ctx context.Context, name string) (TopologySummary, error) {
	return c.change(ctx, call{method: http.MethodPost, path: topologyPath(name, "deactivate"), idempotent: true})
}

// WaitDefault, as the wait of Kill or Rebalance, asks for Storm's default:
// the topology's message timeout.
const WaitDefault time.Duration = -1

// ErrNegativeWait is returned for a negative wait other than WaitDefault.
var ErrNegativeWait = errors.New("httpapi: negative wait")

// waitPath is the path of a kill or rebalance after wait: whole seconds,
// rounded up (the API's unit), or no wait segment for WaitDefault.
func waitPath(name, op string, wait time.Duration) (string, error) {
	switch {
	case wait == WaitDefault:
		return topologyPath(name, op), nil
	case wait < 0:
		return "", fmt.Errorf("%w: %s %s: wait %s", ErrNegativeWait, op, name, wait)
	}
	return topologyPath(name, op, strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10)), nil
}

// Kill kills a topology after wait, or WaitDefault (its spouts are
// deactivated meanwhile).
func (c *Client) Kill(ctx context.Context, name string, wait time.Duration) (TopologySummary, error) {
	path, err := waitPath(name, "kill", wait)
	if err != nil {
		return TopologySummary{}, err
	}
	return c.change(ctx, call{method: http.MethodPost, path: path})
}

// Rebalance redistributes a topology after wait, or WaitDefault (its
// spouts are deactivated meanwhile); workers 0 and a nil parallelism keep
// the current values.
func (c *Client) Rebalance(ctx context.Context, name string, wait time.Duration, workers int,
	parallelism map[string]int) (TopologySummary, error) {
	path, err := waitPath(name, "rebalance", wait)
	if err != nil {
		return TopologySummary{}, err
	}
	k := jsonCall(http.MethodPost, path, RebalanceRequest{Workers: workers, Parallelism: parallelism})
	return c.change(ctx, k)
}

// Submit submits a topology whose program is the file at artifactPath ("":
// none, the components are built into every worker). The program is
// uploaded to the leader unless it already holds it.
func (c *Client) Submit(ctx context.Context, name string, spec []byte,
	artifactPath string) (TopologySummary, error) {
	digest := ""
	if artifactPath != "" {
		var err error
		if digest, err = fileDigest(artifactPath); err != nil {
			return TopologySummary{}, err
		}
	}
	req := SubmitRequest{Name: name, Spec: spec, Artifact: digest}
	var err error
	for range submitAttemptsMax {
		if digest != "" {
			if err = c.uploadToLeader(ctx, artifactPath, digest); err != nil {
				return TopologySummary{}, err
			}
		}
		var out Operation
		_, err = c.do(ctx, jsonCall(http.MethodPost, "/api/v1/topology", req), &out)
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeArtifactMissing {
			return out.Topology, err
		}
		// Leadership moved after the upload: upload to the new leader.
	}
	return TopologySummary{}, err
}

// Upload uploads the program at path to the leader unless it holds it
// already, and returns its sha256.
func (c *Client) Upload(ctx context.Context, path string) (string, error) {
	digest, err := fileDigest(path)
	if err != nil {
		return "", err
	}
	return digest, c.uploadToLeader(ctx, path, digest)
}

// uploadToLeader finds the leader (the host that answers a leader-only
// request after redirects), asks it whether it has the artifact, and PUTs
// the file if not.
func (c *Client) uploadToLeader(ctx context.Context, path, digest string) error {
	leader, err := c.do(ctx, get("/api/v1/nimbus/summary"), nil)
	if err != nil {
		return err
	}
	apath := "/api/v1/artifact/" + digest
	_, err = c.doAt(ctx, leader, call{method: http.MethodHead, path: apath}, nil)
	var e *Error
	if err == nil || !errors.As(err, &e) || e.Status != http.StatusNotFound {
		return err
	}
	k, err := fileCall(http.MethodPut, apath, path)
	if err != nil {
		return err
	}
	_, err = c.doAt(ctx, leader, k, nil)
	return err
}

// fileCall sends the file at path as the body, reopening it for a redirect.
func fileCall(method, apiPath, path string) (call, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return call{}, fmt.Errorf("httpapi: %w", err)
	}
	return call{method: method, path: apiPath, size: fi.Size(), contentType: "application/octet-stream",
		idempotent: true, expectContinue: true,
		body: func() (io.ReadCloser, error) { return os.Open(path) }}, nil
}

// fileDigest streams the file through sha256.
func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("httpapi: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("httpapi: hashing %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ArtifactURL is where the nimbus at host (host:port) serves an artifact,
// for artifact.Store.Fetch; scheme is "http" or, on a TLS cluster, "https".
func ArtifactURL(scheme, host, digest string) string {
	return scheme + "://" + host + "/api/v1/artifact/" + digest
}

// Download fetches an artifact into store from the first nimbus that holds
// it, verifying its digest. Followers serve artifacts too.
func (c *Client) Download(ctx context.Context, digest string, store *artifact.Store) error {
	var errs []error
	for _, h := range c.hosts() {
		err := store.Fetch(ctx, c.hc, ArtifactURL(c.scheme, h, digest), digest)
		if err == nil || errors.Is(err, artifact.ErrBadDigest) || ctx.Err() != nil {
			return err
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("httpapi: download %s: %w", digest, errors.Join(errs...))
}
