package zkadapter_test

import (
	"fmt"
	"log"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/zkadapter"
)

// A driver hands a machine's Coord effects to Submit and feeds the events
// its sink receives back to the machine. Here the sink prints them.
func ExampleMemoryServer() {
	srv := zkadapter.NewMemoryServer()
	events := make(chan core.Event, 16)
	c := srv.Connect(4*time.Second, func(ev core.Event) { events <- ev })
	defer c.Close()

	c.Submit(core.Coord{Op: 1, Req: core.Create{Path: "/squall", Data: []byte("v1")}})
	c.Submit(core.Coord{Op: 2, Req: core.GetData{Path: "/squall", Watch: true}})
	c.Submit(core.Coord{Op: 3, Req: core.SetData{Path: "/squall", Data: []byte("v2"), Version: 0}})
	for range 5 {
		switch ev := (<-events).(type) {
		case core.SessionChanged:
			fmt.Println("session", ev.State) // the id varies; print the state
		default:
			fmt.Println(ev)
		}
	}
	// Output:
	// session Connected
	// coord-result op=1 OK path=/squall
	// coord-result op=2 OK data="v1" v=0 mzxid=1
	// watch NodeDataChanged /squall
	// coord-result op=3 OK v=1 mzxid=2
}

// The same with a real ZooKeeper (start one with `squall dev-zookeeper`).
func ExampleNew() {
	events := make(chan core.Event, 64)
	c, err := zkadapter.New(zkadapter.Config{
		Servers:        []string{"127.0.0.1:2181"},
		SessionTimeout: 10 * time.Second,
	}, func(ev core.Event) { events <- ev })
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	c.Submit(core.Coord{Op: 1, Req: core.Create{Path: "/squall/nimbus/election/n_", Mode: core.EphemeralSequential}})
	for ev := range events {
		fmt.Println(ev) // session Connected ..., then coord-result op=1 ...
		if r, ok := ev.(core.CoordResult); ok && r.Op == 1 {
			break
		}
	}
}
