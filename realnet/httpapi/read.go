package httpapi

import (
	"net"
	"net/http"
	"strconv"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// cluster asks the leader for its cluster summary.
func (s *Server) cluster(r *http.Request) (*protocol.ClusterSummary, error) {
	reply, err := s.ask(r, protocol.ClientRequest{Op: protocol.OpCluster})
	if err != nil {
		return nil, err
	}
	if reply.Cluster == nil {
		return nil, errorf(http.StatusInternalServerError, "httpapi: nimbus answered without a cluster summary")
	}
	return reply.Cluster, nil
}

func (s *Server) clusterSummary(_ http.ResponseWriter, r *http.Request) (any, error) {
	c, err := s.cluster(r)
	if err != nil {
		return nil, err
	}
	return newClusterSummary(c, s.cfg.Version), nil
}

func newClusterSummary(c *protocol.ClusterSummary, version string) ClusterSummary {
	out := ClusterSummary{StormVersion: StormVersion, SquallVersion: version, Leader: c.Leader,
		Supervisors: len(c.Supervisors), Topologies: c.Topologies, SlotsTotal: c.Slots, SlotsUsed: c.UsedSlots,
		SlotsFree: c.Slots - c.UsedSlots, ExecutorsTotal: c.Executors, TasksTotal: c.Tasks,
		SchedulerDisplayResource: true}
	var usedMem, usedCPU float64
	for _, sv := range c.Supervisors {
		out.TotalMem += float64(sv.Capacity.MemoryMB)
		out.TotalCPU += float64(sv.Capacity.CPU)
		usedMem += float64(sv.Used.MemoryMB)
		usedCPU += float64(sv.Used.CPU)
	}
	out.AvailMem, out.AvailCPU = out.TotalMem-usedMem, out.TotalCPU-usedCPU
	out.MemAssignedPercentUtil, out.CPUAssignedPercentUtil = percent(usedMem, out.TotalMem), percent(usedCPU, out.TotalCPU)
	return out
}

// percent is 100 × part / whole, 0 for an empty whole.
func percent(part, whole float64) float64 {
	if whole <= 0 {
		return 0
	}
	return 100 * part / whole
}

func (s *Server) supervisorSummary(_ http.ResponseWriter, r *http.Request) (any, error) {
	c, err := s.cluster(r)
	if err != nil {
		return nil, err
	}
	out := SupervisorList{Supervisors: []Supervisor{}, SchedulerDisplayResource: true}
	for _, sv := range c.Supervisors {
		out.Supervisors = append(out.Supervisors, newSupervisor(sv, s.cfg.Version))
	}
	return out, nil
}

func newSupervisor(sv protocol.SupervisorSummary, version string) Supervisor {
	return Supervisor{ID: sv.ID, Host: sv.Host, Address: sv.Address, Uptime: prettySecs(sv.UptimeSecs),
		UptimeSeconds: sv.UptimeSecs, SlotsTotal: sv.Slots, SlotsUsed: sv.UsedSlots, SchedulerDisplayResource: true,
		TotalMem: float64(sv.Capacity.MemoryMB), TotalCPU: float64(sv.Capacity.CPU),
		UsedMem: float64(sv.Used.MemoryMB), UsedCPU: float64(sv.Used.CPU), Version: version}
}

func (s *Server) nimbusSummary(_ http.ResponseWriter, r *http.Request) (any, error) {
	c, err := s.cluster(r)
	if err != nil {
		return nil, err
	}
	if s.cfg.Members == nil {
		return NimbusList{Nimbuses: []NimbusSummary{s.nimbus(NimbusSummary{Address: c.Leader}, c.Leader)}}, nil
	}
	members, err := s.cfg.Members(r.Context())
	if err != nil {
		return nil, errorf(http.StatusServiceUnavailable, "httpapi: nimbus members: %v", err)
	}
	out := NimbusList{Nimbuses: []NimbusSummary{}}
	for _, m := range members {
		out.Nimbuses = append(out.Nimbuses, s.nimbus(m, c.Leader))
	}
	return out, nil
}

// nimbus fills in a member's status, host, port and uptime.
func (s *Server) nimbus(m NimbusSummary, leader core.NodeID) NimbusSummary {
	m.Status = statusFollower
	if m.Address == leader {
		m.Status = statusLeader
	}
	if host, port, err := net.SplitHostPort(string(m.Address)); err == nil {
		m.Host = host
		m.Port, _ = strconv.Atoi(port)
	}
	if m.Version == "" && m.Status == statusLeader { // this nimbus: only the leader answers
		m.Version = s.cfg.Version
	}
	if m.StartedUnixSecs == 0 && m.Status == statusLeader && !s.cfg.Started.IsZero() {
		m.StartedUnixSecs = s.cfg.Started.Unix()
	}
	if m.StartedUnixSecs > 0 && s.cfg.Now != nil {
		up := max(0, s.cfg.Now().Unix()-m.StartedUnixSecs)
		m.NimbusUpTime, m.NimbusUpTimeSeconds = prettySecs(up), strconv.FormatInt(up, 10)
	}
	return m
}

// Nimbus statuses, as Storm UI names them.
const (
	statusLeader   = "Leader"
	statusFollower = "Not a Leader"
)

func (s *Server) topologySummary(_ http.ResponseWriter, r *http.Request) (any, error) {
	reply, err := s.ask(r, protocol.ClientRequest{Op: protocol.OpList})
	if err != nil {
		return nil, err
	}
	out := TopologyList{Topologies: []TopologySummary{}, SchedulerDisplayResource: true}
	for _, t := range reply.Topologies {
		out.Topologies = append(out.Topologies, newTopologySummary(t))
	}
	return out, nil
}

func newTopologySummary(t protocol.TopologySummary) TopologySummary {
	return TopologySummary{ID: t.ID, Name: t.Name, Status: t.Status, Uptime: prettySecs(t.UptimeSecs),
		UptimeSeconds: t.UptimeSecs, TasksTotal: t.Tasks, WorkersTotal: t.Workers, ExecutorsTotal: t.Executors,
		ReplicationCount:   1,
		RequestedMemOnHeap: float64(t.Requested.MemoryMB), RequestedTotalMem: float64(t.Requested.MemoryMB),
		RequestedCPU:      float64(t.Requested.CPU),
		AssignedMemOnHeap: float64(t.Assigned.MemoryMB), AssignedTotalMem: float64(t.Assigned.MemoryMB),
		AssignedCPU: float64(t.Assigned.CPU), SchedulerDisplayResource: true,
		Owner: t.Owner, Epoch: t.Epoch, Reason: t.Reason, Artifact: t.Artifact, TopologyStats: topologyStats(t)}
}

// topologyStats are a summary's counters per window, in Storm UI's order.
func topologyStats(t protocol.TopologySummary) []WindowStats {
	out := make([]WindowStats, 0, len(windowOrder))
	for _, w := range windowOrder {
		out = append(out, windowStats(w, pick(w, t.Last10m, t.Last3h, t.Last1d, t.AllTime)))
	}
	return out
}

// parseWindow reads ?window=: 600 or 10m for the last ten minutes, 10800 or
// 3h, 86400 or 1d, all or :all-time (the default, as in Storm UI) for all
// time.
func parseWindow(r *http.Request) (string, error) {
	switch w := r.URL.Query().Get("window"); w {
	case "600", "10m":
		return WindowLast10m, nil
	case "10800", "3h":
		return WindowLast3h, nil
	case "86400", "1d":
		return WindowLast1d, nil
	case "", "all", ":all-time":
		return WindowAllTime, nil
	default:
		return "", errorf(http.StatusBadRequest,
			"httpapi: unknown window %q (want 600, 10800, 86400 or :all-time; or 10m, 3h, 1d, all)", w)
	}
}

// parseSys reads ?sys=: 1 or true shows system components (__acker), as
// Storm UI's.
func parseSys(r *http.Request) bool {
	v := r.URL.Query().Get("sys")
	return v == "1" || v == "true"
}

// status asks for one topology's summary with its metrics. Storm's API
// names topologies by id; nimbus also takes a name.
func (s *Server) status(r *http.Request) (protocol.TopologySummary, string, error) {
	window, err := parseWindow(r)
	if err != nil {
		return protocol.TopologySummary{}, "", err
	}
	id := r.PathValue("id")
	reply, err := s.ask(r, protocol.ClientRequest{Op: protocol.OpStatus, Topology: id})
	if err != nil {
		return protocol.TopologySummary{}, "", err
	}
	if len(reply.Topologies) != 1 {
		return protocol.TopologySummary{}, "", errorf(http.StatusNotFound, "httpapi: unknown topology %q", id)
	}
	return reply.Topologies[0], window, nil
}

func (s *Server) topology(_ http.ResponseWriter, r *http.Request) (any, error) {
	t, window, err := s.status(r)
	if err != nil {
		return nil, err
	}
	return NewTopology(t, window, parseSys(r)), nil
}

func (s *Server) component(_ http.ResponseWriter, r *http.Request) (any, error) {
	t, window, err := s.status(r)
	if err != nil {
		return nil, err
	}
	c, ok := newComponent(t, r.PathValue("component"), window)
	if !ok {
		return nil, errorf(http.StatusNotFound, "httpapi: topology %q has no component %q", t.ID, r.PathValue("component"))
	}
	return c, nil
}

func (s *Server) visualization(_ http.ResponseWriter, r *http.Request) (any, error) {
	t, window, err := s.status(r)
	if err != nil {
		return nil, err
	}
	return newVisualization(t, window, parseSys(r)), nil
}

func (s *Server) configuration(_ http.ResponseWriter, r *http.Request) (any, error) {
	if _, err := s.cluster(r); err != nil { // answered by the leader, as every read
		return nil, err
	}
	out := map[string]any{}
	if s.cfg.Configuration != nil {
		out = s.cfg.Configuration()
	}
	return out, nil
}
