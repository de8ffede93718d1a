package core

import (
	"fmt"
	"strconv"
	"strings"
)

// Coordination requests mirror ZooKeeper's operations one to one, so that the
// simulator's model and the real-ZooKeeper adapter can execute the same values.
//
//	Create   persistent | ephemeral, optionally sequential
//	Delete   with version (AnyVersion matches all)
//	SetData  with version
//	Check    version check, only inside Multi
//	GetData  optional one-shot data watch
//	Exists   optional one-shot watch (created, deleted, data changed)
//	Children optional one-shot child watch
//	Multi    atomic: all of Create, Delete, SetData, Check or none
type Request interface {
	isRequest()
	String() string
}

// AnyVersion in Delete, SetData and Check matches every version, as ZooKeeper's -1.
const AnyVersion int32 = -1

// MultiOpsMax bounds the number of operations in one Multi.
const MultiOpsMax = 64

// DataBytesMax bounds a znode's data, as ZooKeeper's jute.maxbuffer (1 MiB).
const DataBytesMax = 1 << 20

// CreateMode is a znode's kind.
type CreateMode uint8

const (
	Persistent CreateMode = iota
	Ephemeral
	PersistentSequential
	EphemeralSequential
)

// IsEphemeral reports whether the node dies with its session.
func (m CreateMode) IsEphemeral() bool { return m == Ephemeral || m == EphemeralSequential }

// IsSequential reports whether the server appends a %010d counter to the name.
func (m CreateMode) IsSequential() bool {
	return m == PersistentSequential || m == EphemeralSequential
}

func (m CreateMode) String() string {
	switch m {
	case Persistent:
		return "persistent"
	case Ephemeral:
		return "ephemeral"
	case PersistentSequential:
		return "persistent-sequential"
	case EphemeralSequential:
		return "ephemeral-sequential"
	}
	return "mode(" + strconv.Itoa(int(m)) + ")"
}

// Create makes a znode. With a sequential mode the created name is Path followed
// by the number of child creations the parent has seen, printed as %010d (names
// are never reused and deletes do not advance it; the Cversion a Stat shows
// counts deletions too); the reply's Path holds the name.
type Create struct {
	Path string
	Data []byte
	Mode CreateMode
}

// Delete removes a znode with no children whose version matches.
type Delete struct {
	Path    string
	Version int32
}

// SetData replaces a znode's data when its version matches; the version then
// increases by one.
type SetData struct {
	Path    string
	Data    []byte
	Version int32
}

// Check succeeds when the znode exists and its version matches. Only valid
// inside Multi (alone it gets CodeBadArguments); it is how fenced writes are
// expressed.
type Check struct {
	Path    string
	Version int32
}

// GetData reads a znode; with Watch it leaves a one-shot data watch (fired by
// data change or deletion) when the node exists.
type GetData struct {
	Path  string
	Watch bool
}

// Exists reads a znode's stat; with Watch it leaves a one-shot watch whether or
// not the node exists (fired by creation, data change or deletion).
type Exists struct {
	Path  string
	Watch bool
}

// Children lists a znode's children, sorted; with Watch it leaves a one-shot
// child watch (fired by a child's creation or deletion, or the node's deletion).
type Children struct {
	Path  string
	Watch bool
}

// Multi applies its operations atomically: all succeed or none is applied.
type Multi struct {
	Ops []Request
}

func (Create) isRequest()   {}
func (Delete) isRequest()   {}
func (SetData) isRequest()  {}
func (Check) isRequest()    {}
func (GetData) isRequest()  {}
func (Exists) isRequest()   {}
func (Children) isRequest() {}
func (Multi) isRequest()    {}

func (r Create) String() string {
	return fmt.Sprintf("create %s %s data=%s", r.Path, r.Mode, quoteData(r.Data))
}
func (r Delete) String() string { return fmt.Sprintf("delete %s v=%d", r.Path, r.Version) }
func (r SetData) String() string {
	return fmt.Sprintf("set %s v=%d data=%s", r.Path, r.Version, quoteData(r.Data))
}
func (r Check) String() string    { return fmt.Sprintf("check %s v=%d", r.Path, r.Version) }
func (r GetData) String() string  { return fmt.Sprintf("get %s watch=%t", r.Path, r.Watch) }
func (r Exists) String() string   { return fmt.Sprintf("exists %s watch=%t", r.Path, r.Watch) }
func (r Children) String() string { return fmt.Sprintf("children %s watch=%t", r.Path, r.Watch) }
func (r Multi) String() string {
	parts := make([]string, len(r.Ops))
	for i, op := range r.Ops {
		parts[i] = op.String()
	}
	return "multi[" + strings.Join(parts, "; ") + "]"
}

// quoteDataMax bounds how much of a znode's data a trace line shows.
const quoteDataMax = 48

func quoteData(b []byte) string {
	if len(b) > quoteDataMax {
		return strconv.Quote(string(b[:quoteDataMax])) + "+" + strconv.Itoa(len(b)-quoteDataMax)
	}
	return strconv.Quote(string(b))
}

// Code is a coordination result code, as ZooKeeper's KeeperException codes.
type Code uint8

const (
	CodeOK Code = iota
	CodeNoNode
	CodeNodeExists
	CodeBadVersion
	CodeNotEmpty
	// CodeConnectionLoss: the outcome is unknown; the request may or may not
	// have been applied. Re-read before acting.
	CodeConnectionLoss
	CodeSessionExpired
	CodeNoChildrenForEphemerals
	CodeBadArguments
	// CodeRuntimeInconsistency marks the operations of a failed Multi that come
	// after the one that failed (those before it report CodeOK, as ZooKeeper).
	CodeRuntimeInconsistency
)

var codeNames = [...]string{
	CodeOK:                      "OK",
	CodeNoNode:                  "NoNode",
	CodeNodeExists:              "NodeExists",
	CodeBadVersion:              "BadVersion",
	CodeNotEmpty:                "NotEmpty",
	CodeConnectionLoss:          "ConnectionLoss",
	CodeSessionExpired:          "SessionExpired",
	CodeNoChildrenForEphemerals: "NoChildrenForEphemerals",
	CodeBadArguments:            "BadArguments",
	CodeRuntimeInconsistency:    "RuntimeInconsistency",
}

func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "code(" + strconv.Itoa(int(c)) + ")"
}

// Stat is a znode's metadata, as ZooKeeper's Stat.
type Stat struct {
	Czxid          int64
	Mzxid          int64
	Pzxid          int64
	Version        int32
	Cversion       int32
	EphemeralOwner SessionID
	DataLength     int32
	NumChildren    int32
}

// Reply is the outcome of one Request.
type Reply struct {
	Code     Code
	Path     string   // Create: the created path (with its sequence suffix)
	Data     []byte   // GetData
	Stat     Stat     // GetData, Exists, SetData, Children
	Children []string // Children, sorted
	Multi    []Reply  // Multi: one per operation, in order; nil when rejected whole
}

func (r Reply) String() string {
	var b strings.Builder
	b.WriteString(r.Code.String())
	if r.Path != "" {
		b.WriteString(" path=" + r.Path)
	}
	if r.Data != nil {
		b.WriteString(" data=" + quoteData(r.Data))
	}
	if r.Code == CodeOK && r.Stat.Mzxid != 0 {
		fmt.Fprintf(&b, " v=%d mzxid=%d", r.Stat.Version, r.Stat.Mzxid)
	}
	if r.Children != nil {
		b.WriteString(" children=[" + strings.Join(r.Children, ",") + "]")
	}
	for i, m := range r.Multi {
		if i == 0 {
			b.WriteString(" ops=[")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(m.String())
		if i == len(r.Multi)-1 {
			b.WriteString("]")
		}
	}
	return b.String()
}

// WatchType is the kind of change that fired a watch.
type WatchType uint8

const (
	NodeCreated WatchType = iota + 1
	NodeDeleted
	NodeDataChanged
	NodeChildrenChanged
)

func (w WatchType) String() string {
	switch w {
	case NodeCreated:
		return "NodeCreated"
	case NodeDeleted:
		return "NodeDeleted"
	case NodeDataChanged:
		return "NodeDataChanged"
	case NodeChildrenChanged:
		return "NodeChildrenChanged"
	}
	return "watch(" + strconv.Itoa(int(w)) + ")"
}

// SessionState is a client's view of its ZooKeeper session.
type SessionState uint8

const (
	// Connected: the session is established (new, or re-established before
	// it expired). Pending watches still hold.
	Connected SessionState = iota + 1
	// Disconnected: the connection is lost; the session may still be alive at
	// the server. Requests in flight fail with CodeConnectionLoss.
	Disconnected
	// Expired: the server expired the session; its ephemerals and watches are
	// gone. The driver opens a new session, reported by a later Connected.
	Expired
)

func (s SessionState) String() string {
	switch s {
	case Connected:
		return "Connected"
	case Disconnected:
		return "Disconnected"
	case Expired:
		return "Expired"
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// Valid reports whether a multi may run at all: at most MultiOpsMax
// operations, each a write (Create, Delete, SetData) or a Check. ZooKeeper
// rejects any other multi whole.
func (m Multi) Valid() bool {
	if len(m.Ops) > MultiOpsMax {
		return false
	}
	for _, op := range m.Ops {
		switch op.(type) {
		case Create, Delete, SetData, Check:
		default:
			return false
		}
	}
	return true
}
