package supervisor_test

import (
	"fmt"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/supervisor"
)

// A supervisor's first steps: its store (empty: a first start), then a
// session, on which it registers and starts reading the leader and the
// assignments. An assignment read later makes it persist a launch record;
// the StartWorker follows only once that record is durable.
func Example() {
	s := supervisor.New(supervisor.Config{ID: "s1", Host: "h1", Address: "s1", Slots: []core.Port{6700}})
	s.Step(0, core.Restored{})
	s.Step(0, core.SessionChanged{State: core.Connected, Session: 0x10})
	for _, e := range s.Ready() {
		if c, ok := e.(core.Coord); ok {
			if _, create := c.Req.(core.Create); create {
				continue // the parents and the ephemeral registration
			}
		}
		fmt.Println(e)
	}
	s.Step(0, core.CoordResult{Op: 8, Reply: core.Reply{Code: core.CodeOK, Children: []string{"wc"}}})
	fmt.Println(s.Ready())
	a := protocol.Assignment{Topology: "wc", Epoch: 1, Workers: []protocol.WorkerAssignment{
		{Supervisor: "s1", Port: 6700, Tasks: []core.TaskID{1, 2}}}}
	s.Step(0, core.CoordResult{Op: 9, Reply: core.Reply{Code: core.CodeOK, Data: protocol.Encode(a)}})
	fmt.Println(s.Ready())
	s.Step(0, core.Persisted{Op: 10})
	fmt.Println(s.Ready())
	// Output:
	// coord op=6 exists /squall/nimbus/leader watch=true
	// coord op=7 get /squall/nimbus/leader watch=false
	// coord op=8 children /squall/assignments watch=true
	// [coord op=9 get /squall/assignments/wc watch=true]
	// [persist op=10 "worker/6700"="{\"topology\":\"wc\",\"epoch\":1}"]
	// [start-worker op=11 wc@s1:6700/e1]
}
