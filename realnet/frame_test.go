package realnet

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/squall/squall/core"
)

func TestFrameRoundTrip(t *testing.T) {
	sizes := []int{0, 1, 100, writeBufferBytes + 7, payloadAllocBytesMax, payloadAllocBytesMax + 1, 3 << 20}
	var buf bytes.Buffer
	w := bufio.NewWriterSize(&buf, writeBufferBytes)
	if _, err := w.Write(appendHello(nil, "sup-1:6700")); err != nil {
		t.Fatal(err)
	}
	var want [][]byte
	for i, n := range sizes {
		p := make([]byte, n)
		for j := range p {
			p[j] = byte(i + j)
		}
		want = append(want, p)
		if err := writeFrame(w, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReaderSize(&buf, readBufferBytes)
	from, err := readHello(r)
	if from != "sup-1:6700" || err != nil {
		t.Fatalf("hello: got %q, %v; want sup-1:6700, nil", from, err)
	}
	for i, p := range want {
		got, err := readFrame(r)
		if err != nil || !bytes.Equal(got, p) {
			t.Fatalf("frame %d: got %d bytes, %v; want %d bytes equal to those written", i, len(got), err, len(p))
		}
	}
	if _, err := readFrame(r); err != io.EOF {
		t.Fatalf("after the last frame: got %v, want io.EOF", err)
	}
}

func frameBytes(n uint32, body []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, n), body...)
}

func TestFrameBad(t *testing.T) {
	big := make([]byte, payloadAllocBytesMax+10)
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"header cut", []byte{0, 0}, ErrTruncated},
		{"payload cut", frameBytes(10, []byte("abc")), ErrTruncated},
		{"large payload cut", frameBytes(payloadAllocBytesMax+100, big), ErrTruncated},
		{"oversized", frameBytes(PayloadBytesMax+1, nil), ErrFrameTooLarge},
		{"max length", frameBytes(1<<32-1, []byte("x")), ErrFrameTooLarge},
	}
	for _, tt := range tests {
		_, err := readFrame(bufio.NewReader(bytes.NewReader(tt.in)))
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestHelloBad(t *testing.T) {
	good := appendHello(nil, "n1")
	withVersion := bytes.Clone(good)
	withVersion[4] = 9
	zeroID := append(append(magic[:], wireVersion), 0, 0)
	longID := append(append(magic[:], wireVersion), 0xff, 0xff)
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrBadHello},
		{"http", []byte("GET / HTTP/1.1\r\n"), ErrBadMagic},
		{"version", withVersion, ErrBadVersion},
		{"id cut", good[:len(good)-1], ErrBadHello},
		{"zero id", zeroID, ErrBadHello},
		{"long id", longID, ErrBadHello},
	}
	for _, tt := range tests {
		_, err := readHello(bytes.NewReader(tt.in))
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
	if id, err := readHello(bytes.NewReader(good)); id != core.NodeID("n1") || err != nil {
		t.Errorf("good hello: got %q, %v; want n1, nil", id, err)
	}
}
