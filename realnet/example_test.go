package realnet_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/realnet"
)

// greeter answers "hello" with a greeting and exits on "bye".
type greeter struct{ out []core.Effect }

func (g *greeter) Step(_ core.Time, ev core.Event) {
	r, ok := ev.(core.Recv)
	if !ok {
		return // ticks
	}
	switch string(r.Payload) {
	case "hello":
		g.out = append(g.out, core.Send{To: r.From, Payload: []byte("hello, " + string(r.From))})
	case "bye":
		g.out = append(g.out, core.Exit{Reason: "asked to"})
	}
}

func (g *greeter) Ready() []core.Effect {
	out := g.out
	g.out = nil
	return out
}

// Two processes on loopback: "client" talks through its transport to
// "server", whose machine runs on a driver fed by the server's transport.
func Example() {
	quiet := slog.New(slog.DiscardHandler)
	addrs := map[core.NodeID]string{}
	resolve := func(id core.NodeID) (string, error) { return addrs[id], nil }

	inbox := realnet.NewInbox(realnet.InboxDefault)
	server, err := realnet.Listen(realnet.TransportConfig{Self: "server", Addr: "127.0.0.1:0",
		Resolve: resolve, Logger: quiet}, inbox.Deliver)
	if err != nil {
		panic(err)
	}
	defer server.Close()
	replies := make(chan core.Event, 1)
	client, err := realnet.Listen(realnet.TransportConfig{Self: "client", Addr: "127.0.0.1:0",
		Resolve: resolve, Logger: quiet}, func(ev core.Event) { replies <- ev })
	if err != nil {
		panic(err)
	}
	defer client.Close()
	addrs["server"], addrs["client"] = server.Addr(), client.Addr()

	exited := make(chan string, 1)
	driver := realnet.NewDriver(realnet.DriverConfig{ID: "server", Machine: &greeter{}, Inbox: inbox,
		Net: server, OnExit: func(reason string) { exited <- reason }, Logger: quiet})
	done := make(chan error, 1)
	go func() { done <- driver.Run(context.Background()) }()

	if err := client.Send(core.Send{To: "server", Payload: []byte("hello")}); err != nil {
		panic(err)
	}
	fmt.Println(<-replies)
	if err := client.Send(core.Send{To: "server", Payload: []byte("bye")}); err != nil {
		panic(err)
	}
	fmt.Println("exit:", <-exited, <-done)
	select {
	case <-replies:
		fmt.Println("unexpected reply")
	case <-time.After(10 * time.Millisecond):
	}
	// Output:
	// recv from=server "hello, client"
	// exit: asked to <nil>
}
