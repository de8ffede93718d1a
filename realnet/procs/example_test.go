package procs_test

import (
	"fmt"
	"os"
	"os/exec"

	"github.com/squall/squall/core"
	"github.com/squall/squall/realnet/procs"
)

// A supervisor's driver starts a worker that fails at once: the runner
// reports the start, then the exit with its code.
func Example() {
	dir, err := os.MkdirTemp("", "procs-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	events := make(chan core.Event, 4)
	r, err := procs.New(procs.Config{
		Dir: dir,
		Command: func(spec core.WorkerSpec) (*exec.Cmd, error) {
			// A real supervisor runs: ARTIFACT worker --topology ... --port ...
			return exec.Command("sh", "-c", "echo starting "+string(spec.Topology)+"; exit 3"), nil
		},
	}, func(ev core.Event) { events <- ev })
	if err != nil {
		panic(err)
	}
	defer r.Close()

	r.Start(core.StartWorker{Op: 1, Spec: core.WorkerSpec{Topology: "wordcount", Supervisor: "s1", Port: 6700, Epoch: 1}}, nil)
	fmt.Println(<-events)
	fmt.Println(<-events)
	log, _ := os.ReadFile(r.LogPath(6700))
	fmt.Printf("log: %s", log)
	// Output:
	// worker-started op=1 port=6700
	// worker-exited port=6700 topology=wordcount reason="exited with code 3"
	// log: starting wordcount
}
