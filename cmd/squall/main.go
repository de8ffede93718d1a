// Command squall is Squall's single binary: the daemons, the client, local mode
// and the simulator. See the README for the commands.
package main

import (
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: squall <command> [arguments]

commands:
  sim       run the deterministic simulator (list, run)
  version   print the version
`

// run executes one command line and returns the process exit code: 0 success,
// 1 a failed run (a scenario that failed its checks), 2 a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "sim":
		return runSim(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "squall", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "squall: unknown command %q\n%s", args[0], usage)
	return 2
}
