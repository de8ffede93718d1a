package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/squall/squall/realnet/httpapi"
)

// ErrorsEntry is one line of `squall get-errors --json`.
type ErrorsEntry struct {
	Component string `json:"component"`
	httpapi.ComponentError
}

// runGetErrors prints a topology's last errors, per component newest
// first: what its tasks reported (ReportError, broken collector
// contracts), as nimbus keeps them (Storm's `storm get-errors`).
func runGetErrors(args []string, env Env) int {
	fs, cf := newFlags("get-errors", env)
	asJSON := fs.Bool("json", false, "print JSON")
	name, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, rest = args[0], args[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return 2
	}
	if name == "" || fs.NArg() > 0 {
		fmt.Fprintln(env.Stderr, "usage: squall get-errors TOPOLOGY [--json]")
		return 2
	}
	c, err := cf.load()
	if err != nil {
		return fail(env, "get-errors", err)
	}
	ctx, cancel := context.WithTimeout(env.Ctx, clientTimeout)
	defer cancel()
	t, err := newAPIClient(c).Status(ctx, name, "")
	if err != nil {
		return fail(env, "get-errors", err)
	}
	entries, err := topologyErrors(ctx, newAPIClient(c), t)
	if err != nil {
		return fail(env, "get-errors", err)
	}
	if *asJSON {
		return printJSON(env, "get-errors", entries)
	}
	writeErrors(env.Stdout, t.Name, entries)
	return 0
}

// topologyErrors reads the errors of each component that has any, as Storm
// UI's component pages list them.
func topologyErrors(ctx context.Context, api *httpapi.Client, t httpapi.Topology) ([]ErrorsEntry, error) {
	var names []string
	for _, s := range t.Spouts {
		if s.LastError.LastError != "" {
			names = append(names, s.SpoutID)
		}
	}
	for _, b := range t.Bolts {
		if b.LastError.LastError != "" {
			names = append(names, b.BoltID)
		}
	}
	slices.Sort(names)
	entries := []ErrorsEntry{}
	for _, name := range names {
		comp, err := api.Component(ctx, string(t.ID), name, "")
		if err != nil {
			return nil, err
		}
		for _, e := range comp.Errors {
			entries = append(entries, ErrorsEntry{Component: name, ComponentError: e})
		}
	}
	return entries, nil
}

// writeErrors prints the errors as a table; times are UTC.
func writeErrors(w io.Writer, name string, entries []ErrorsEntry) {
	if len(entries) == 0 {
		fmt.Fprintf(w, "%s: no errors reported\n", name)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPONENT\tTIME\tAGO\tHOST:PORT\tTASK\tERROR")
	for _, e := range entries {
		at := time.UnixMilli(e.TimeMs).UTC().Format(time.DateTime)
		fmt.Fprintf(tw, "%s\t%s\t%ds\t%s:%d\t%d\t%s\n", e.Component, at, e.LapsedSecs, e.Host, e.Port, e.Task, oneLine(e.Error))
	}
	tw.Flush()
}
