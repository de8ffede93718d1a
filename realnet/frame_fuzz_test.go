package realnet

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReadStream feeds arbitrary bytes to what a transport connection reads
// from a peer: a hello, then frames until the connection ends. Nothing may
// panic; every refusal is one of the transport's named errors; and what is
// accepted re-encodes to the bytes that were read.
//
//	go test ./realnet/ -run '^$' -fuzz FuzzReadStream -fuzztime 30s
func FuzzReadStream(f *testing.F) {
	good := appendHello(nil, "sup-1:6700")
	good = append(good, frameBytes(3, []byte("abc"))...)
	good = append(good, frameBytes(0, nil)...)
	f.Add(good)
	f.Add(good[:len(good)-2])
	f.Add([]byte("GET / HTTP/1.1\r\n"))
	f.Add(append(appendHello(nil, "n"), 0xff, 0xff, 0xff, 0xff))
	f.Fuzz(func(t *testing.T, src []byte) {
		r := bufio.NewReaderSize(bytes.NewReader(src), readBufferBytes)
		from, err := readHello(r)
		if err != nil {
			if !errors.Is(err, ErrBadHello) && !errors.Is(err, ErrBadMagic) && !errors.Is(err, ErrBadVersion) {
				t.Fatalf("hello of %q: got %v, want ErrBadHello, ErrBadMagic or ErrBadVersion", src, err)
			}
			return
		}
		var out bytes.Buffer
		w := bufio.NewWriter(&out)
		if _, err := w.Write(appendHello(nil, from)); err != nil {
			t.Fatal(err)
		}
		for {
			p, err := readFrame(r)
			if err == io.EOF {
				break
			}
			if err != nil {
				if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrFrameTooLarge) {
					t.Fatalf("frame: got %v, want ErrTruncated or ErrFrameTooLarge", err)
				}
				return
			}
			if err := writeFrame(w, p); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), src) {
			t.Fatalf("re-encoding what was read: got %x, want the %x read", out.Bytes(), src)
		}
	})
}
