package promexport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/realnet/httpapi"
)

// Defaults and bounds of a nimbus scrape.
const (
	// ScrapeTimeoutDefault bounds one scrape's requests to the machine;
	// Prometheus's own scrape timeout defaults to 10 s.
	ScrapeTimeoutDefault = 8 * time.Second
	// TopologiesPerScrapeMax bounds the status requests of one scrape; the
	// topologies past it (by id) are counted in
	// squall_nimbus_scrape_topologies_skipped.
	TopologiesPerScrapeMax = 1000
)

// NimbusConfig configures a NimbusCollector; zero fields take defaults.
type NimbusConfig struct {
	Nimbus  httpapi.Nimbus // required: the same machine the API asks
	Timeout time.Duration  // per scrape
	Logger  *slog.Logger
}

// NimbusCollector is a prometheus.Collector that asks the nimbus machine,
// at each scrape, for the cluster summary and the status of every
// topology. It is safe for concurrent scrapes and owns no goroutine.
type NimbusCollector struct {
	cfg NimbusConfig
}

// NewNimbusCollector returns a collector over cfg.Nimbus.
func NewNimbusCollector(cfg NimbusConfig) *NimbusCollector {
	if cfg.Nimbus == nil {
		panic("promexport: NimbusConfig.Nimbus is required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = ScrapeTimeoutDefault
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &NimbusCollector{cfg: cfg}
}

// nimbusView is what one scrape learned from the machine.
type nimbusView struct {
	ok         bool // every request was answered (refusals of vanished topologies aside)
	leader     bool // this nimbus leads; only then is the rest filled
	cluster    protocol.ClusterSummary
	topologies []protocol.TopologySummary // with components, as status answers them
	skipped    int                        // topologies past TopologiesPerScrapeMax
	duration   time.Duration
}

// Describe sends every descriptor the collector may emit.
func (c *NimbusCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range nimbusDescs() {
		ch <- d
	}
}

// Collect asks the machine and sends what it answered.
func (c *NimbusCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.Timeout)
	defer cancel()
	start := time.Now()
	v, err := c.view(ctx)
	v.duration = time.Since(start)
	if err != nil {
		c.cfg.Logger.Warn("promexport: nimbus scrape incomplete", "err", err)
	}
	emitNimbus(ch, v)
}

// errNoCluster: the machine answered a cluster request without a summary.
var errNoCluster = errors.New("promexport: nimbus answered without a cluster summary")

// view asks the cluster summary, the topology list, then each topology's
// status. A topology that vanished between the list and its status is
// left out; any other failure leaves ok false with what was learned.
func (c *NimbusCollector) view(ctx context.Context) (nimbusView, error) {
	var v nimbusView
	reply, err := c.cfg.Nimbus.Request(ctx, protocol.ClientRequest{Op: protocol.OpCluster})
	if err != nil {
		return v, fmt.Errorf("cluster: %w", err)
	}
	if reply.NotLeader {
		v.ok = true
		return v, nil
	}
	if !reply.OK || reply.Cluster == nil {
		return v, fmt.Errorf("cluster: %w: %s", errNoCluster, reply.Error)
	}
	v.leader, v.cluster = true, *reply.Cluster
	list, err := c.ask(ctx, protocol.ClientRequest{Op: protocol.OpList})
	if err != nil {
		return v, fmt.Errorf("list: %w", err)
	}
	tops := list.Topologies
	if len(tops) > TopologiesPerScrapeMax {
		v.skipped = len(tops) - TopologiesPerScrapeMax
		tops = tops[:TopologiesPerScrapeMax]
	}
	var errs []error
	for _, t := range tops {
		st, err := c.status(ctx, t)
		if err != nil {
			errs = append(errs, err)
		}
		if st.ID != "" {
			v.topologies = append(v.topologies, st)
		}
	}
	v.ok = len(errs) == 0
	return v, errors.Join(errs...)
}

// status asks for one topology's status with its components; on failure
// it returns the list's summary (without components), or nothing when the
// topology is gone.
func (c *NimbusCollector) status(ctx context.Context, t protocol.TopologySummary) (protocol.TopologySummary, error) {
	reply, err := c.ask(ctx, protocol.ClientRequest{Op: protocol.OpStatus, Topology: string(t.ID)})
	switch {
	case err != nil && strings.Contains(err.Error(), "unknown topology"):
		return protocol.TopologySummary{}, nil // killed since the list
	case err != nil:
		return t, fmt.Errorf("status of %s: %w", t.ID, err)
	}
	for _, s := range reply.Topologies {
		if s.ID == t.ID {
			return s, nil
		}
	}
	return protocol.TopologySummary{}, nil
}

// ask sends one request and turns a refusal into an error (a follower's
// NotLeader included: leadership moved during the scrape).
func (c *NimbusCollector) ask(ctx context.Context, req protocol.ClientRequest) (protocol.ClientReply, error) {
	reply, err := c.cfg.Nimbus.Request(ctx, req)
	switch {
	case err != nil:
		return reply, err
	case reply.NotLeader:
		return reply, fmt.Errorf("promexport: %s: this nimbus stopped leading during the scrape", req.Op)
	case !reply.OK:
		return reply, fmt.Errorf("promexport: %s: %s", req.Op, reply.Error)
	}
	return reply, nil
}
