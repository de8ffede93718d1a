package core

import "fmt"

// Assert panics when cond is false. It is always on: an impossible internal
// state is a programmer error and must stop the process (or the simulation)
// where it happens, not later and elsewhere. Operating errors, such as a bad
// request or a corrupt znode, are never asserted; they are handled.
func Assert(cond bool, format string, args ...any) {
	if !cond {
		panic(fmt.Sprintf("squall: assertion failed: "+format, args...))
	}
}
