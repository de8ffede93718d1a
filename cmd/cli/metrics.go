package cli

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/supervisor"
	"github.com/squall/squall/realnet"
	"github.com/squall/squall/realnet/auth"
	"github.com/squall/squall/realnet/httpapi"
	"github.com/squall/squall/realnet/promexport"
)

// metricsHandler serves a daemon's /metrics from its collector, guarded as
// the configuration says (metrics.public, auth.tokens, cluster.secret).
func metricsHandler(c *config, tokens *auth.Tokens, log *slog.Logger, collector prometheus.Collector) http.Handler {
	public, _ := c.bool("metrics.public") // validated at load
	if tokens.Enabled() && public {
		log.Info("metrics: /metrics is served without authentication (metrics.public: true)")
	}
	return promexport.Handler(promexport.HandlerConfig{Gatherer: promexport.NewRegistry(collector),
		Auth: tokens, Public: public, Logger: log})
}

// nimbusMetrics is a nimbus's /metrics: the collector asks the machine
// through the same bridge as the API.
func nimbusMetrics(c *config, tokens *auth.Tokens, log *slog.Logger, nimbus httpapi.Nimbus) http.Handler {
	return metricsHandler(c, tokens, log, promexport.NewNimbusCollector(promexport.NimbusConfig{Nimbus: nimbus, Logger: log}))
}

// withMetrics routes /metrics to metrics and everything else to api.
func withMetrics(api, metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(promexport.Path, metrics)
	mux.Handle("/", api)
	return mux
}

// supervisorState reads the supervisor machine's state on its driver's
// goroutine, copying what it keeps (a worker's metrics and errors stay
// behind: the machine goes on changing them).
func supervisorState(d *realnet.Driver) promexport.SupervisorSource {
	return func(ctx context.Context) (promexport.SupervisorState, error) {
		var st promexport.SupervisorState
		err := d.Do(ctx, func(m core.Machine) {
			sm := m.(*supervisor.Machine)
			st.Slots = append(st.Slots, sm.Config().Slots...)
			for _, w := range sm.Running() {
				st.Running = append(st.Running, protocol.WorkerStatus{Topology: w.Topology, Port: w.Port, Epoch: w.Epoch, Alive: w.Alive})
			}
			st.Registered, st.Leader, st.Stats = sm.Registered(), sm.Leader(), sm.Stats()
		})
		return st, err
	}
}

// serveSupervisorHTTP serves /metrics on the supervisor's transport port
// (the transport hands over every connection that is not a transport
// hello) until ctx ends; any other path is a JSON 404.
func serveSupervisorHTTP(ctx context.Context, ln net.Listener, metrics http.Handler, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.Handle(promexport.Path, metrics)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":"supervisor: no route; a supervisor serves only GET /metrics"}` + "\n"))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		log.Error("supervisor http stopped", "err", err)
	}
}
