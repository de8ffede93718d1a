package yaml

import (
	"fmt"
	"strings"
)

// Kind is what a node holds.
type Kind uint8

// Node kinds.
const (
	Null Kind = iota // an empty value ("key:" with nothing after it)
	Scalar
	Sequence
	Mapping
)

func (k Kind) String() string {
	switch k {
	case Scalar:
		return "scalar"
	case Sequence:
		return "sequence"
	case Mapping:
		return "mapping"
	}
	return "null"
}

// Node is one value of a document, with where it starts (1-based).
type Node struct {
	Kind   Kind
	Line   int
	Column int
	Value  string // a scalar's text, quotes removed and escapes resolved
	Quoted bool   // the scalar was quoted (so "12" is a string, not a number)
	Items  []*Node
	Pairs  []Pair // a mapping's entries in document order
}

// Pair is one entry of a mapping.
type Pair struct {
	Key   string
	Line  int // where the key is
	Value *Node
}

// Error is a parse or decode error at a line, optionally at a path.
type Error struct {
	Line int
	Path string
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

func errAt(line int, format string, args ...any) *Error {
	return &Error{Line: line, Msg: fmt.Sprintf(format, args...)}
}

// Get returns the value of key in a mapping, nil if absent or not a mapping.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != Mapping {
		return nil
	}
	for _, p := range n.Pairs {
		if p.Key == key {
			return p.Value
		}
	}
	return nil
}

// Keys returns a mapping's keys in document order.
func (n *Node) Keys() []string {
	if n == nil {
		return nil
	}
	out := make([]string, 0, len(n.Pairs))
	for _, p := range n.Pairs {
		out = append(out, p.Key)
	}
	return out
}

// String prints the node as flow YAML, for tests and error messages.
func (n *Node) String() string {
	if n == nil {
		return "null"
	}
	switch n.Kind {
	case Scalar:
		if n.Quoted {
			return fmt.Sprintf("%q", n.Value)
		}
		return n.Value
	case Sequence:
		parts := make([]string, len(n.Items))
		for i, it := range n.Items {
			parts[i] = it.String()
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case Mapping:
		parts := make([]string, len(n.Pairs))
		for i, p := range n.Pairs {
			parts[i] = p.Key + ": " + p.Value.String()
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return "null"
}
