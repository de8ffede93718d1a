// Package acker is Storm's at-least-once tracking as pure data structures:
// the Acker is the state of one acker task, the Tracker a spout task's side,
// AckerFor routes a root to its acker.
//
// # The XOR algorithm
//
// Every tuple edge gets a random non-zero 64-bit id (EdgeID); every tuple
// tree is named by the random id of its spout tuple, the root (Tracker.Emit),
// and is tracked by the acker AckerFor picks. The acker keeps one 64-bit XOR
// per root. The spout's Init XORs in the ids of the tuples it emitted; a
// bolt's Ack XORs in the id of the tuple it acks and the ids of the tuples it
// emitted anchored to it. So each id enters the XOR twice, once when its tuple
// is created and once when it is acked, and cancels: the XOR is 0 exactly
// when every tuple of the tree is acked (a false 0 needs unrelated random ids
// to cancel, about 2^-64 per message). XOR is commutative, so messages may
// arrive in any order: an Ack before its Init creates the entry, and the tree
// completes once the XOR is 0 and the Init has named the spout task.
//
// A worked example with 4-bit ids. Spout task 7 emits root R to two bolts on
// edges a=1010 and b=0110; the first bolt emits c=0011 anchored to a:
//
//	spout 7 ──a──► split ──c──► count
//	        └─b──► log
//
//	message          XORed in           pending XOR
//	Init(R, 7, a^b)  1010^0110 = 1100   1100
//	Ack(R, a^c)      1010^0011 = 1001   0101   split acked a, emitted c
//	Ack(R, b)        0110               0011   log acked b
//	Ack(R, c)        0011               0000   count acked c: done, tell task 7
//
// Any other order of the four messages ends at 0000 on its last message too,
// and not before: until then some id has entered only once. If a bolt fails
// a tuple instead (Fail(R)), the tree completes as failed once its spout task
// is known, and the spout decides whether to replay.
//
// # Timeouts
//
// Lost tuples never ack, so pending roots expire through Storm's rotating
// buckets: every message puts its root in the newest bucket, and Rotate,
// called every message timeout/(Buckets-1), expires the oldest bucket as
// failed, timed-out completions. A root expires at exactly the Buckets-th
// Rotate after its last message: after between timeout and
// timeout·Buckets/(Buckets-1) of silence. This differs from Storm 2, whose
// acker refreshes a root only on Fail and reset-timeout messages and drops
// expired roots silently, leaving the spout's own timeout to fail them; here
// any progress keeps a tree alive, and the acker tells the spout.
//
// # Memory
//
// An Acker holds one 24-byte entry per pending root (root, XOR, spout task,
// bucket, flags) on fixed-size pages, one list of pages per bucket, and a
// 4-byte slot per root in an open-addressing index held 3/8 to 3/4 full:
// 29 to 35 bytes per root, 32 at 64k roots (BenchmarkAckerMemory). An update
// to a root in an older bucket only relabels the entry; Rotate refiles it, so
// Rotate costs O(entries filed in the oldest bucket), not O(pending):
//
//	index: root ──► page<<8 | offset     (tag + id, 4 bytes, linear probing)
//	pool:  bucket 0 ─ [page][page][part]  entries filed in bucket 0
//	       bucket 1 ─ [page][part]        ... or updated since: bucket field newer
//	       bucket 2 ─ [part]
//
// PendingMax bounds the roots an acker holds. At the bound a new root's Init
// is refused (a failed Completion with Refused, so the spout replays later),
// and Acks and Fails for unknown roots are dropped, which leaves their trees
// unable to reach XOR 0, so they time out and replay.
//
// Nothing here reads a clock or shares state: time enters as Rotate calls,
// randomness through the *rand.Rand given to NewTracker and EdgeID.
package acker
