package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/squall/squall/scenarios"
)

const simUsage = `usage:
  squall sim list
  squall sim run --scenario NAME --seed N [--json] [--trace FILE]
`

func runSim(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, simUsage)
		return 2
	}
	switch args[0] {
	case "list":
		for _, s := range scenarios.List() {
			fmt.Fprintln(stdout, s.Name)
		}
		return 0
	case "run":
		return runSimRun(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "squall sim: unknown subcommand %q\n%s", args[0], simUsage)
	return 2
}

func runSimRun(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("squall sim run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("scenario", "", "scenario name (see `squall sim list`)")
	seed := fs.Uint64("seed", 1, "seed from which every choice of the run is drawn")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	tracePath := fs.String("trace", "", "write the trace (one line per event) to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *name == "" || fs.NArg() > 0 {
		fmt.Fprint(stderr, simUsage)
		return 2
	}
	opts := scenarios.Options{Seed: *seed}
	if *tracePath != "" {
		f, err := os.Create(*tracePath)
		if err != nil {
			fmt.Fprintf(stderr, "squall sim run: %v\n", err)
			return 2
		}
		defer f.Close()
		opts.Trace = f
	}
	res, err := scenarios.Run(*name, opts)
	if errors.As(err, new(scenarios.ErrUnknown)) {
		fmt.Fprintf(stderr, "squall sim run: %v\n", err)
		return 2
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(res); err != nil {
			fmt.Fprintf(stderr, "squall sim run: %v\n", err)
			return 2
		}
	} else {
		printResult(stdout, res)
	}
	if !res.Passed() {
		fmt.Fprintf(stderr, "FAIL %s seed %d; reproduce with:\n  %s\n", res.Scenario, res.Seed, res.ReproduceCommand())
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
