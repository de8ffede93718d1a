package httpapi_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/realnet/httpapi"
)

// staticNimbus stands in for the nimbus machine: it leads and runs one
// topology.
type staticNimbus struct{}

func (staticNimbus) Request(_ context.Context, req protocol.ClientRequest) (protocol.ClientReply, error) {
	wc := protocol.TopologySummary{ID: "wordcount", Name: "wordcount", Status: protocol.StatusActive, Workers: 2}
	switch req.Op {
	case protocol.OpList:
		return protocol.ClientReply{ID: req.ID, OK: true, Topologies: []protocol.TopologySummary{wc}}, nil
	}
	return protocol.ClientReply{ID: req.ID, Error: fmt.Sprintf("nimbus: %s: unknown topology %q", req.Op, req.Topology)}, nil
}

func Example() {
	srv := httptest.NewServer(httpapi.NewServer(httpapi.ServerConfig{Nimbus: staticNimbus{}}))
	defer srv.Close()
	client := httpapi.NewClient([]string{strings.TrimPrefix(srv.URL, "http://")}, nil)

	list, err := client.List(context.Background())
	if err != nil {
		panic(err)
	}
	for _, t := range list {
		fmt.Println(t.Name, t.Status, t.WorkersTotal)
	}
	_, err = client.Kill(context.Background(), "nope", 0)
	fmt.Println(err)
	// Output:
	// wordcount ACTIVE 2
	// nimbus: kill: unknown topology "nope" (404 Not Found)
}
