package yaml

import (
	"fmt"
	"strconv"
	"time"
)

// Typed accessors. Each takes the node's path (for the error message) and
// fails with "line N: path: want T, got X".

func (n *Node) want(path, what string) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &Error{Line: line, Path: path, Msg: "want " + what + ", got " + n.describe()}
}

func (n *Node) describe() string {
	if n == nil || n.Kind == Null {
		return "nothing"
	}
	if n.Kind == Scalar {
		return strconv.Quote(n.Value)
	}
	return "a " + n.Kind.String()
}

// Str returns a scalar's text.
func (n *Node) Str(path string) (string, error) {
	if n == nil || n.Kind != Scalar {
		return "", n.want(path, "a string")
	}
	return n.Value, nil
}

// Int returns a scalar as an integer (decimal, or 0x hex; _ separators allowed).
func (n *Node) Int(path string) (int, error) {
	if n == nil || n.Kind != Scalar || n.Quoted {
		return 0, n.want(path, "an integer")
	}
	v, err := strconv.ParseInt(n.Value, 0, 64)
	if err != nil {
		return 0, n.want(path, "an integer")
	}
	return int(v), nil
}

// Uint returns a scalar as an unsigned 64-bit integer.
func (n *Node) Uint(path string) (uint64, error) {
	if n == nil || n.Kind != Scalar || n.Quoted {
		return 0, n.want(path, "a non-negative integer")
	}
	v, err := strconv.ParseUint(n.Value, 0, 64)
	if err != nil {
		return 0, n.want(path, "a non-negative integer")
	}
	return v, nil
}

// Float returns a scalar as a number.
func (n *Node) Float(path string) (float64, error) {
	if n == nil || n.Kind != Scalar || n.Quoted {
		return 0, n.want(path, "a number")
	}
	v, err := strconv.ParseFloat(n.Value, 64)
	if err != nil {
		return 0, n.want(path, "a number")
	}
	return v, nil
}

// Bool returns true or false.
func (n *Node) Bool(path string) (bool, error) {
	if n != nil && n.Kind == Scalar && !n.Quoted {
		switch n.Value {
		case "true", "True", "TRUE":
			return true, nil
		case "false", "False", "FALSE":
			return false, nil
		}
	}
	return false, n.want(path, "true or false")
}

// Duration returns a Go duration ("1.5s", "250ms"; "0" is zero).
func (n *Node) Duration(path string) (time.Duration, error) {
	if n == nil || n.Kind != Scalar {
		return 0, n.want(path, "a duration such as 1.5s")
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil {
		return 0, n.want(path, "a duration such as 1.5s")
	}
	return d, nil
}

// List returns a sequence's items; a Null node is an empty list.
func (n *Node) List(path string) ([]*Node, error) {
	if n != nil && n.Kind == Null {
		return nil, nil
	}
	if n == nil || n.Kind != Sequence {
		return nil, n.want(path, "a list")
	}
	return n.Items, nil
}

// Strings returns a list of scalars; a single scalar is a list of one.
func (n *Node) Strings(path string) ([]string, error) {
	if n != nil && n.Kind == Scalar {
		return []string{n.Value}, nil
	}
	items, err := n.List(path)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		s, err := it.Str(fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Fields reads a mapping strictly: each key is read at most once through
// its methods, the first error is kept, and Err reports it or else the first
// key no method read.
type Fields struct {
	n    *Node
	path string
	used map[string]bool
	err  error
}

// Fields opens a mapping (a Null node is an empty one) for strict reading.
func (n *Node) Fields(path string) (*Fields, error) {
	if n != nil && n.Kind == Null {
		return &Fields{n: &Node{Kind: Mapping, Line: n.Line}, path: path, used: map[string]bool{}}, nil
	}
	if n == nil || n.Kind != Mapping {
		return nil, n.want(path, "a mapping")
	}
	return &Fields{n: n, path: path, used: map[string]bool{}}, nil
}

// Path is the path of key under this mapping.
func (f *Fields) Path(key string) string {
	if f.path == "" {
		return key
	}
	return f.path + "." + key
}

// Node returns key's value and marks it read; nil if absent or empty.
func (f *Fields) Node(key string) *Node {
	f.used[key] = true
	v := f.n.Get(key)
	if v == nil || v.Kind == Null {
		return nil
	}
	return v
}

// Has reports whether key is present with a value.
func (f *Fields) Has(key string) bool {
	v := f.n.Get(key)
	return v != nil && v.Kind != Null
}

// Fail records err if none is recorded yet.
func (f *Fields) Fail(err error) {
	if f.err == nil && err != nil {
		f.err = err
	}
}

// Failf records an error at key's line and path.
func (f *Fields) Failf(key string, format string, args ...any) {
	line := f.n.Line
	for _, p := range f.n.Pairs {
		if p.Key == key {
			line = p.Line
		}
	}
	f.Fail(&Error{Line: line, Path: f.Path(key), Msg: fmt.Sprintf(format, args...)})
}

func field[T any](f *Fields, key string, dst *T, get func(*Node, string) (T, error)) {
	v := f.Node(key)
	if v == nil {
		return
	}
	x, err := get(v, f.Path(key))
	if err != nil {
		f.Fail(err)
		return
	}
	*dst = x
}

// String reads key into dst if present.
func (f *Fields) String(key string, dst *string) { field(f, key, dst, (*Node).Str) }

// Int reads key into dst if present.
func (f *Fields) Int(key string, dst *int) { field(f, key, dst, (*Node).Int) }

// Uint reads key into dst if present.
func (f *Fields) Uint(key string, dst *uint64) { field(f, key, dst, (*Node).Uint) }

// Float reads key into dst if present.
func (f *Fields) Float(key string, dst *float64) { field(f, key, dst, (*Node).Float) }

// Bool reads key into dst if present.
func (f *Fields) Bool(key string, dst *bool) { field(f, key, dst, (*Node).Bool) }

// Duration reads key into dst if present.
func (f *Fields) Duration(key string, dst *time.Duration) { field(f, key, dst, (*Node).Duration) }

// Require records an error for each key that is absent or empty.
func (f *Fields) Require(keys ...string) {
	for _, k := range keys {
		if !f.Has(k) {
			f.Fail(&Error{Line: f.n.Line, Path: f.path, Msg: fmt.Sprintf("missing required key %q", k)})
		}
	}
}

// Err returns the first error, or an error naming the first key not read.
func (f *Fields) Err() error {
	if f.err != nil {
		return f.err
	}
	for _, p := range f.n.Pairs {
		if !f.used[p.Key] {
			return &Error{Line: p.Line, Path: f.path, Msg: fmt.Sprintf("unknown key %q", p.Key)}
		}
	}
	return nil
}

// JoinPath appends an index to a path: JoinPath("timeline", 3) is "timeline[3]".
func JoinPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}
