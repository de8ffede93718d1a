package promexport

import (
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/realnet/httpapi"
)

// The metrics a nimbus exports. Names follow Prometheus's conventions: the
// squall_ prefix, then what is measured, base units last (_seconds,
// _tuples), and _total on counters only.
var (
	nimbusLeader = desc("squall_nimbus_leader",
		"1 when this nimbus leads the cluster, 0 when it follows (only the leader exports the cluster's metrics)")
	nimbusScrapeSuccess = desc("squall_nimbus_scrape_success",
		"1 when the nimbus machine answered every request of this scrape in time, else 0")
	nimbusScrapeDuration = desc("squall_nimbus_scrape_duration_seconds",
		"how long this scrape's requests to the nimbus machine took")
	nimbusScrapeSkipped = desc("squall_nimbus_scrape_topologies_skipped",
		"topologies left out of this scrape, past the bound on status requests per scrape")

	clusterLeader = desc("squall_cluster_leader_info",
		"the leading nimbus (its API address in the leader label); always 1", "leader")
	clusterSupervisors = desc("squall_cluster_supervisors", "supervisors registered in ZooKeeper")
	clusterTopologies  = desc("squall_cluster_topologies", "topologies the leader knows (killed ones until they are removed)")
	clusterSlots       = desc("squall_cluster_slots", "worker slots of every registered supervisor")
	clusterSlotsUsed   = desc("squall_cluster_slots_used", "slots assigned a worker")
	clusterSlotsFree   = desc("squall_cluster_slots_free", "slots not assigned a worker")
	clusterTasks       = desc("squall_cluster_tasks", "tasks assigned, of every topology")
	clusterExecutors   = desc("squall_cluster_executors", "executors of every topology (components' parallelism, ackers included)")
	supervisorSlots    = desc("squall_cluster_supervisor_slots",
		"worker slots of one supervisor, as registered", "supervisor", "host")
	supervisorSlotsUsed = desc("squall_cluster_supervisor_slots_used",
		"slots of one supervisor assigned a worker", "supervisor", "host")
	supervisorUptime = desc("squall_cluster_supervisor_uptime_seconds",
		"how long the leader has seen the supervisor registered", "supervisor", "host")

	topologyInfo = desc("squall_topology_info",
		"a topology's name and owner (the user who submitted it, empty when unknown); always 1", "topology", "name", "owner")
	topologyStatus = desc("squall_topology_status",
		"1 for the topology's status (ACTIVE, INACTIVE, KILLED, REBALANCING, CORRUPT), 0 for the others", "topology", "status")
	topologyWorkers = desc("squall_topology_workers", "workers in the topology's assignment", "topology")
	topologyTasks   = desc("squall_topology_tasks", "tasks in the topology's assignment", "topology")
	topologyEpoch   = desc("squall_topology_assignment_epoch",
		"the epoch of the topology's assignment: it grows each time nimbus reassigns", "topology")
	topologyUptime    = desc("squall_topology_uptime_seconds", "how long ago the topology was submitted, by the leader's clock", "topology")
	topologyExecutors = desc("squall_topology_executors",
		"executors of the topology: its components' parallelism, ackers included", "topology")
	workerUptime = desc("squall_topology_worker_uptime_seconds",
		"how long the worker has held its slot, by the leader's clock (since it leads, at most)",
		"topology", "supervisor", "host", "port")

	componentTasks = desc("squall_component_tasks",
		"tasks of the component whose metrics reached nimbus", "topology", "component")
	componentErrors = desc("squall_component_recent_errors",
		"errors of the component nimbus keeps (the last 10 at most)", "topology", "component")
	componentLastError = desc("squall_component_last_error_timestamp_seconds",
		"when the component's newest error was reported, in seconds since the Unix epoch", "topology", "component")
)

// statusesKnown are the statuses squall_topology_status lists for every
// topology, so that a status's series exists (at 0) before it is entered.
var statusesKnown = []string{protocol.StatusActive, protocol.StatusInactive, protocol.StatusKilled,
	protocol.StatusRebalancing, protocol.StatusCorrupt}

// windowLabels are the values of the window label, Storm UI's names (as
// the API's ?window= takes them), in the order emitCounts takes windows.
var windowLabels = [4]string{httpapi.WindowLast10m, httpapi.WindowLast3h, httpapi.WindowLast1d, httpapi.WindowAllTime}

// count is one counter of protocol.Counts.
type count struct {
	name, help string
	of         func(protocol.Counts) int64
}

var counts = []count{
	{"emitted", "tuples the tasks emitted", func(c protocol.Counts) int64 { return c.Emitted }},
	{"transferred", "tuples the tasks sent to other tasks (an emit counts once per receiving task)",
		func(c protocol.Counts) int64 { return c.Transferred }},
	{"acked", "tuples acked (a spout: trees completed)", func(c protocol.Counts) int64 { return c.Acked }},
	{"failed", "tuples failed (a spout: trees failed or timed out)", func(c protocol.Counts) int64 { return c.Failed }},
	{"executed", "tuples a bolt's tasks executed", func(c protocol.Counts) int64 { return c.Executed }},
}

// latency is one latency of protocol.Counts, a sum of sampled latencies
// with its sample count.
type latency struct {
	name, help string
	of         func(protocol.Counts) protocol.Latency
}

var latencies = []latency{
	{"complete", "a spout's trees, from emit to completion", func(c protocol.Counts) protocol.Latency { return c.CompleteLatency }},
	{"execute", "a bolt's Execute calls", func(c protocol.Counts) protocol.Latency { return c.ExecuteLatency }},
	{"process", "a bolt's inputs, from the start of Execute to their ack",
		func(c protocol.Counts) protocol.Latency { return c.ProcessLatency }},
}

// countDescs are one scope's descriptors of counts: per window (gauges)
// and all time (counters), in the order of counts; of latencies, the
// average per window (gauges) and the all-time sum and samples (counters),
// in the order of latencies; and of capacity per window.
type countDescs struct {
	window, total                 []*prometheus.Desc
	latency, latencySum, latencyN []*prometheus.Desc
	capacity                      *prometheus.Desc
}

func newCountDescs(scope, what string, labels ...string) countDescs {
	var d countDescs
	for _, c := range counts {
		d.window = append(d.window, desc("squall_"+scope+"_"+c.name+"_tuples",
			what+": "+c.help+" over the window (600, 10800, 86400 seconds or :all-time), as Storm UI shows them; sampled estimates",
			append(slices.Clone(labels), "window")...))
		d.total = append(d.total, prometheus.NewDesc("squall_"+scope+"_"+c.name+"_tuples_total",
			what+": "+c.help+" since the topology's submission (the :all-time window as a counter, for rate()); sampled estimates",
			labels, nil))
	}
	windowLabels := append(slices.Clone(labels), "window")
	for _, l := range latencies {
		base := "squall_" + scope + "_" + l.name + "_latency_"
		d.latency = append(d.latency, prometheus.NewDesc(base+"seconds",
			what+": average latency of "+l.help+" over the window, as Storm UI shows it (sampled tuples; no series without samples)",
			windowLabels, nil))
		d.latencySum = append(d.latencySum, prometheus.NewDesc(base+"seconds_total",
			what+": sum of the sampled latencies of "+l.help+" since the submission (divide rates by "+base+"samples_total)",
			labels, nil))
		d.latencyN = append(d.latencyN, prometheus.NewDesc(base+"samples_total",
			what+": latencies of "+l.help+" sampled since the submission", labels, nil))
	}
	d.capacity = prometheus.NewDesc("squall_"+scope+"_capacity_ratio",
		what+": the busiest bolt task's capacity over the window, the fraction of it spent executing "+
			"(executed × average execute latency / window, as Storm UI; near 1: add parallelism)", windowLabels, nil)
	return d
}

// all lists the scope's descriptors.
func (d countDescs) all() []*prometheus.Desc {
	out := slices.Concat(d.window, d.total, d.latency, d.latencySum, d.latencyN)
	return append(out, d.capacity)
}

var (
	topologyCounts  = newCountDescs("topology", "every component of the topology", "topology")
	componentCounts = newCountDescs("component", "the component's tasks", "topology", "component")
)

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

// nimbusDescs lists every descriptor of NimbusCollector.
func nimbusDescs() []*prometheus.Desc {
	out := []*prometheus.Desc{nimbusLeader, nimbusScrapeSuccess, nimbusScrapeDuration, nimbusScrapeSkipped,
		clusterLeader, clusterSupervisors, clusterTopologies, clusterSlots, clusterSlotsUsed, clusterSlotsFree,
		clusterTasks, clusterExecutors, supervisorSlots, supervisorSlotsUsed, supervisorUptime, topologyInfo,
		topologyStatus, topologyWorkers, topologyTasks, topologyEpoch, topologyUptime, topologyExecutors,
		workerUptime, componentTasks, componentErrors, componentLastError}
	for _, d := range []countDescs{topologyCounts, componentCounts} {
		out = append(out, d.all()...)
	}
	return out
}

// emitNimbus sends the metrics of one scrape's view.
func emitNimbus(ch chan<- prometheus.Metric, v nimbusView) {
	gauge(ch, nimbusLeader, bool01(v.leader))
	gauge(ch, nimbusScrapeSuccess, bool01(v.ok))
	gauge(ch, nimbusScrapeDuration, v.duration.Seconds())
	if !v.leader {
		return
	}
	gauge(ch, nimbusScrapeSkipped, float64(v.skipped))
	emitCluster(ch, v.cluster)
	for _, t := range v.topologies {
		emitTopology(ch, t)
	}
}

func emitCluster(ch chan<- prometheus.Metric, c protocol.ClusterSummary) {
	gauge(ch, clusterLeader, 1, string(c.Leader))
	gauge(ch, clusterSupervisors, float64(len(c.Supervisors)))
	gauge(ch, clusterTopologies, float64(c.Topologies))
	gauge(ch, clusterSlots, float64(c.Slots))
	gauge(ch, clusterSlotsUsed, float64(c.UsedSlots))
	gauge(ch, clusterSlotsFree, float64(c.Slots-c.UsedSlots))
	gauge(ch, clusterTasks, float64(c.Tasks))
	gauge(ch, clusterExecutors, float64(c.Executors))
	for _, s := range c.Supervisors {
		gauge(ch, supervisorSlots, float64(s.Slots), string(s.ID), s.Host)
		gauge(ch, supervisorSlotsUsed, float64(s.UsedSlots), string(s.ID), s.Host)
		gauge(ch, supervisorUptime, float64(s.UptimeSecs), string(s.ID), s.Host)
	}
}

func emitTopology(ch chan<- prometheus.Metric, t protocol.TopologySummary) {
	id := string(t.ID)
	gauge(ch, topologyInfo, 1, id, t.Name, t.Owner)
	for _, s := range statusesWith(t.Status) {
		gauge(ch, topologyStatus, bool01(s == t.Status), id, s)
	}
	gauge(ch, topologyWorkers, float64(t.Workers), id)
	gauge(ch, topologyTasks, float64(t.Tasks), id)
	gauge(ch, topologyEpoch, float64(t.Epoch), id)
	gauge(ch, topologyUptime, float64(t.UptimeSecs), id)
	gauge(ch, topologyExecutors, float64(t.Executors), id)
	for _, w := range t.WorkerList {
		gauge(ch, workerUptime, float64(w.UptimeSecs), id, string(w.Supervisor), w.Host, strconv.Itoa(int(w.Port)))
	}
	emitCounts(ch, topologyCounts, [4]protocol.Counts{t.Last10m, t.Last3h, t.Last1d, t.AllTime}, id)
	for _, c := range t.Components {
		gauge(ch, componentTasks, float64(c.Tasks), id, c.Name)
		emitCounts(ch, componentCounts, [4]protocol.Counts{c.Last10m, c.Last3h, c.Last1d, c.AllTime}, id, c.Name)
		gauge(ch, componentErrors, float64(len(c.Errors)), id, c.Name)
		if len(c.Errors) > 0 { // newest first
			gauge(ch, componentLastError, float64(c.Errors[0].TimeNs)/1e9, id, c.Name)
		}
	}
}

// statusesWith is statusesKnown, with status added when it is not among
// them (a status a newer nimbus knows).
func statusesWith(status string) []string {
	if status == "" || slices.Contains(statusesKnown, status) {
		return statusesKnown
	}
	return append(slices.Clone(statusesKnown), status)
}

// emitCounts sends one scope's counts: a gauge per window and count, and a
// counter per count from the all-time window. ws are in the order of
// windowLabels.
func emitCounts(ch chan<- prometheus.Metric, d countDescs, ws [4]protocol.Counts, labels ...string) {
	for i, c := range counts {
		for j, w := range windowLabels {
			gauge(ch, d.window[i], float64(c.of(ws[j])), append(slices.Clone(labels), w)...)
		}
		ch <- prometheus.MustNewConstMetric(d.total[i], prometheus.CounterValue, float64(c.of(ws[3])), labels...)
	}
	for i, l := range latencies {
		for j, w := range windowLabels {
			if lat := l.of(ws[j]); lat.Samples > 0 {
				avg := float64(lat.SumNanos) / float64(lat.Samples) / float64(time.Second)
				gauge(ch, d.latency[i], avg, append(slices.Clone(labels), w)...)
			}
		}
		all := l.of(ws[3])
		ch <- prometheus.MustNewConstMetric(d.latencySum[i], prometheus.CounterValue, float64(all.SumNanos)/float64(time.Second), labels...)
		ch <- prometheus.MustNewConstMetric(d.latencyN[i], prometheus.CounterValue, float64(all.Samples), labels...)
	}
	for j, w := range windowLabels {
		gauge(ch, d.capacity, ws[j].Capacity, append(slices.Clone(labels), w)...)
	}
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func bool01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
