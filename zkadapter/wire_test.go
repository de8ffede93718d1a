package zkadapter

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

func packet(body []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}

func TestPacketScannerAnySplit(t *testing.T) {
	long := bytes.Repeat([]byte{7}, 3*packetHeadMax)
	bodies := [][]byte{[]byte("abc"), long, {1}, []byte("sixteen-bytes!!!")}
	var stream []byte
	for _, b := range bodies {
		stream = append(stream, packet(b)...)
	}
	stream = append(stream, 0, 0, 0, 0) // an empty packet reports nothing
	want := fmt.Sprint([]string{"0:abc", "1:" + string(long[:packetHeadMax]), "2:\x01", "3:sixteen-bytes!!!"})
	for chunk := 1; chunk <= len(stream); chunk++ {
		var got []string
		s := packetScanner{onHead: func(i int, head []byte) { got = append(got, fmt.Sprintf("%d:%s", i, head)) }}
		for p := stream; len(p) > 0; {
			n := min(chunk, len(p))
			s.feed(p[:n])
			p = p[n:]
		}
		if fmt.Sprint(got) != want {
			t.Fatalf("chunks of %d bytes: got heads %q, want %q", chunk, got, want)
		}
	}
}

func TestConnectPassword(t *testing.T) {
	var head []byte
	head = binary.BigEndian.AppendUint32(head, 0)                // protocol version
	head = binary.BigEndian.AppendUint32(head, 4000)             // timeout
	head = binary.BigEndian.AppendUint64(head, 0x1234_5678_9abc) // session
	head = binary.BigEndian.AppendUint32(head, 3)                // password length
	head = append(head, 'p', 'w', 'd', 0)                        // password, read-only flag
	id, pw := connectPassword(head)
	if id != 0x1234_5678_9abc || string(pw) != "pwd" {
		t.Fatalf("connectPassword: got %#x %q, want 0x123456789abc \"pwd\"", id, pw)
	}
	if id, pw := connectPassword(head[:10]); id != 0 || pw != nil {
		t.Fatalf("connectPassword of a short head: got %#x %q, want nothing", id, pw)
	}
}
