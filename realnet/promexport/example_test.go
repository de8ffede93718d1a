package promexport_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/realnet/promexport"
)

// oneTopology stands in for a leading nimbus machine with one topology.
type oneTopology struct{}

func (oneTopology) Request(_ context.Context, req protocol.ClientRequest) (protocol.ClientReply, error) {
	wc := protocol.TopologySummary{ID: "wordcount", Name: "wordcount", Status: protocol.StatusActive, Workers: 2}
	switch req.Op {
	case protocol.OpCluster:
		return protocol.ClientReply{OK: true, Cluster: &protocol.ClusterSummary{Leader: "n1:6627", Slots: 4, UsedSlots: 2}}, nil
	case protocol.OpList:
		return protocol.ClientReply{OK: true, Topologies: []protocol.TopologySummary{wc}}, nil
	}
	wc.Components = []protocol.ComponentSummary{{Name: "count", Tasks: 4, AllTime: protocol.Counts{Executed: 1200}}}
	return protocol.ClientReply{OK: true, Topologies: []protocol.TopologySummary{wc}}, nil
}

func Example() {
	reg := promexport.NewRegistry(promexport.NewNimbusCollector(promexport.NimbusConfig{Nimbus: oneTopology{}}))
	srv := httptest.NewServer(promexport.Handler(promexport.HandlerConfig{Gatherer: reg}))
	defer srv.Close()

	resp, err := http.Get(srv.URL + promexport.Path)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	for sc := bufio.NewScanner(resp.Body); sc.Scan(); {
		line := sc.Text()
		if strings.HasPrefix(line, "squall_cluster_slots_free ") || strings.HasPrefix(line, "squall_topology_workers") ||
			strings.HasPrefix(line, "squall_component_executed_tuples_total") {
			fmt.Println(line)
		}
	}
	// Output:
	// squall_cluster_slots_free 2
	// squall_component_executed_tuples_total{component="count",topology="wordcount"} 1200
	// squall_topology_workers{topology="wordcount"} 2
}
