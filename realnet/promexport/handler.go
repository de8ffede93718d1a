package promexport

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/squall/squall/realnet/auth"
	"github.com/squall/squall/realnet/httpapi"
)

// Path is where the daemons serve their metrics.
const Path = "/metrics"

// scrapesInFlightMax bounds concurrent scrapes of one daemon: each one asks
// the machine a round of requests.
const scrapesInFlightMax = 4

// NewRegistry returns a registry with the given collectors and the Go
// runtime's and the process's (go_*, process_*).
func NewRegistry(cs ...prometheus.Collector) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(cs...)
	return reg
}

// HandlerConfig configures Handler.
type HandlerConfig struct {
	Gatherer prometheus.Gatherer // required
	// Auth authenticates scrapes as the API does; nil (authentication off)
	// lets everyone in.
	Auth *auth.Tokens
	// Public lets unauthenticated scrapes in even with Auth on
	// (metrics.public: true).
	Public bool
	Logger *slog.Logger
}

// Handler serves cfg.Gatherer's metrics to GET and HEAD, to callers allowed
// to read (any role), or to anyone when Public or without authentication.
// Refusals are JSON, as the API's.
func Handler(cfg HandlerConfig) http.Handler {
	if cfg.Gatherer == nil {
		panic("promexport: HandlerConfig.Gatherer is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	metrics := promhttp.HandlerFor(cfg.Gatherer, promhttp.HandlerOpts{
		ErrorLog:            slogPrinter{cfg.Logger},
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: scrapesInFlightMax,
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			refuse(w, http.StatusMethodNotAllowed, "", "promexport: "+r.Method+" "+Path+": method not allowed (allowed: GET, HEAD)")
			return
		}
		if !cfg.Public {
			if status, code, err := authorize(cfg.Auth, r); err != nil {
				if status == http.StatusUnauthorized {
					w.Header().Set("WWW-Authenticate", `Bearer realm="squall"`)
				}
				refuse(w, status, code, err.Error()+" (or set metrics.public: true to let Prometheus scrape without a token)")
				return
			}
		}
		metrics.ServeHTTP(w, r)
	})
}

// authorize checks that r's caller may read: 401 without a known token,
// 403 for a role that may not read.
func authorize(t *auth.Tokens, r *http.Request) (int, string, error) {
	p, err := t.Authenticate(r)
	if err != nil {
		return http.StatusUnauthorized, httpapi.CodeUnauthorized, err
	}
	if err := auth.Authorize(p, auth.ActionRead, ""); err != nil {
		return http.StatusForbidden, httpapi.CodeForbidden, err
	}
	return 0, "", nil
}

func refuse(w http.ResponseWriter, status int, code, msg string) {
	body, err := json.Marshal(httpapi.ErrorBody{Error: msg, Code: code})
	if err != nil {
		body = []byte(`{"error":"promexport: cannot encode the refusal"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// slogPrinter logs promhttp's errors (a collector's failure, a client gone).
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Println(v ...any) {
	p.log.Warn("promexport: serving metrics", "err", fmt.Sprint(v...))
}
