package cli

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/squall/squall/realnet/auth"
	"github.com/squall/squall/realnet/httpapi"
	"github.com/squall/squall/realnet/webui"
)

// localUIShutdownGrace bounds the wait for the local UI's requests in
// flight when the cluster stops.
const localUIShutdownGrace = 2 * time.Second

// serveUI serves the client API and the web UI of the local cluster's
// nimbus (through br) on ln, as a nimbus daemon serves them, until ctx
// ends; the cluster's wait group owns the goroutine. tokens nil leaves
// the API open, as local mode is.
func (lc *localCluster) serveUI(ctx context.Context, ln net.Listener, br *bridge, tokens *auth.Tokens) {
	api := httpapi.NewServer(httpapi.ServerConfig{Nimbus: br, Logger: lc.log, RequestTimeout: apiRequestTimeout,
		Auth: tokens, Version: Version, Now: time.Now})
	srv := &http.Server{Handler: webui.With(api), ReadHeaderTimeout: 10 * time.Second}
	lc.wg.Add(2)
	go func() {
		defer lc.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			lc.log.Error("local: the web UI stopped", "err", err)
		}
	}()
	go func() {
		defer lc.wg.Done()
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), localUIShutdownGrace)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	lc.log.Info("local: serving the API and the web UI", "url", "http://"+ln.Addr().String()+"/")
}
