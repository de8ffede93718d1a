package task

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/squall/squall/core"
)

// Error is one error a task reported: through ReportError, or by breaking
// its collector's contract (an emit on an undeclared stream, a plain emit
// on a stream taken by direct grouping, an EmitDirect to a task that does
// not take the stream directly, an ack of a tuple already acked...). Its
// worker sends the newest ones to nimbus in its heartbeats.
type Error struct {
	Task      core.TaskID
	Component string
	Message   string // at most ErrorBytesMax bytes
	// Time is the executor's now at the report: in real mode the drivers
	// anchor core.Time at the Unix epoch (realnet.NewDriver), so it is wall
	// time in nanoseconds; in the simulator it is the node's virtual clock.
	Time core.Time
	// Seq counts the task's recorded errors, 1 for its first: two equal
	// errors at the same instant stay two.
	Seq uint64
	err error // as reported, for tests of this package
}

// Bounds of error reporting.
const (
	// ErrorsPerTaskMax bounds the errors a task keeps, the newest win:
	// Storm keeps the last 10 per component, and a component's newest 10
	// are among the newest 10 of its tasks.
	ErrorsPerTaskMax = 10
	// ErrorBytesMax bounds one error's message; a longer one is cut.
	ErrorBytesMax = 1024
	// errorThrottlePeriod and errorsPerThrottleMax rate-limit a task's
	// reports as Storm does (topology.error.throttle.interval.secs = 10,
	// topology.max.error.report.per.interval = 5): a task that errors on
	// every tuple records at most 5 errors per 10 s; the rest are counted
	// in ExecutorStats.ErrorsThrottled only.
	errorThrottlePeriod  = 10 * time.Second
	errorsPerThrottleMax = 5
)

// errorLog is a task's recorded errors and its throttle.
type errorLog struct {
	kept        []Error // oldest first, at most ErrorsPerTaskMax
	seq         uint64
	periodStart core.Time
	inPeriod    int
}

// ReportError implements both collectors.
func (r *runner) ReportError(err error) {
	if err == nil {
		return
	}
	now := r.e.reportTime()
	l := &r.errs
	if l.inPeriod > 0 && now.Sub(l.periodStart) >= errorThrottlePeriod {
		l.inPeriod = 0
	}
	if l.inPeriod == 0 {
		l.periodStart = now
	}
	if l.inPeriod >= errorsPerThrottleMax {
		r.e.stats.ErrorsThrottled++
		return
	}
	l.inPeriod++
	l.seq++
	if len(l.kept) == ErrorsPerTaskMax {
		l.kept = append(l.kept[:0], l.kept[1:]...)
	}
	l.kept = append(l.kept, Error{Task: r.id, Component: r.comp, Message: cutMessage(err.Error()),
		Time: now, Seq: l.seq, err: err})
	r.e.errorsRecorded++
}

// reportTime is the time of a report: the last Step's now, or the
// executor's start before its first Step (errors in Open or Prepare).
func (e *Executor) reportTime() core.Time { return max(e.now, e.cfg.Now) }

// cutMessage bounds a message to ErrorBytesMax bytes, on a rune boundary.
func cutMessage(s string) string {
	if len(s) <= ErrorBytesMax {
		return s
	}
	const ellipsis = "..."
	cut := ErrorBytesMax - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

// Errors appends the errors the executor's tasks recorded, at most
// ErrorsPerTaskMax per task, each task's oldest first, spouts then bolts.
func (e *Executor) Errors(dst []Error) []Error {
	for _, r := range e.order {
		for _, er := range r.errs.kept {
			er.err = nil
			dst = append(dst, er)
		}
	}
	return dst
}

// ErrorsRecorded counts the errors the executor's tasks recorded since it
// started: a reader polls it to learn that Errors changed.
func (e *Executor) ErrorsRecorded() uint64 { return e.errorsRecorded }

// Contract violations of the collectors, reported as errors; the emit or
// ack that broke the contract does nothing more than the contract allows.
var (
	errSettledTwice    = errors.New("ack or fail of a tuple already acked or failed")
	errAnchorToSettled = errors.New("emit anchored to a tuple already acked or failed")
	// errPlainToDirect: Storm refuses a regular emit to a direct stream.
	errPlainToDirect = errors.New("plain emit on a stream a subscriber takes by direct grouping")
	// errDirectNotTarget: Storm refuses an EmitDirect to a task that does
	// not take the stream by direct grouping.
	errDirectNotTarget = errors.New("EmitDirect to a task that does not take the stream by direct grouping")
)

// reportPlainToDirect reports a plain emit on a stream whose subscriber
// target takes it by direct grouping: that subscriber gets nothing.
func (r *runner) reportPlainToDirect(stream, target string) {
	r.ReportError(fmt.Errorf("%w: stream %q of %s, subscriber %s (use EmitDirect)", errPlainToDirect, stream, r.comp, target))
}

// reportDirectNotTarget reports an EmitDirect to a task that no subscriber
// of the stream takes by direct grouping: nobody gets the tuple that way.
func (r *runner) reportDirectNotTarget(stream string, task core.TaskID) {
	r.ReportError(fmt.Errorf("%w: stream %q of %s, task %d", errDirectNotTarget, stream, r.comp, task))
}
