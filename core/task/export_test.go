package task

import "github.com/squall/squall/core"

// ErrorsOf returns the errors a local task reported, oldest first, for the
// external tests.
func ErrorsOf(e *Executor, id core.TaskID) []Error {
	if r := e.runnerOf(id); r != nil {
		return r.errs.kept
	}
	return nil
}
