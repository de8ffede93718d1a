// Command squall is Squall's single binary: the daemons, the client, local mode
// and the simulator. See the README for the commands.
//
// It carries the example topologies, so it is itself a valid artifact:
// `squall submit --topology wordcount` uploads this binary, and supervisors
// start it as `squall worker ...`.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/squall/squall/cmd/cli"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command line and returns the process exit code: 0 success,
// 1 a failure (a scenario that failed its checks, a refused request), 2 a
// usage error.
func run(args []string, stdout, stderr io.Writer) int {
	cli.Version = version
	if len(args) > 0 && args[0] == "sim" {
		return runSim(args[1:], stdout, stderr)
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, cli.Usage())
		return 2
	}
	return cli.Main(args, cli.Env{Stdout: stdout, Stderr: stderr})
}
