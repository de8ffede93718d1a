package yaml

import (
	"strconv"
	"strings"
)

// Bounds of a document, so that hostile input cannot exhaust memory or the
// stack: the bytes, and the nesting depth of blocks and flows.
const (
	docBytesMax = 4 << 20
	depthMax    = 64
)

// line is one non-blank line, comment removed.
type line struct {
	num    int    // 1-based
	indent int    // spaces before text
	text   string // no leading or trailing space
}

type parser struct {
	lines []line
	i     int
	depth int
}

// Parse parses a document. An empty document is a Null node.
func Parse(data []byte) (*Node, error) {
	if len(data) > docBytesMax {
		return nil, errAt(0, "document of %d bytes is over the bound of %d", len(data), docBytesMax)
	}
	lines, err := splitLines(string(data))
	if err != nil {
		return nil, err
	}
	p := &parser{lines: lines}
	if len(lines) > 0 && lines[0].text == "---" && lines[0].indent == 0 {
		p.i++
	}
	if p.i == len(lines) {
		return &Node{Kind: Null, Line: 1, Column: 1}, nil
	}
	root, err := p.block(lines[p.i].indent)
	if err != nil {
		return nil, err
	}
	if p.i < len(p.lines) {
		l := p.lines[p.i]
		if l.text == "---" || l.text == "..." {
			return nil, errAt(l.num, "multiple documents are not supported")
		}
		return nil, errAt(l.num, "bad indentation (%d spaces)", l.indent)
	}
	return root, nil
}

// splitLines drops blank and comment-only lines and trailing comments, and
// rejects tabs in indentation.
func splitLines(doc string) ([]line, error) {
	var out []line
	for i, raw := range strings.Split(doc, "\n") {
		num := i + 1
		raw = strings.TrimSuffix(raw, "\r")
		indent := 0
		for indent < len(raw) && (raw[indent] == ' ' || raw[indent] == '\t') {
			if raw[indent] == '\t' {
				rest := strings.TrimSpace(raw)
				if rest == "" || rest[0] == '#' {
					break // a tab on a blank or comment line harms nothing
				}
				return nil, errAt(num, "tab in indentation (use spaces)")
			}
			indent++
		}
		text := strings.TrimRight(stripComment(raw[indent:]), " \t")
		if text == "" {
			continue
		}
		out = append(out, line{num: num, indent: indent, text: text})
	}
	return out, nil
}

// stripComment cuts a '#' that starts the text or follows a space, outside
// quotes. A quote opens only where a token can start.
func stripComment(s string) string {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == '"' && c == '\\':
			i++
		case quote != 0 && c == quote:
			if quote == '\'' && i+1 < len(s) && s[i+1] == '\'' {
				i++
				continue
			}
			quote = 0
		case quote != 0:
		case (c == '"' || c == '\'') && tokenStart(s, i):
			quote = c
		case c == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t'):
			return s[:i]
		}
	}
	return s
}

func tokenStart(s string, i int) bool {
	if i == 0 {
		return true
	}
	switch s[i-1] {
	case ' ', '\t', '[', '{', ',':
		return true
	}
	return false
}

func (p *parser) enter(num int) error {
	p.depth++
	if p.depth > depthMax {
		return errAt(num, "nesting deeper than %d", depthMax)
	}
	return nil
}

// block parses the node starting at the current line, at indent.
func (p *parser) block(indent int) (*Node, error) {
	l := p.lines[p.i]
	if err := p.enter(l.num); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	if isItem(l.text) {
		return p.sequence(indent)
	}
	if _, _, ok, err := splitKey(l.text, l.num); err != nil {
		return nil, err
	} else if ok {
		return p.mapping(indent)
	}
	n, err := p.inline(l.text, l.num, l.indent+1)
	if err != nil {
		return nil, err
	}
	p.i++
	if p.i < len(p.lines) && p.lines[p.i].indent > indent {
		return nil, errAt(p.lines[p.i].num, "bad indentation: a scalar does not continue on the next line")
	}
	return n, nil
}

func isItem(text string) bool { return text == "-" || strings.HasPrefix(text, "- ") }

func (p *parser) sequence(indent int) (*Node, error) {
	first := p.lines[p.i]
	seq := &Node{Kind: Sequence, Line: first.num, Column: indent + 1}
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		if l.indent < indent || (l.indent == indent && !isItem(l.text)) {
			break
		}
		if l.indent > indent {
			return nil, errAt(l.num, "bad indentation (%d spaces, the sequence is at %d)", l.indent, indent)
		}
		item, err := p.item(l, indent)
		if err != nil {
			return nil, err
		}
		seq.Items = append(seq.Items, item)
	}
	return seq, nil
}

// item parses one "- ..." entry: its text after the dash is treated as a
// block at the column where it starts, so "- name: x" opens a mapping that
// continues on the lines below at that column.
func (p *parser) item(l line, indent int) (*Node, error) {
	rest := strings.TrimLeft(l.text[1:], " ")
	if rest == "" {
		p.i++
		if p.i < len(p.lines) && p.lines[p.i].indent > indent {
			return p.block(p.lines[p.i].indent)
		}
		return &Node{Kind: Null, Line: l.num, Column: indent + 2}, nil
	}
	offset := len(l.text) - len(rest)
	p.lines[p.i] = line{num: l.num, indent: indent + offset, text: rest}
	return p.block(indent + offset)
}

func (p *parser) mapping(indent int) (*Node, error) {
	first := p.lines[p.i]
	m := &Node{Kind: Mapping, Line: first.num, Column: indent + 1}
	seen := map[string]bool{}
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		if l.indent < indent {
			break
		}
		if l.indent > indent {
			return nil, errAt(l.num, "bad indentation (%d spaces, the mapping is at %d)", l.indent, indent)
		}
		key, rest, ok, err := splitKey(l.text, l.num)
		if err != nil {
			return nil, err
		}
		if !ok {
			if l.text == "---" || l.text == "..." {
				return nil, errAt(l.num, "multiple documents are not supported")
			}
			if isItem(l.text) {
				return nil, errAt(l.num, "a sequence item where a key is expected")
			}
			return nil, errAt(l.num, "want \"key: value\", got %q", l.text)
		}
		if seen[key] {
			return nil, errAt(l.num, "duplicate key %q", key)
		}
		seen[key] = true
		v, err := p.value(l, indent, rest)
		if err != nil {
			return nil, err
		}
		m.Pairs = append(m.Pairs, Pair{Key: key, Line: l.num, Value: v})
	}
	return m, nil
}

// value parses what follows "key:": inline text, a block below, a sequence
// at the key's own indent (YAML's compact form), or nothing.
func (p *parser) value(l line, indent int, rest string) (*Node, error) {
	if rest != "" {
		col := l.indent + 1 + strings.LastIndex(l.text, rest)
		v, err := p.inline(rest, l.num, col)
		p.i++
		return v, err
	}
	p.i++
	if p.i < len(p.lines) {
		next := p.lines[p.i]
		if next.indent > indent {
			return p.block(next.indent)
		}
		if next.indent == indent && isItem(next.text) {
			return p.block(indent)
		}
	}
	return &Node{Kind: Null, Line: l.num, Column: len(l.text) + l.indent + 1}, nil
}

// splitKey splits "key: rest" (rest may be empty). ok is false when the text
// is not a mapping entry.
func splitKey(text string, num int) (key, rest string, ok bool, err error) {
	if text == "" || text[0] == '[' || text[0] == '{' || isItem(text) {
		return "", "", false, nil
	}
	if text[0] == '"' || text[0] == '\'' {
		s, n, qerr := unquote(text, num)
		if qerr != nil {
			return "", "", false, qerr
		}
		after := strings.TrimLeft(text[n:], " ")
		if !strings.HasPrefix(after, ":") || (len(after) > 1 && after[1] != ' ') {
			return "", "", false, nil
		}
		return s, strings.TrimSpace(after[1:]), true, nil
	}
	for i := 0; i < len(text); i++ {
		if text[i] == ':' && (i+1 == len(text) || text[i+1] == ' ') {
			key = strings.TrimRight(text[:i], " ")
			if key == "" {
				return "", "", false, errAt(num, "empty key")
			}
			return key, strings.TrimSpace(text[i+1:]), true, nil
		}
	}
	return "", "", false, nil
}

// unquote reads a quoted scalar at the start of s and returns its value and
// the bytes it took.
func unquote(s string, num int) (string, int, error) {
	q := s[0]
	for i := 1; i < len(s); i++ {
		switch {
		case q == '"' && s[i] == '\\':
			i++
		case s[i] == q && q == '\'' && i+1 < len(s) && s[i+1] == '\'':
			i++
		case s[i] == q:
			if q == '\'' {
				return strings.ReplaceAll(s[1:i], "''", "'"), i + 1, nil
			}
			v, err := strconv.Unquote(s[:i+1])
			if err != nil {
				return "", 0, errAt(num, "bad escape in %s", s[:i+1])
			}
			return v, i + 1, nil
		}
	}
	return "", 0, errAt(num, "unterminated quoted string")
}
