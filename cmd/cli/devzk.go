package cli

import (
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/squall/squall/zkadapter"
)

// runDevZookeeper starts a development ZooKeeper from Debian's package and
// runs it until interrupted, like `storm dev-zookeeper`.
func runDevZookeeper(args []string, env Env) int {
	fs := flag.NewFlagSet("squall dev-zookeeper", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	dir := fs.String("dir", "squall-data/zookeeper", "data directory")
	port := fs.Int("port", 2181, "client port")
	tick := fs.Duration("tick", 200*time.Millisecond, "ZooKeeper tickTime (sessions time out within 2..20 ticks)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, nil)).With("component", "dev-zookeeper")
	srv, err := zkadapter.StartDev(env.Ctx, zkadapter.DevConfig{Dir: *dir, Port: *port, TickTime: *tick, Logger: log})
	if err != nil {
		return fail(env, "dev-zookeeper", err)
	}
	fmt.Fprintf(env.Stdout, "ZooKeeper serving on %s (data in %s); Ctrl-C stops it\n", srv.Addr(), *dir)
	<-env.Ctx.Done()
	if err := srv.Stop(); err != nil {
		return fail(env, "dev-zookeeper", err)
	}
	return 0
}
