package storage

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// crashBlockBytes is the unit in which unsynced file data survives or is lost,
// as in pebble's CrashClone.
const crashBlockBytes = 4096

// crashClone returns a new crashable MemFS holding what fs could hold after a
// power cut now, with every entry synced. It follows pebble's model: a synced
// directory entry survives, an unsynced one survives with keepPercent; a file
// keeps its synced data, and each unsynced block past it survives with
// keepPercent. Draws are made in sorted path order, so rng alone fixes the
// outcome.
//
// It works from two clones pebble makes of fs: current (everything) and
// synced (only what was synced), each taken atomically. pebble's background
// work may change fs between them, so current is taken first: then a file's
// synced data is never older than its current data, and the result holds at
// least the synced state, which is always one pebble can recover from.
func crashClone(fs *vfs.MemFS, keepPercent int, rng *rand.Rand) *vfs.MemFS {
	assert(keepPercent >= 0 && keepPercent <= 100, "keepPercent %d outside [0, 100]", keepPercent)
	// With UnsyncedDataPercent 100 every draw keeps, so this RNG changes nothing.
	current := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 100, RNG: rand.New(rand.NewPCG(0, 0))})
	synced := fs.CrashClone(vfs.CrashCloneCfg{})
	c := cloner{current: current, synced: synced, out: vfs.NewCrashableMem(), keepPercent: keepPercent, rng: rng}
	c.dir("/")
	return c.out
}

type cloner struct {
	current, synced, out *vfs.MemFS
	keepPercent          int
	rng                  *rand.Rand
}

// dir copies the entries of dir that survive into out, and syncs dir there.
func (c *cloner) dir(dir string) {
	for _, name := range c.names(dir) {
		p := c.out.PathJoin(dir, name)
		inSynced, syncedIsDir := stat(c.synced, p)
		inCurrent, currentIsDir := stat(c.current, p)
		switch {
		case inSynced && syncedIsDir:
			c.mkdir(p)
		case inSynced:
			var current []byte
			if inCurrent && !currentIsDir {
				current = readFile(c.current, p)
			}
			c.writeFile(p, c.fileData(readFile(c.synced, p), current))
		case !c.keep():
			// An unsynced entry, lost.
		case currentIsDir:
			c.mkdir(p)
		default:
			// An unsynced entry that survives keeps all its data: pebble's clone
			// keeps the file's synced part, which the synced clone cannot show.
			c.writeFile(p, readFile(c.current, p))
		}
	}
	d, err := c.out.OpenDir(dir)
	must(err)
	must(d.Sync())
	must(d.Close())
}

// names returns the sorted union of dir's entries in current and synced.
func (c *cloner) names(dir string) []string {
	var names []string
	for _, fs := range []*vfs.MemFS{c.current, c.synced} {
		list, err := fs.List(dir)
		if err == nil { // a directory that only one clone has
			names = append(names, list...)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func (c *cloner) mkdir(p string) {
	must(c.out.MkdirAll(p, 0o755))
	c.dir(p)
}

// fileData returns a file's data after the crash: its synced data, and each
// block of current data past it that survives. Current data that does not
// extend the synced data belongs to a file replaced since its last sync, which
// pebble's model keeps whole or loses whole; keeping the synced one is safe.
func (c *cloner) fileData(synced, current []byte) []byte {
	data := bytes.Clone(synced)
	if !bytes.HasPrefix(current, synced) {
		return data
	}
	for i := len(synced) / crashBlockBytes * crashBlockBytes; i < len(current); i += crashBlockBytes {
		if !c.keep() {
			continue
		}
		block := current[i:min(i+crashBlockBytes, len(current))]
		if grow := i + len(block) - len(data); grow > 0 {
			// Blocks lost before this one read back as zeros, as on a disk.
			data = append(data, make([]byte, grow)...)
		}
		copy(data[i:], block)
	}
	return data
}

func (c *cloner) keep() bool {
	return c.keepPercent == 100 || (c.keepPercent > 0 && c.rng.IntN(100) < c.keepPercent)
}

func (c *cloner) writeFile(p string, data []byte) {
	f, err := c.out.Create(p, vfs.WriteCategoryUnspecified)
	must(err)
	_, err = f.Write(data)
	must(err)
	must(f.Sync())
	must(f.Close())
}

// stat reports whether p exists in fs and is a directory.
func stat(fs *vfs.MemFS, p string) (exists, isDir bool) {
	info, err := fs.Stat(p)
	if err != nil {
		return false, false
	}
	return true, info.IsDir()
}

func readFile(fs *vfs.MemFS, p string) []byte {
	f, err := fs.Open(p)
	must(err)
	defer f.Close()
	data, err := io.ReadAll(f)
	must(err)
	return data
}

// must panics on an error from a MemFS that holds only what the cloner put
// there or just listed: such an error is a bug, not an operating error.
func must(err error) {
	assert(err == nil, "in-memory file system: %v", err)
}

// assert panics when cond is false: an impossible internal state is a
// programmer error.
func assert(cond bool, format string, args ...any) {
	if !cond {
		panic(fmt.Sprintf("storage: assertion failed: "+format, args...))
	}
}
