package httpapi

import (
	"net/http"
	"time"

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
	return ClusterSummary{Leader: c.Leader, Supervisors: len(c.Supervisors), Topologies: c.Topologies,
		SlotsTotal: c.Slots, SlotsUsed: c.UsedSlots, SlotsFree: c.Slots - c.UsedSlots}, nil
}

func (s *Server) supervisorSummary(_ http.ResponseWriter, r *http.Request) (any, error) {
	c, err := s.cluster(r)
	if err != nil {
		return nil, err
	}
	out := SupervisorList{Supervisors: c.Supervisors}
	if out.Supervisors == nil {
		out.Supervisors = []protocol.SupervisorSummary{}
	}
	return out, nil
}

func (s *Server) nimbusSummary(_ http.ResponseWriter, r *http.Request) (any, error) {
	c, err := s.cluster(r)
	if err != nil {
		return nil, err
	}
	if s.cfg.Members == nil {
		return NimbusList{Nimbuses: []NimbusSummary{{Address: c.Leader, Status: statusLeader}}}, nil
	}
	members, err := s.cfg.Members(r.Context())
	if err != nil {
		return nil, errorf(http.StatusServiceUnavailable, "httpapi: nimbus members: %v", err)
	}
	out := NimbusList{Nimbuses: []NimbusSummary{}}
	for _, m := range members {
		m.Status = statusFollower
		if m.Address == c.Leader {
			m.Status = statusLeader
		}
		out.Nimbuses = append(out.Nimbuses, m)
	}
	return out, nil
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
	out := TopologyList{Topologies: reply.Topologies}
	if out.Topologies == nil {
		out.Topologies = []protocol.TopologySummary{}
	}
	return out, nil
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

func windowCounts(window string, w protocol.Windows) protocol.Counts {
	switch window {
	case WindowLast10m:
		return w.Last10m
	case WindowLast3h:
		return w.Last3h
	case WindowLast1d:
		return w.Last1d
	}
	return w.AllTime
}

// status asks for one topology's summary with its metrics.
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
	for _, t := range reply.Topologies {
		if string(t.ID) == id {
			return t, window, nil
		}
	}
	return protocol.TopologySummary{}, "", errorf(http.StatusNotFound, "httpapi: unknown topology %q", id)
}

func (s *Server) topology(_ http.ResponseWriter, r *http.Request) (any, error) {
	t, window, err := s.status(r)
	if err != nil {
		return nil, err
	}
	out := Topology{ID: t.ID, Name: t.Name, Status: t.Status, Workers: t.Workers, Tasks: t.Tasks,
		Epoch: t.Epoch, Reason: t.Reason, Artifact: t.Artifact, Window: window,
		Stats: windowCounts(window, protocol.Windows{Last10m: t.Last10m, Last3h: t.Last3h, Last1d: t.Last1d, AllTime: t.AllTime}), Components: []Component{}}
	out.Latency = NewLatencyMs(out.Stats)
	for _, c := range t.Components {
		out.Components = append(out.Components, component(t, c, window))
	}
	return out, nil
}

func component(t protocol.TopologySummary, c protocol.ComponentSummary, window string) Component {
	stats := windowCounts(window, protocol.Windows{Last10m: c.Last10m, Last3h: c.Last3h, Last1d: c.Last1d, AllTime: c.AllTime})
	out := Component{Topology: t.ID, Name: c.Name, Tasks: c.Tasks, Window: window,
		Stats: stats, Latency: NewLatencyMs(stats), Errors: componentErrors(c.Errors)}
	if len(out.Errors) > 0 {
		out.LastError = out.Errors[0].Error
	}
	return out
}

// componentErrors converts nimbus's errors (newest first) to Storm UI's.
func componentErrors(errs []protocol.TaskError) []ComponentError {
	out := make([]ComponentError, 0, len(errs))
	for _, e := range errs {
		out = append(out, ComponentError{Error: e.Error, Host: e.Host, Port: e.Port,
			TimeMs: int64(e.TimeNs) / int64(time.Millisecond), LapsedSecs: e.AgeSecs, Task: e.Task})
	}
	return out
}

func (s *Server) component(_ http.ResponseWriter, r *http.Request) (any, error) {
	t, window, err := s.status(r)
	if err != nil {
		return nil, err
	}
	name := r.PathValue("component")
	for _, c := range t.Components {
		if c.Name == name {
			return component(t, c, window), nil
		}
	}
	return nil, errorf(http.StatusNotFound,
		"httpapi: topology %q has no component %q with metrics", t.ID, name)
}
