package zkadapter

import (
	"errors"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/squall/squall/core"
)

const testSecret = "zk-cluster-secret-0123456789"

// stranger connects to the real server with go-zookeeper directly, with a
// digest credential (user:password) or none.
func stranger(t *testing.T, addr, credential string) *zk.Conn {
	t.Helper()
	conn, _, err := zk.Connect([]string{addr}, clientSessionTimeout, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	if credential != "" {
		if err := conn.AddAuth("digest", []byte(credential)); err != nil {
			t.Fatalf("AddAuth: %v", err)
		}
	}
	return conn
}

// A cluster whose daemons hold the secret creates znodes that nobody
// without it can read, change, delete or add children to, on the real
// ZooKeeper; the daemons themselves can.
func TestSecretACLKeepsStrangersOut(t *testing.T) {
	addr := zkAddr(t)
	rec := newRecorder()
	c, err := New(Config{Servers: []string{addr}, SessionTimeout: clientSessionTimeout, Secret: []byte(testSecret)}, rec.sink)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s := openSession(t, c, rec)
	root := nextRoot()
	mustOK(t, s, core.Create{Path: root, Data: []byte("cluster")})
	mustOK(t, s, core.Create{Path: root + "/topologies"})
	t.Cleanup(func() { removeTree(t, s, root) })

	friend := stranger(t, addr, aclUser+":"+testSecret)
	acl, _, err := friend.GetACL(root)
	if err != nil || len(acl) != 1 || acl[0].Scheme != "digest" || acl[0].Perms != zk.PermAll {
		t.Fatalf("ACL of %s: got %+v, %v; want one digest entry with every permission", root, acl, err)
	}
	for name, conn := range map[string]*zk.Conn{
		"no credential":    stranger(t, addr, ""),
		"wrong password":   stranger(t, addr, aclUser+":not-the-secret"),
		"another identity": stranger(t, addr, "mallory:"+testSecret),
	} {
		if _, _, err := conn.Get(root); !errors.Is(err, zk.ErrNoAuth) {
			t.Errorf("%s: read: got %v, want ErrNoAuth", name, err)
		}
		if _, err := conn.Set(root, []byte("x"), -1); !errors.Is(err, zk.ErrNoAuth) {
			t.Errorf("%s: write: got %v, want ErrNoAuth", name, err)
		}
		if _, err := conn.Create(root+"/topologies/evil", nil, 0, zk.WorldACL(zk.PermAll)); !errors.Is(err, zk.ErrNoAuth) {
			t.Errorf("%s: create a child: got %v, want ErrNoAuth", name, err)
		}
		if _, _, err := conn.Children(root); !errors.Is(err, zk.ErrNoAuth) {
			t.Errorf("%s: list children: got %v, want ErrNoAuth", name, err)
		}
		if err := conn.Delete(root+"/topologies", -1); !errors.Is(err, zk.ErrNoAuth) {
			t.Errorf("%s: delete: got %v, want ErrNoAuth", name, err)
		}
	}
	if data, _, err := friend.Get(root); err != nil || string(data) != "cluster" {
		t.Errorf("holder of the secret: got %q, %v; want cluster", data, err)
	}
	if r := s.Do(core.SetData{Path: root, Data: []byte("v2"), Version: core.AnyVersion}); r.Code != core.CodeOK {
		t.Errorf("the daemon's own write: got %s, want OK", r)
	}
}
