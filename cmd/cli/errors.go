package cli

import (
	"context"
	"fmt"
	"io"
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
	entries := []ErrorsEntry{}
	for _, comp := range t.Components {
		for _, e := range comp.Errors {
			entries = append(entries, ErrorsEntry{Component: comp.Name, ComponentError: e})
		}
	}
	if *asJSON {
		return printJSON(env, "get-errors", entries)
	}
	writeErrors(env.Stdout, t.Name, entries)
	return 0
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
