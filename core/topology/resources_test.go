package topology

import "testing"

func TestResourcesArithmetic(t *testing.T) {
	a := Resources{CPU: 150, MemoryMB: 512, NetworkMbps: 10, DiskMB: 1}
	b := Resources{CPU: 50, MemoryMB: 1024, NetworkMbps: 0, DiskMB: 3}
	for _, c := range []struct {
		name      string
		got, want Resources
	}{
		{"add", a.Add(b), Resources{200, 1536, 10, 4}},
		{"sub", a.Sub(b), Resources{100, -512, 10, -2}},
		{"mul", a.Mul(3), Resources{450, 1536, 30, 3}},
		{"mul 0", a.Mul(0), Resources{}},
		{"add zero", a.Add(Resources{}), a},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestResourcesFits(t *testing.T) {
	capacity := Resources{CPU: 400, MemoryMB: 4096, NetworkMbps: 1000, DiskMB: 100}
	for _, c := range []struct {
		demand Resources
		want   bool
	}{
		{Resources{}, true},
		{capacity, true},
		{Resources{CPU: 401}, false},
		{Resources{MemoryMB: 4097}, false},
		{Resources{NetworkMbps: 1001}, false},
		{Resources{DiskMB: 101}, false},
		{Resources{CPU: -5, MemoryMB: 10}, true},
	} {
		if got := c.demand.Fits(capacity); got != c.want {
			t.Errorf("%v fits %v: got %v, want %v", c.demand, capacity, got, c.want)
		}
	}
}

func TestResourcesString(t *testing.T) {
	got := Resources{CPU: 10, MemoryMB: 128, NetworkMbps: 5, DiskMB: 7}.String()
	if want := "cpu=10 memory_mb=128 network_mbps=5 disk_mb=7"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
