package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/realnet/auth"
	"github.com/squall/squall/storage/artifact"
)

// Defaults for zero ServerConfig fields, and bounds.
const (
	UploadBytesMaxDefault = 1 << 30 // a Go program with its dependencies is tens of MB
	RequestTimeoutDefault = 30 * time.Second
	// jsonBodyBytesMax bounds a submit's or rebalance's JSON body.
	jsonBodyBytesMax = 4 << 20
	// WaitSecondsMax bounds the wait of a kill or rebalance: a week.
	WaitSecondsMax = 7 * 24 * 3600
)

// Nimbus is the nimbus machine as the server sees it: Request hands it one
// client request and returns its reply. The implementation (the real-mode
// driver) may replace the request's ID with its own. It returns ctx's error
// when the machine did not answer in time (the server answers 504: the
// outcome is unknown), and any other error only when the request never
// reached the machine, e.g. the driver stopped (503: clients retry
// elsewhere).
type Nimbus interface {
	Request(ctx context.Context, req protocol.ClientRequest) (protocol.ClientReply, error)
}

// ServerConfig configures a Server; zero fields take the defaults.
type ServerConfig struct {
	Nimbus Nimbus // required
	// Artifacts is this nimbus's program store; nil serves no artifacts and
	// accepts only submits without one.
	Artifacts      *artifact.Store
	UploadBytesMax int64
	Logger         *slog.Logger
	// RequestTimeout bounds the wait for the nimbus machine's reply.
	RequestTimeout time.Duration
	// RequireArtifact refuses submits without an artifact (real clusters,
	// whose supervisors run the topology's program).
	RequireArtifact bool
	// Members lists the nimbuses enrolled in the election (their Status is
	// filled in here); nil lists the leader only.
	Members func(ctx context.Context) ([]NimbusSummary, error)
	// Auth authenticates callers by bearer token and authorizes each route
	// by role; nil lets every caller in as an admin (local mode).
	Auth *auth.Tokens
	// Version is Squall's, shown as squallVersion and each daemon's version.
	Version string
	// Now is the wall clock, for nimbus uptimes; nil shows them unknown.
	Now func() time.Time
	// Started is when this nimbus started: the leader's entry of
	// nimbus/summary shows its uptime (only the leader answers; the
	// others' uptimes are shown when Members gives their start).
	Started time.Time
	// Configuration answers GET /api/v1/cluster/configuration: the
	// cluster's settings under Storm's keys where Storm has one; nil
	// answers {}.
	Configuration func() map[string]any
	// TLS says the API is served over TLS (realnet.TransportConfig.TLS):
	// redirects to the leader then name https.
	TLS bool
}

// Server is the client API of one nimbus. It is an http.Handler; it is safe
// for concurrent use and owns no goroutine.
type Server struct {
	cfg    ServerConfig
	mux    *http.ServeMux
	nextID atomic.Uint64
	// methods are each path's methods, for the 405 answers; written only
	// by NewServer.
	methods map[string][]string
}

// NewServer returns the API over cfg.Nimbus.
func NewServer(cfg ServerConfig) *Server {
	if cfg.Nimbus == nil {
		panic("httpapi: ServerConfig.Nimbus is required")
	}
	if cfg.UploadBytesMax <= 0 {
		cfg.UploadBytesMax = UploadBytesMaxDefault
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = RequestTimeoutDefault
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), methods: map[string][]string{}}
	s.routes()
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// handler answers a request with a value to encode as JSON (status 200) or
// an error (an *apiError sets the status; any other is a 500).
type handler func(w http.ResponseWriter, r *http.Request) (any, error)

func (s *Server) routes() {
	const v1 = "/api/v1"
	read, submit, operate := auth.ActionRead, auth.ActionSubmit, auth.ActionOperate
	s.route(v1+"/cluster/summary", "GET", read, s.json(s.clusterSummary))
	s.route(v1+"/supervisor/summary", "GET", read, s.json(s.supervisorSummary))
	s.route(v1+"/nimbus/summary", "GET", read, s.json(s.nimbusSummary))
	s.route(v1+"/topology/summary", "GET", read, s.json(s.topologySummary))
	s.route(v1+"/topology", "POST", submit, s.json(s.submit))
	s.route(v1+"/topology/{id}", "GET", read, s.json(s.topology))
	s.route(v1+"/topology/{id}/component/{component}", "GET", read, s.json(s.component))
	s.route(v1+"/topology/{id}/visualization", "GET", read, s.json(s.visualization))
	s.route(v1+"/cluster/configuration", "GET", read, s.json(s.configuration))
	s.route(v1+"/topology/{id}/activate", "POST", operate, s.json(s.simpleOp(protocol.OpActivate)))
	s.route(v1+"/topology/{id}/deactivate", "POST", operate, s.json(s.simpleOp(protocol.OpDeactivate)))
	s.route(v1+"/topology/{id}/rebalance/{wait}", "POST", operate, s.json(s.rebalance))
	s.route(v1+"/topology/{id}/rebalance", "POST", operate, s.json(s.rebalance))
	s.route(v1+"/topology/{id}/kill/{wait}", "POST", operate, s.json(s.kill))
	s.route(v1+"/topology/{id}/kill", "POST", operate, s.json(s.kill))
	s.route(v1+"/artifact/{sha256}", "GET", auth.ActionDownload, http.HandlerFunc(s.getArtifact))
	s.route(v1+"/artifact/{sha256}", "PUT", submit, s.json(s.putArtifact))
	s.methodsOther()
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errorf(http.StatusNotFound, "httpapi: no route %s %s", r.Method, r.URL.Path))
	})
}

// route registers h for method on path; methodsOther answer every other
// method with a JSON 405 (the mux's own 405 is plain text). Every route
// is guarded: its caller must be allowed action a.
func (s *Server) route(path, method string, a auth.Action, h http.Handler) {
	s.mux.Handle(method+" "+path, s.guard(a, h))
	s.methods[path] = append(s.methods[path], method)
}

// methodsKnown are the methods that get a JSON 405 where not allowed.
var methodsKnown = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"}

// methodsOther registers the 405 answers, once every route is known.
func (s *Server) methodsOther() {
	for _, path := range slices.Sorted(maps.Keys(s.methods)) {
		allow := slices.Clone(s.methods[path])
		if slices.Contains(allow, "GET") {
			allow = append(allow, "HEAD") // the mux serves HEAD with GET's handler
		}
		for _, m := range methodsKnown {
			if slices.Contains(allow, m) {
				continue
			}
			s.mux.HandleFunc(m+" "+path, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Allow", strings.Join(allow, ", "))
				s.writeError(w, r, errorf(http.StatusMethodNotAllowed,
					"httpapi: %s %s: method not allowed (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", ")))
			})
		}
	}
}

// json adapts a handler that returns a value.
func (s *Server) json(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := h(w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		status := http.StatusOK
		if c, ok := v.(created); ok {
			v, status = c.v, http.StatusCreated
		}
		writeJSON(w, status, v)
	})
}

// created marks a handler's value as a new resource (201).
type created struct{ v any }

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"httpapi: cannot encode the answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// apiError is a refusal with its status. Location, when set, is a
// redirect's target.
type apiError struct {
	status   int
	msg      string
	code     string
	location string
	leader   string
}

func (e *apiError) Error() string { return e.msg }

func errorf(status int, format string, args ...any) *apiError {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *apiError
	if !errors.As(err, &e) {
		e = &apiError{status: http.StatusInternalServerError, msg: err.Error()}
	}
	level := slog.LevelDebug
	if e.status >= 500 {
		level = slog.LevelWarn
	}
	s.cfg.Logger.Log(r.Context(), level, "httpapi: refused", "method", r.Method, "path", r.URL.Path,
		"status", e.status, "error", e.msg)
	if e.location != "" {
		w.Header().Set("Location", e.location)
	}
	writeJSON(w, e.status, ErrorBody{Error: e.msg, Code: e.code, Leader: core.NodeID(e.leader)})
}

// ask hands req to the nimbus machine and turns its refusals into statuses:
// a follower's NotLeader becomes a redirect to the leader.
func (s *Server) ask(r *http.Request, req protocol.ClientRequest) (protocol.ClientReply, error) {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
	defer cancel()
	req.ID = s.nextID.Add(1)
	reply, err := s.cfg.Nimbus.Request(ctx, req)
	switch {
	case err != nil && errors.Is(err, context.DeadlineExceeded):
		return reply, errorf(http.StatusGatewayTimeout,
			"httpapi: nimbus did not answer %s within %s; the outcome is unknown", req.Op, s.cfg.RequestTimeout)
	case err != nil:
		return reply, errorf(http.StatusServiceUnavailable, "httpapi: nimbus unavailable: %v", err)
	case reply.NotLeader:
		return reply, notLeader(r, s.scheme(), string(reply.Leader))
	case !reply.OK:
		return reply, &apiError{status: replyStatus(reply.Error), msg: reply.Error}
	}
	return reply, nil
}

// notLeader redirects to the leader's API, at the same path and query, or
// answers 503 when no leader is known (an election is under way).
func notLeader(r *http.Request, scheme, leader string) *apiError {
	if _, _, err := net.SplitHostPort(leader); leader == "" || err != nil {
		return &apiError{status: http.StatusServiceUnavailable, code: CodeNotLeader, leader: leader,
			msg: "httpapi: this nimbus is not the leader and knows no leader with an address; retry shortly"}
	}
	return &apiError{status: http.StatusTemporaryRedirect, code: CodeNotLeader, leader: leader,
		location: scheme + "://" + leader + r.URL.RequestURI(),
		msg:      "httpapi: this nimbus is not the leader; the leader is " + leader}
}

// replyStatuses classifies nimbus refusals by their text, first match wins;
// anything else is the client's mistake (400).
var replyStatuses = []struct {
	part   string
	status int
}{
	{"unknown topology", http.StatusNotFound},
	{"failed: already exists", http.StatusConflict},
	{"outcome is unknown", http.StatusInternalServerError}, // leadership lost mid-write
	{"write of", http.StatusInternalServerError},           // a ZooKeeper write failed
	{"re-established; retry", http.StatusServiceUnavailable},
	{"already exists", http.StatusConflict},
	{"operation in flight", http.StatusConflict},
	{"is being killed", http.StatusConflict},
	{"rebalancing", http.StatusConflict},
	{"is the limit", http.StatusConflict},
}

func replyStatus(msg string) int {
	for _, rs := range replyStatuses {
		if strings.Contains(msg, rs.part) {
			return rs.status
		}
	}
	return http.StatusBadRequest
}

// decodeBody strictly decodes a JSON body of at most jsonBodyBytesMax into
// v; an empty body leaves v alone when optional.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, optional bool) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, jsonBodyBytesMax))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errorf(http.StatusRequestEntityTooLarge, "httpapi: body larger than %d bytes", jsonBodyBytesMax)
	}
	if err != nil {
		return errorf(http.StatusBadRequest, "httpapi: reading the body: %v", err)
	}
	if optional && len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errorf(http.StatusBadRequest, "httpapi: bad JSON body: %v", err)
	}
	if dec.More() {
		return errorf(http.StatusBadRequest, "httpapi: bad JSON body: more than one value")
	}
	return nil
}

// scheme is the API's URL scheme.
func (s *Server) scheme() string {
	if s.cfg.TLS {
		return "https"
	}
	return "http"
}
