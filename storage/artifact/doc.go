// Package artifact is a content-addressed store of topology programs on
// disk: each file in the store's directory is named by the sha256 (lower-case
// hex) of its content. Nimbus keeps the programs of submitted topologies
// here; supervisors and standby nimbuses fetch them into their own store
// before they start workers or may lead (STORM-1977).
//
//	Put(r, want)                     Fetch(ctx, client, url, digest)
//	  │ stream r into dir/.tmp-*        │ GET url ─► Put(body, digest)
//	  │ hashing it (sha256),            ▼
//	  │ at most maxBytes ──────────► ErrTooLarge, temp file removed
//	  │ digest != want ────────────► ErrDigestMismatch, temp file removed
//	  │ chmod 0755, fsync
//	  ▼
//	rename to dir/<digest>, fsync dir     (atomic: a name means complete bytes)
//
// # Guarantees
//
// A file under a digest name was complete and hashed to that name when it
// was renamed into place; a crash leaves at most a temporary file, which
// Open removes. Concurrent Puts of the same content are safe: each writes
// its own temporary file and the first rename wins; later ones leave the
// installed copy alone (a worker may be executing it).
//
// Disks rot and people edit files by hand, so Verify re-hashes a stored
// file; one whose content no longer matches its name is removed (the next
// Fetch replaces it) and reported with ErrCorrupt.
//
// # Errors
//
// Every error starts with "artifact: ". Malformed digests (anything but 64
// lower-case hex characters, protocol.ValidDigest) are refused with
// ErrBadDigest before any file is touched, so a digest can never name a
// path outside the store.
package artifact
