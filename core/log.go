package core

import (
	"slices"
	"strconv"
	"strings"
)

// LogLevel is how much a Log matters. The values are log/slog's, so that a
// driver converts with slog.Level(l).
type LogLevel int8

// Log levels.
const (
	LogDebug LogLevel = -4
	LogInfo  LogLevel = 0
	LogWarn  LogLevel = 4
	LogError LogLevel = 8
)

func (l LogLevel) String() string {
	switch l {
	case LogDebug:
		return "debug"
	case LogInfo:
		return "info"
	case LogWarn:
		return "warn"
	case LogError:
		return "error"
	}
	return "level" + strconv.Itoa(int(l))
}

// Attr is one key=value of a Log. Values are text, formatted by the
// machine, so that a Log prints the same in every driver and every run.
type Attr struct {
	Key, Value string
}

// LogAttrsMax bounds the attributes of one Log.
const LogAttrsMax = 16

// Log records a decision of a machine for the operator: a nimbus gaining or
// losing leadership, a plan and its moves, a refusal and why. Machines do no
// I/O, so the log line is an effect like any other: the real driver writes
// it with log/slog at its level; the simulator keeps it in its trace, where
// it prints and is hashed like every effect (it is deterministic data, so
// the trace hash stays a function of the seed). It has no outcome and no
// OpID; executing it in order with the other effects is all a driver owes.
type Log struct {
	Level LogLevel
	Msg   string
	Attrs []Attr // sorted by Key, keys distinct
}

// NewLog returns a Log of msg with the attributes given as key, value
// pairs, sorted by key whatever order the caller gave them in.
func NewLog(level LogLevel, msg string, kv ...string) Log {
	Assert(len(kv)%2 == 0, "log %q: odd key-value list %q", msg, kv)
	Assert(len(kv)/2 <= LogAttrsMax, "log %q: %d attributes, more than %d", msg, len(kv)/2, LogAttrsMax)
	attrs := make([]Attr, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		attrs = append(attrs, Attr{Key: kv[i], Value: kv[i+1]})
	}
	slices.SortFunc(attrs, func(a, b Attr) int { return strings.Compare(a.Key, b.Key) })
	for i := 1; i < len(attrs); i++ {
		Assert(attrs[i].Key != attrs[i-1].Key, "log %q: key %q twice", msg, attrs[i].Key)
	}
	return Log{Level: level, Msg: msg, Attrs: attrs}
}

func (Log) isEffect() {}

// String prints "log <level> <quoted msg> key=value ...", values quoted
// when they hold a space, a quote or an '='.
func (e Log) String() string {
	var b strings.Builder
	b.WriteString("log " + e.Level.String() + " " + strconv.Quote(e.Msg))
	for _, a := range e.Attrs {
		b.WriteString(" " + a.Key + "=" + logValue(a.Value))
	}
	return b.String()
}

func logValue(v string) string {
	if v == "" || strings.ContainsAny(v, " \"=\t\n\\") || !strconv.CanBackquote(v) {
		return strconv.Quote(v)
	}
	return v
}
