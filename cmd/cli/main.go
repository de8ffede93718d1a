package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Version is the program's version, set by the binary.
var Version = "dev"

// Env is where a command runs: its output streams and its context.
type Env struct {
	Stdout, Stderr io.Writer
	Ctx            context.Context
	Stdin          io.Reader // nil: os.Stdin (read by check-types only)
}

const usage = `usage: squall <command> [arguments]

daemons:
  nimbus          run a nimbus (leader elected through ZooKeeper by priority)
  supervisor      run a supervisor: starts and watches this host's workers
  worker          run one worker process (started by supervisors)
  dev-zookeeper   run a development ZooKeeper from Debian's zookeeper package

client:
  submit          submit a topology (the program itself is its artifact)
  kill            kill a topology [--wait D]
  activate        activate a topology
  deactivate      deactivate a topology
  rebalance       rebalance a topology [--wait D] [--workers N] [--parallelism c=N]
  list            list topologies
  status          a topology's status and metrics [--json]
  get-errors      a topology's last errors per component [--json]

other:
  local           run nimbus, supervisors and workers in this process
  config          print the configuration reference
  sim             run the deterministic simulator (list, run, swarm, replay)
  version         print the version
`

// Main runs one command line and returns the exit code: 0 success, 1 a
// failure, 2 a usage error. The sim command is the squall binary's own;
// everything else is here, so a user's topology program that calls Main
// is a complete artifact.
func Main(args []string, env Env) int {
	if env.Ctx == nil {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		env.Ctx = ctx
	}
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "nimbus":
		return runNimbus(rest, env)
	case "supervisor":
		return runSupervisor(rest, env)
	case "worker":
		return runWorker(rest, env)
	case "dev-zookeeper":
		return runDevZookeeper(rest, env)
	case "submit":
		return runSubmit(rest, env)
	case "kill", "activate", "deactivate", "rebalance", "list", "status":
		return runClient(cmd, rest, env)
	case "get-errors":
		return runGetErrors(rest, env)
	case "check-types": // asked by another program's submit (see checkArtifactTypes)
		if env.Stdin == nil {
			env.Stdin = os.Stdin
		}
		return runCheckTypes(env)
	case "local":
		return runLocal(rest, env)
	case "config":
		fmt.Fprint(env.Stdout, reference())
		return 0
	case "version":
		fmt.Fprintln(env.Stdout, "squall", Version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, usage)
		return 0
	}
	fmt.Fprintf(env.Stderr, "squall: unknown command %q\n%s", cmd, usage)
	return 2
}

// Usage is the command list, for a binary that adds commands of its own.
func Usage() string { return usage }

// configFlags are the flags every daemon and client command shares.
type configFlags struct {
	file      string
	overrides multiFlag
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func newFlags(name string, env Env) (*flag.FlagSet, *configFlags) {
	fs := flag.NewFlagSet("squall "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cf := &configFlags{}
	fs.StringVar(&cf.file, "config", "", "configuration file (default squall.yaml if present)")
	fs.Var(&cf.overrides, "c", "override a configuration key: -c key=value (repeatable; see `squall config`)")
	return fs, cf
}

// load builds the configuration: defaults, then the file, then -c.
func (cf *configFlags) load() (*config, error) {
	c := defaultConfig()
	file := cf.file
	if file == "" {
		if _, err := os.Stat("squall.yaml"); err == nil {
			file = "squall.yaml"
		}
	}
	if file != "" {
		if err := c.loadFile(file); err != nil {
			return nil, err
		}
	}
	for _, kv := range cf.overrides {
		if err := c.override(kv); err != nil {
			return nil, err
		}
	}
	return c, c.validate()
}

// newLogger builds the slog logger the configuration asks for.
func newLogger(c *config, w io.Writer, component string) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.str("log.level"))); err != nil {
		return nil, fmt.Errorf("config: log.level = %q: want debug, info, warn or error", c.str("log.level"))
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch c.str("log.format") {
	case "text":
		h = slog.NewTextHandler(w, opts)
	case "json":
		h = slog.NewJSONHandler(w, opts)
	default:
		return nil, fmt.Errorf("config: log.format = %q: want text or json", c.str("log.format"))
	}
	return slog.New(h).With("component", component), nil
}

// fail prints an error for a command and returns exit code 1.
func fail(env Env, cmd string, err error) int {
	fmt.Fprintf(env.Stderr, "squall %s: %v\n", cmd, err)
	return 1
}
