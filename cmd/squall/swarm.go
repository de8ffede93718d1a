package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/squall/squall/scenarios"
)

// swarmLine is one seed's JSON line; swarmSummary the last line.
type swarmLine struct {
	Seed           uint64   `json:"seed"`
	Verdict        string   `json:"verdict"`
	TraceHash      string   `json:"trace_hash"`
	VirtualSeconds float64  `json:"virtual_seconds"`
	WallSeconds    float64  `json:"wall_seconds"`
	Events         uint64   `json:"events"`
	Faults         float64  `json:"faults"`
	Violations     []string `json:"violations"`
	Replay         string   `json:"replay,omitempty"`
	Saved          string   `json:"saved,omitempty"`
}

type swarmSummary struct {
	Summary        bool     `json:"summary"`
	Seeds          int      `json:"seeds"`
	Passed         int      `json:"passed"`
	Failed         []uint64 `json:"failed"`
	WallSeconds    float64  `json:"wall_seconds"`
	SeedsPerSecond float64  `json:"seeds_per_second"`
	VirtualSeconds float64  `json:"virtual_seconds"`
	SimToWall      float64  `json:"sim_to_wall"`
}

func runSimSwarm(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("squall sim swarm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seeds := fs.String("seeds", "1-100", "seed range A-B (inclusive)")
	parallel := fs.Int("parallel", 0, "worker goroutines (default GOMAXPROCS)")
	asJSON := fs.Bool("json", false, "one JSON line per seed and a summary line")
	out := fs.String("out", "swarm-failures", "directory for the scenario files of failing seeds")
	brk := fs.String("break", "", "test only: run a deliberately broken build")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	from, to, err := parseSeeds(*seeds)
	if err != nil || fs.NArg() > 0 {
		fmt.Fprintf(stderr, "squall sim swarm: %v\n%s", err, simUsage)
		return 2
	}
	tty := isTerminal(stderr)
	start := time.Now()
	sum := swarmSummary{Summary: true, Failed: []uint64{}}
	n := int(to - from + 1)
	enc := json.NewEncoder(stdout)
	scenarios.Swarm(from, to, *parallel, scenarios.Options{Break: *brk}, func(r scenarios.SwarmResult) {
		sum.Seeds++
		sum.VirtualSeconds += r.VirtualSeconds
		line := swarmLine{Seed: r.Seed, Verdict: r.Verdict, TraceHash: r.TraceHash, VirtualSeconds: r.VirtualSeconds,
			WallSeconds: r.WallSeconds, Events: r.Events, Faults: r.Measures["faults"], Violations: r.Violations}
		if r.Passed() {
			sum.Passed++
		} else {
			sum.Failed = append(sum.Failed, r.Seed)
			line.Replay = scenarios.SwarmReplayCommand(r.Seed)
			if *brk != "" {
				line.Replay += " --break " + *brk
			}
			line.Saved = saveFailure(*out, r, stderr)
		}
		if *asJSON {
			enc.Encode(line)
		} else if !r.Passed() {
			fmt.Fprintf(stdout, "FAIL seed %d: %v\n  replay: %s\n  saved:  %s (run it: go run ./cmd/squall sim run --file %s --seed %d)\n",
				r.Seed, r.Violations, line.Replay, line.Saved, line.Saved, r.Seed)
		}
		if tty {
			progress(stderr, sum, n, start)
		}
	})
	sum.WallSeconds = time.Since(start).Seconds()
	sum.SeedsPerSecond = float64(sum.Seeds) / max(sum.WallSeconds, 1e-9)
	sum.SimToWall = sum.VirtualSeconds / max(sum.WallSeconds, 1e-9)
	if tty {
		fmt.Fprintln(stderr)
	}
	if *asJSON {
		enc.Encode(sum)
	} else {
		fmt.Fprintf(stdout, "swarm seeds %d-%d: %d passed, %d failed; %.1f seeds/s, %.0fx simulated to wall time\n",
			from, to, sum.Passed, len(sum.Failed), sum.SeedsPerSecond, sum.SimToWall)
	}
	if len(sum.Failed) > 0 {
		return 1
	}
	return 0
}

// saveFailure writes a failing seed's derived scenario under dir.
func saveFailure(dir string, r scenarios.SwarmResult, stderr io.Writer) string {
	path := filepath.Join(dir, fmt.Sprintf("swarm-%d.yaml", r.Seed))
	data := append([]byte(fmt.Sprintf("# swarm seed %d failed: run with --seed %d\n", r.Seed, r.Seed)), r.Spec.Format()...)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "squall sim swarm: %v\n", err)
		return ""
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		fmt.Fprintf(stderr, "squall sim swarm: %v\n", err)
		return ""
	}
	return path
}

func progress(w io.Writer, s swarmSummary, n int, start time.Time) {
	el := time.Since(start).Seconds()
	rate := float64(s.Seeds) / max(el, 1e-9)
	eta := time.Duration(float64(n-s.Seeds) / max(rate, 1e-9) * float64(time.Second)).Round(time.Second)
	const barW = 30
	done := barW * s.Seeds / n
	bar := ""
	for i := range barW {
		if i < done {
			bar += "#"
		} else {
			bar += "."
		}
	}
	fmt.Fprintf(w, "\r[%s] %d/%d seeds  %.1f seeds/s  ETA %s  failures %d ", bar, s.Seeds, n, rate, eta, len(s.Failed))
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
