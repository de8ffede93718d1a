package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/topology"
	"github.com/squall/squall/realnet/httpapi"
)

// clientTimeout bounds one client command.
const clientTimeout = 60 * time.Second

func newAPIClient(c *config) *httpapi.Client {
	return c.apiClient(c.clientToken(), clientTimeout)
}

// runSubmit submits a registered topology with this program as its
// artifact: `squall submit --topology wordcount` runs the example on a
// cluster; a user's program submits its own topologies the same way.
func runSubmit(args []string, env Env) int {
	fs, cf := newFlags("submit", env)
	kind := fs.String("topology", "", "registered topology to submit:\n"+knownTopologies())
	name := fs.String("name", "", "name of the running topology (default: the topology's)")
	workers := fs.Int("workers", 2, "worker processes")
	specFile := fs.String("spec", "", "submit this JSON spec instead of a registered topology")
	artifactPath := fs.String("artifact", "", "the program that runs the components (default: this program)")
	noArtifact := fs.Bool("no-artifact", false, "no artifact: supervisors run their own squall binary")
	skipCheck := fs.Bool("skip-type-check", false, "do not ask --artifact whether it registers the spec's types")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if (*kind == "") == (*specFile == "") || fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "squall submit: give --topology NAME or --spec FILE\nregistered topologies:\n%s", knownTopologies())
		return 2
	}
	c, err := cf.load()
	if err != nil {
		return fail(env, "submit", err)
	}
	spec, topoName, err := submitSpec(*kind, *specFile, *name, *workers)
	if err != nil {
		return fail(env, "submit", err)
	}
	switch {
	case *artifactPath == "":
		// The components run in this program (or, with --no-artifact, in
		// the supervisors' squall, built as this one is): a type it does not
		// register would start workers that can run nothing.
		if err := checkTypes(spec); err != nil {
			return fail(env, "submit", err)
		}
	case !*skipCheck:
		// Another program: it knows its registrations (every topology
		// program runs cli.Main, which answers check-types).
		if err := checkArtifactTypes(env.Ctx, *artifactPath, spec, env.Stderr); err != nil {
			return fail(env, "submit", err)
		}
	}
	program := *artifactPath
	if program == "" && !*noArtifact {
		if program, err = os.Executable(); err != nil {
			return fail(env, "submit", fmt.Errorf("own executable: %w", err))
		}
	}
	ctx, cancel := context.WithTimeout(env.Ctx, clientTimeout)
	defer cancel()
	s, err := newAPIClient(c).Submit(ctx, topoName, spec, program)
	if err != nil {
		return fail(env, "submit", err)
	}
	fmt.Fprintf(env.Stdout, "submitted %s (id %s): %s, %d workers, %d tasks, artifact %s\n", s.Name, s.ID, s.Status,
		s.WorkersTotal, s.TasksTotal, short(s.Artifact))
	return 0
}

func short(d string) string {
	if len(d) > 12 {
		return d[:12]
	}
	if d == "" {
		return "none"
	}
	return d
}

// checkTypes refuses a spec naming a component type this program does not
// register.
func checkTypes(spec []byte) error {
	t, err := topology.Decode(spec)
	if err != nil {
		return err
	}
	if err := task.CheckTypes(t); err != nil {
		return fmt.Errorf("%w: this program does not register it (give the program that does with --artifact)", err)
	}
	return nil
}

// checkTypesTimeout bounds the run of an artifact's check-types.
const checkTypesTimeout = 30 * time.Second

// checkArtifactTypes asks the program at path whether it registers every
// component type of spec, by running `PROGRAM check-types` with the spec
// on its standard input. A refusal is an error; a program that cannot be
// run here (built for another platform, or not a Squall program) is only
// warned about on warn: its workers will report an unknown type.
func checkArtifactTypes(ctx context.Context, path string, spec []byte, warn io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, checkTypesTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "check-types")
	cmd.Stdin = bytes.NewReader(spec)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit) && exit.ExitCode() == checkTypesRefused:
		return fmt.Errorf("%s: %s", path, strings.TrimSpace(stderr.String()))
	}
	fmt.Fprintf(warn, "squall submit: warning: cannot ask %s for its component types (%v: %s); submitting anyway\n",
		path, err, strings.TrimSpace(stderr.String()))
	return nil
}

// checkTypesRefused is check-types' exit code for a spec naming a type the
// program does not register (2 is a usage or input error, as elsewhere).
const checkTypesRefused = 3

// runCheckTypes is `check-types`: read a JSON spec on standard input and
// exit 0 when this program registers every component type it names.
func runCheckTypes(env Env) int {
	data, err := io.ReadAll(io.LimitReader(env.Stdin, topology.SpecBytesMax+1))
	if err != nil {
		fmt.Fprintf(env.Stderr, "squall check-types: %v\n", err)
		return 2
	}
	if err := checkTypes(data); err != nil {
		fmt.Fprintf(env.Stderr, "%v\n", err)
		var unknown task.ErrUnknownType
		if errors.As(err, &unknown) {
			return checkTypesRefused
		}
		return 2
	}
	return 0
}

// submitSpec builds the JSON spec to submit.
func submitSpec(kind, specFile, name string, workers int) ([]byte, string, error) {
	if specFile != "" {
		data, err := os.ReadFile(specFile)
		if err != nil {
			return nil, "", err
		}
		t, err := topology.Decode(data)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", specFile, err)
		}
		spec, err := topology.Encode(t)
		return spec, t.Name, err
	}
	t, err := buildTopology(kind, name, workers)
	if err != nil {
		return nil, "", err
	}
	spec, err := topology.Encode(t)
	return spec, t.Name, err
}

// runClient runs kill, activate, deactivate, rebalance, list and status.
func runClient(cmd string, args []string, env Env) int {
	fs, cf := newFlags(cmd, env)
	wait := fs.Duration("wait", 0, "kill, rebalance: deactivate for this long first (Storm's -w; "+
		"default: the topology's message timeout, 0: at once)")
	workers := fs.Int("workers", 0, "rebalance: the new number of workers (Storm's -n)")
	var par multiFlag
	fs.Var(&par, "parallelism", "rebalance: component=N (repeatable; Storm's -e)")
	asJSON := fs.Bool("json", false, "list, status: print JSON")
	window := fs.String("window", httpapi.WindowAllTime, "status: metrics window: 600 (10 min), 10800 (3 h), 86400 (1 day) or :all-time")
	name, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, rest = args[0], args[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return 2
	}
	if *wait < 0 {
		// Taken for zero, it would kill at once what was meant to drain.
		fmt.Fprintf(env.Stderr, "squall %s: --wait %v is negative; want 0 or more\n", cmd, *wait)
		return 2
	}
	if (cmd == "list") != (name == "") || fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "usage: squall %s%s [flags]\n", cmd, map[bool]string{true: "", false: " TOPOLOGY"}[cmd == "list"])
		return 2
	}
	c, err := cf.load()
	if err != nil {
		return fail(env, cmd, err)
	}
	waitArg, err := waitOf(fs, *wait)
	if err != nil {
		return fail(env, cmd, err)
	}
	parallelism, err := parseParallelism(par)
	if err != nil {
		return fail(env, cmd, err)
	}
	ctx, cancel := context.WithTimeout(env.Ctx, clientTimeout)
	defer cancel()
	api := newAPIClient(c)
	var s httpapi.TopologySummary
	switch cmd {
	case "kill":
		s, err = api.Kill(ctx, name, waitArg)
	case "activate":
		s, err = api.Activate(ctx, name)
	case "deactivate":
		s, err = api.Deactivate(ctx, name)
	case "rebalance":
		s, err = api.Rebalance(ctx, name, waitArg, *workers, parallelism)
	case "list":
		return printList(ctx, api, env, *asJSON)
	case "status":
		return printStatus(ctx, api, env, name, *window, *asJSON)
	}
	if err != nil {
		return fail(env, cmd, err)
	}
	writeChange(env.Stdout, cmd, s)
	return 0
}

// waitOf is the wait to ask for: without --wait, Storm's default (the
// topology's message timeout); a negative one is refused, not taken as 0.
func waitOf(fs *flag.FlagSet, wait time.Duration) (time.Duration, error) {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "wait" })
	switch {
	case !given:
		return httpapi.WaitDefault, nil
	case wait < 0:
		return 0, fmt.Errorf("--wait %s: want 0 (at once) or more", wait)
	}
	return wait, nil
}

// writeChange prints a lifecycle change's outcome and, when nimbus gave
// one, why the topology is not (or, for a rebalance, cannot now be) placed.
func writeChange(w io.Writer, cmd string, s httpapi.TopologySummary) {
	fmt.Fprintf(w, "%s %s: %s\n", cmd, s.Name, s.Status)
	if s.Reason != "" {
		fmt.Fprintf(w, "  not fully scheduled: %s\n", s.Reason)
	}
}

func parseParallelism(par []string) (map[string]int, error) {
	if len(par) == 0 {
		return nil, nil
	}
	out := map[string]int{}
	for _, p := range par {
		comp, n, ok := strings.Cut(p, "=")
		v, err := strconv.Atoi(n)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("--parallelism %q: want component=N with N > 0", p)
		}
		out[comp] = v
	}
	return out, nil
}

func printList(ctx context.Context, api *httpapi.Client, env Env, asJSON bool) int {
	list, err := api.List(ctx)
	if err != nil {
		return fail(env, "list", err)
	}
	if asJSON {
		return printJSON(env, "list", list)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TOPOLOGY\tID\tSTATUS\tUPTIME\tWORKERS\tTASKS\tEPOCH\tARTIFACT")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", s.Name, s.ID, s.Status, s.Uptime, s.WorkersTotal,
			s.TasksTotal, s.Epoch, short(s.Artifact))
	}
	tw.Flush()
	return 0
}

func printStatus(ctx context.Context, api *httpapi.Client, env Env, name, window string, asJSON bool) int {
	t, err := api.Status(ctx, name, window)
	if err != nil {
		return fail(env, "status", err)
	}
	if asJSON {
		return printJSON(env, "status", t)
	}
	writeStatus(env.Stdout, t)
	return 0
}

func writeStatus(w io.Writer, t httpapi.Topology) {
	fmt.Fprintf(w, "%s (id %s): %s, up %s, %d workers, %d tasks, epoch %d, artifact %s; counts over window %s\n",
		t.Name, t.ID, t.Status, t.Uptime, t.WorkersTotal, t.TasksTotal, t.Epoch, short(t.Artifact), t.Window)
	switch {
	case t.Status == protocol.StatusCorrupt:
		fmt.Fprintf(w, "  %s; only kill applies: it removes the record and the assignment\n", t.Reason)
	case t.Reason != "":
		fmt.Fprintf(w, "  not fully scheduled: %s\n", t.Reason)
	}
	writeComponents(w, statusRows(t))
}

// componentRow is one line of the component table of status and of local
// mode's summary: Storm UI's spout and bolt columns in one table.
type componentRow struct {
	name, kind                              string
	executors, tasks                        int
	emitted, transferred, executed          int64
	acked, failed                           int64
	completeMs, executeMs, processMs, capac string
	lastError                               httpapi.LastError
}

func statusRows(t httpapi.Topology) []componentRow {
	var rows []componentRow
	for _, s := range t.Spouts {
		rows = append(rows, componentRow{name: s.SpoutID, kind: "spout", executors: s.Executors, tasks: s.Tasks,
			emitted: s.Emitted, transferred: s.Transferred, acked: s.Acked, failed: s.Failed,
			completeMs: s.CompleteLatency, lastError: s.LastError})
	}
	for _, b := range t.Bolts {
		rows = append(rows, componentRow{name: b.BoltID, kind: "bolt", executors: b.Executors, tasks: b.Tasks,
			emitted: b.Emitted, transferred: b.Transferred, executed: b.Executed, acked: b.Acked, failed: b.Failed,
			executeMs: b.ExecuteLatency, processMs: b.ProcessLatency, capac: b.Capacity, lastError: b.LastError})
	}
	return rows
}

// writeComponents prints the rows as a table, then each component's last
// error. A latency or capacity that does not apply or was not measured
// is "-".
func writeComponents(w io.Writer, rows []componentRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "component\ttype\ttasks\temitted\ttransferred\texecuted\tacked\tfailed\tcomplete ms\texecute ms\tprocess ms\tcapacity\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t\n", r.name, r.kind, r.tasks, r.emitted,
			r.transferred, r.executed, r.acked, r.failed, dash(r.completeMs), dash(r.executeMs), dash(r.processMs), dash(r.capac))
	}
	tw.Flush()
	for _, r := range rows {
		if e := r.lastError; e.LastError != "" {
			fmt.Fprintf(w, "  last error of %s (%s): %s\n", r.name, errorWhere(e), oneLine(e.LastError))
		}
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// errorWhere says when and where an error was reported.
func errorWhere(e httpapi.LastError) string {
	var parts []string
	if e.ErrorLapsedSecs != nil {
		parts = append(parts, fmt.Sprintf("%ds ago", *e.ErrorLapsedSecs))
	}
	if e.ErrorPort != nil {
		parts = append(parts, fmt.Sprintf("%s:%d", e.ErrorHost, *e.ErrorPort))
	}
	if e.ErrorTask != nil {
		parts = append(parts, fmt.Sprintf("task %d", *e.ErrorTask))
	}
	return strings.Join(parts, ", ")
}

// oneLine keeps an error's first line, so a stack trace fits a listing.
func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

func printJSON(env Env, cmd string, v any) int {
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fail(env, cmd, err)
	}
	return 0
}
