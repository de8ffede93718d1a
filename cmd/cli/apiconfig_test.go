package cli

import "testing"

// cluster/configuration shows the settings under Squall's and Storm's keys
// and never a secret.
func TestClusterConfiguration(t *testing.T) {
	c := defaultConfig()
	for _, kv := range []string{"cluster.secret=0123456789abcdef0123", "auth.tokens=ann:admin:0123456789abcdef0123",
		"tls.key=/etc/k.pem", "supervisor.slots.ports=6700,6701"} {
		if err := c.override(kv); err != nil {
			t.Fatal(err)
		}
	}
	got := clusterConfiguration(c)
	for _, key := range []string{"cluster.secret", "auth.tokens", "auth.token", "tls.key"} {
		if v, ok := got[key]; ok {
			t.Errorf("configuration[%s]: got %v, want no secret shown", key, v)
		}
	}
	if v, ok := got["storm.zookeeper.root"].(string); !ok || v != "/squall" {
		t.Errorf("configuration[storm.zookeeper.root]: got %v, want /squall (Storm's key)", got["storm.zookeeper.root"])
	}
	if v, ok := got["nimbus.port"].(int64); !ok || v != 6627 {
		t.Errorf("configuration[nimbus.port]: got %#v, want 6627 as a number", got["nimbus.port"])
	}
	ports, ok := got["supervisor.slots.ports"].([]any)
	if !ok || len(ports) != 2 || ports[1] != int64(6701) {
		t.Errorf("configuration[supervisor.slots.ports]: got %#v, want [6700 6701]", got["supervisor.slots.ports"])
	}
}
