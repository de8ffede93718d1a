// Package zkmodel is a deterministic, single-goroutine model of a ZooKeeper
// server (3.4 to 3.9 semantics) for the simulator: the znode tree, zxids,
// sessions with server-side expiry, ephemerals, one-shot watches and multi.
//
// It models the server as its clients observe it through one linearizable
// order of transactions, that is a single server or a quorum seen from its
// leader. Connections, lost replies, disconnections and whole-ensemble
// outages are the simulator's business (package sim); this package only
// answers what the server does when a request reaches it.
//
//	     Apply(session, now, req)          OpenSession, Touch, RenewAll
//	                │                       ExpireDue, Expire
//	                ▼                               │
//	┌──────────── one transaction ────────────┐     │ expiry deletes the
//	│ validate; apply to the tree, recording  │◄────┘ session's ephemerals
//	│ undo records and triggers               │       as one transaction
//	│ failure: roll back, fire nothing        │
//	│ success: zxid++, fire the triggers      │
//	└────────────────────┬────────────────────┘
//	                     ▼
//	       TakeNotifications() []Notification
//
// # Transactions and zxid
//
// Every successful write is one transaction and advances the zxid by one:
// create, delete, setData, a whole successful multi (even one of checks only,
// or an empty one; all its operations share its zxid, as in ZooKeeper), and
// the expiry of a session that owned ephemerals. Failed writes and reads leave
// the zxid alone. (A real server also spends a zxid on failed writes, session
// creation and every session close; clients compare zxids, they do not count
// them, so they cannot tell.)
//
// # Znodes
//
// Stat mirrors ZooKeeper's: Czxid, Mzxid and Pzxid are the zxid of the
// node's creation, of its last data change and of its last child creation or
// deletion; Version counts data changes; Cversion counts child creations
// and deletions; DataLength and NumChildren are what they say;
// EphemeralOwner is the owning session for an ephemeral and zero otherwise.
//
// A sequential create appends the number of children the parent has ever had
// created, read before the create, printed as %010d. ZooKeeper stores that
// count as the node's cversion and reports 2*count - NumChildren (DataNode.
// copyStat, "v3 semantics": every creation, plus a deletion for each child
// created and gone), so the Cversion a reply shows also moves on deletes
// while sequence numbers do not: they are never reused while the parent
// lives, deletes do not advance them, any child creation, sequential or not,
// does. (Checked against ZooKeeper 3.8 by the conformance suite.)
//
// Data is copied on the way in and on the way out: no reply aliases the tree
// and no caller's buffer is kept.
//
// # Watches
//
// Watches live on the server, per session, in two tables as ZooKeeper's
// WatchManager: data watches (left by GetData on an existing node and by
// Exists whether or not the node exists) and child watches (left by Children
// on an existing node). Each table is a set per path, so a session that
// registers the same watch twice, or a GetData and an Exists watch on the same
// path, is notified once. Watches are one-shot. Triggers:
//
//	create  P   data(P) NodeCreated, then child(parent) NodeChildrenChanged
//	setData P   data(P) NodeDataChanged
//	delete  P   data(P) NodeDeleted, then child(P) NodeDeleted to sessions
//	            not notified by data(P), then child(parent) NodeChildrenChanged
//
// Within one table entry sessions are notified in ascending id order. The
// triggers of a transaction fire after it commits, in operation order, so a
// failed multi fires nothing and a successful one fires as if its operations
// had been applied one after another.
//
// # Sessions
//
// A session is alive from OpenSession until ExpireDue finds that nothing was
// heard from it for longer than its timeout, or Expire ends it. Ending a
// session drops its watches, then deletes its ephemerals in path order as one
// transaction whose triggers notify the other sessions.
//
// # Time
//
// The model never reads a clock: every method that needs time takes now, and
// now must never decrease from one call to the next (asserted).
//
// # Replies and rejections
//
// Replies carry what core.Reply documents: Create its path (no stat, as
// ZooKeeper's create), SetData the new stat, GetData, Exists and Children
// the node's stat. A malformed request is CodeBadArguments and changes
// nothing: an invalid path, data over core.DataBytesMax, an unknown create
// mode, deleting "/", a Check outside Multi, a Multi of more than
// core.MultiOpsMax operations or holding a read or a nested Multi (the whole
// multi is rejected, with no per-operation replies), or a request type the
// model does not know (including pointers to requests).
//
// # Not modelled
//
// ACLs, quotas, container and TTL nodes, ctime and mtime, persistent and
// recursive watches, and the /zookeeper subtree (the tree starts with "/"
// only). A real server also drops the connection, rather than answering
// BadArguments, for a packet over jute.maxbuffer.
package zkmodel
