package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/squall/squall/scenarios"
)

const simUsage = `usage:
  squall sim list [-v]
  squall sim run (--scenario NAME | --file FILE) --seed N [--json] [--trace FILE]
  squall sim swarm --seeds A-B [--parallel N] [--json] [--out DIR]
  squall sim replay --seed N (--scenario NAME | --file FILE | --swarm) [--html OUT]

exit codes: 0 pass, 1 a run failed its checks, 2 usage or input error
`

func runSim(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, simUsage)
		return 2
	}
	switch args[0] {
	case "list":
		long := len(args) > 1 && (args[1] == "-v" || args[1] == "--long")
		for _, s := range scenarios.List() {
			if !long {
				fmt.Fprintln(stdout, s.Name)
				continue
			}
			kind := "file"
			if s.Spec == nil || s.Spec.Engine == "go" {
				kind = "go"
			}
			fmt.Fprintf(stdout, "%s\t%s\t%s\n", s.Name, kind, s.Description)
		}
		return 0
	case "run":
		return runSimRun(args[1:], stdout, stderr)
	case "swarm":
		return runSimSwarm(args[1:], stdout, stderr)
	case "replay":
		return runSimReplay(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "squall sim: unknown subcommand %q\n%s", args[0], simUsage)
	return 2
}

// target is what run and replay run: a catalog scenario, a file, or a swarm seed.
type target struct {
	name string
	run  func(scenarios.Options) scenarios.Result
	cmd  string // the command that reproduces it, with %d for the seed
}

func loadTarget(scenario, file string, swarm bool, stderr io.Writer) (target, bool) {
	set := 0
	for _, b := range []bool{scenario != "", file != "", swarm} {
		if b {
			set++
		}
	}
	if set != 1 {
		fmt.Fprint(stderr, "squall sim: give exactly one of --scenario, --file or --swarm\n"+simUsage)
		return target{}, false
	}
	switch {
	case swarm:
		return target{name: "swarm", cmd: "go run ./cmd/squall sim replay --swarm --seed %d",
			run: func(o scenarios.Options) scenarios.Result { return scenarios.RunSwarmSeed(o.Seed, o).Result }}, true
	case file != "":
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintf(stderr, "squall sim: %v\n", err)
			return target{}, false
		}
		spec, err := scenarios.ParseFile(file, data)
		if err != nil {
			fmt.Fprintf(stderr, "squall sim: %v\n", err)
			return target{}, false
		}
		return target{name: spec.Name, cmd: "go run ./cmd/squall sim run --file " + file + " --seed %d",
			run: func(o scenarios.Options) scenarios.Result { return scenarios.RunSpec(spec, o) }}, true
	}
	s, ok := scenarios.Lookup(scenario)
	if !ok {
		fmt.Fprintf(stderr, "squall sim: %v\n", scenarios.ErrUnknown{Name: scenario})
		return target{}, false
	}
	return target{name: s.Name, run: s.Run, cmd: "go run ./cmd/squall sim run --scenario " + s.Name + " --seed %d"}, true
}

func runSimRun(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("squall sim run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("scenario", "", "scenario name (see `squall sim list`)")
	file := fs.String("file", "", "scenario file to run")
	seed := fs.Uint64("seed", 1, "seed from which every choice of the run is drawn")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	tracePath := fs.String("trace", "", "write the trace (one line per event) to this file")
	brk := fs.String("break", "", "test only: run a deliberately broken build (see scenarios.Break*)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if (*name == "" && *file == "") || fs.NArg() > 0 {
		fmt.Fprint(stderr, simUsage)
		return 2
	}
	t, ok := loadTarget(*name, *file, false, stderr)
	if !ok {
		return 2
	}
	opts := scenarios.Options{Seed: *seed, Break: *brk}
	if *tracePath != "" {
		f, err := os.Create(*tracePath)
		if err != nil {
			fmt.Fprintf(stderr, "squall sim run: %v\n", err)
			return 2
		}
		defer f.Close()
		opts.Trace = f
	}
	res := t.run(opts)
	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(res); err != nil {
			fmt.Fprintf(stderr, "squall sim run: %v\n", err)
			return 2
		}
	} else {
		printResult(stdout, res)
	}
	if !res.Passed() {
		fmt.Fprintf(stderr, "FAIL %s seed %d; reproduce with:\n  %s\n", res.Scenario, res.Seed, fmt.Sprintf(t.cmd, res.Seed))
		return 1
	}
	return 0
}

func printResult(w io.Writer, r scenarios.Result) {
	fmt.Fprintf(w, "scenario %s seed %d: %s\n", r.Scenario, r.Seed, r.Verdict)
	fmt.Fprintf(w, "  virtual %.1fs in %.3fs wall (%.0fx), %d events, trace %s\n",
		r.VirtualSeconds, r.WallSeconds, r.VirtualSeconds/max(r.WallSeconds, 1e-9), r.Events, r.TraceHash)
	for _, v := range r.Violations {
		fmt.Fprintf(w, "  violation: %s\n", v)
	}
	names := make([]string, 0, len(r.Measures))
	for k := range r.Measures {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(w, "  %s = %g\n", k, r.Measures[k])
	}
}

// parseSeeds reads "A-B" or "N".
func parseSeeds(s string) (from, to uint64, err error) {
	a, b, found := strings.Cut(s, "-")
	if !found {
		b = a
	}
	from, err1 := strconv.ParseUint(a, 10, 64)
	to, err2 := strconv.ParseUint(b, 10, 64)
	if err := errors.Join(err1, err2); err != nil || to < from {
		return 0, 0, fmt.Errorf("want seeds as A-B with A <= B, got %q", s)
	}
	return from, to, nil
}

func runSimReplay(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("squall sim replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("scenario", "", "catalog scenario to replay")
	file := fs.String("file", "", "scenario file to replay")
	swarm := fs.Bool("swarm", false, "replay a swarm seed")
	seed := fs.Uint64("seed", 1, "seed of the run to replay")
	htmlPath := fs.String("html", "", "write a self-contained HTML timeline here")
	brk := fs.String("break", "", "test only: run a deliberately broken build")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		if err == nil {
			fmt.Fprint(stderr, simUsage)
		}
		return 2
	}
	t, ok := loadTarget(*name, *file, *swarm, stderr)
	if !ok {
		return 2
	}
	res, tl := scenarios.Replay(t.run, scenarios.Options{Seed: *seed, Break: *brk})
	printResult(stdout, res)
	fmt.Fprintf(stdout, "trace hash %s\n", res.TraceHash)
	if *htmlPath != "" {
		f, err := os.Create(*htmlPath)
		if err != nil {
			fmt.Fprintf(stderr, "squall sim replay: %v\n", err)
			return 2
		}
		err = errors.Join(tl.WriteHTML(f, t.name+" seed "+strconv.FormatUint(*seed, 10), res), f.Close())
		if err != nil {
			fmt.Fprintf(stderr, "squall sim replay: %v\n", err)
			return 2
		}
		fmt.Fprintf(stdout, "timeline written to %s\n", *htmlPath)
	}
	if !res.Passed() {
		return 1
	}
	return 0
}
