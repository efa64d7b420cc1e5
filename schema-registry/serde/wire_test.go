package serde

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestHeaderRoundTrip(t *testing.T) {
	for _, id := range []int{1, 2, 127, 128, 255, 256, 65535, 1 << 24, math.MaxInt32} {
		body := []byte{0x02, 0x61, 0x62}
		b := append(AppendHeader(nil, id), body...)
		if len(b) != HeaderLen+len(body) {
			t.Fatalf("id %d: framed length %d, want %d", id, len(b), HeaderLen+len(body))
		}
		if b[0] != MagicByte || binary.BigEndian.Uint32(b[1:5]) != uint32(id) {
			t.Fatalf("id %d: header % x is not magic 0 + big-endian id", id, b[:5])
		}
		gotID, gotBody, err := ParseHeader(b)
		if err != nil {
			t.Fatalf("id %d: ParseHeader: %v", id, err)
		}
		if gotID != id || !bytes.Equal(gotBody, body) {
			t.Fatalf("id %d: got id %d body % x, want %d % x", id, gotID, gotBody, id, body)
		}
	}
}

func TestAppendHeaderKeepsPrefix(t *testing.T) {
	dst := append(make([]byte, 0, 16), "key:"...)
	got := AppendHeader(dst, 0x01020304)
	want := []byte{'k', 'e', 'y', ':', 0, 1, 2, 3, 4}
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendHeader = % x, want % x", got, want)
	}
	if &got[0] != &dst[0] {
		t.Fatal("AppendHeader reallocated although dst had room")
	}
}

func TestParseHeaderMalformed(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		want    error
		wantMsg string
	}{
		{"nil", nil, ErrShortHeader, "got 0 bytes"},
		{"empty", []byte{}, ErrShortHeader, "got 0 bytes"},
		{"magic only", []byte{0}, ErrShortHeader, "got 1 bytes"},
		{"four bytes", []byte{0, 0, 0, 1}, ErrShortHeader, "got 4 bytes"},
		{"json payload", []byte(`{"a":1}`), ErrUnknownMagicByte, "0x7b"},
		{"guid framing", []byte{1, 0, 0, 0, 1, 9}, ErrUnknownMagicByte, "0x01 (schema GUID framing"},
		{"magic 0xff", []byte{0xff, 0, 0, 0, 1}, ErrUnknownMagicByte, "0xff"},
		{"zero id", []byte{0, 0, 0, 0, 0}, ErrInvalidSchemaID, "id 0"},
		{"negative id", []byte{0, 0xff, 0xff, 0xff, 0xff}, ErrInvalidSchemaID, "id -1"},
		{"min int32 id", []byte{0, 0x80, 0, 0, 0}, ErrInvalidSchemaID, "id -2147483648"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, body, err := ParseHeader(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("err %q does not mention %q", err, tt.wantMsg)
			}
			if id != 0 || body != nil {
				t.Fatalf("got id %d body % x alongside an error", id, body)
			}
		})
	}
}

func TestParseHeaderEmptyBody(t *testing.T) {
	id, body, err := ParseHeader([]byte{0, 0, 0, 0, 7})
	if err != nil || id != 7 || len(body) != 0 {
		t.Fatalf("ParseHeader(header only) = %d, % x, %v; want 7, empty, nil", id, body, err)
	}
}

func TestHeaderZeroAlloc(t *testing.T) {
	buf := make([]byte, 0, 64)
	framed := append(AppendHeader(nil, 42), 1, 2, 3)
	allocs := testing.AllocsPerRun(1000, func() {
		buf = AppendHeader(buf[:0], 42)
		if _, _, err := ParseHeader(framed); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("AppendHeader+ParseHeader allocate %.1f times per run, want 0", allocs)
	}
}

func FuzzParseHeader(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 1})
	f.Add([]byte{0, 0x7f, 0xff, 0xff, 0xff, 0xaa})
	f.Add([]byte{1, 0, 0, 0, 1})
	f.Add([]byte{0, 0x80, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		id, body, err := ParseHeader(b)
		if err != nil {
			if id != 0 || body != nil {
				t.Fatalf("error %v came with id %d body % x", err, id, body)
			}
			if !errors.Is(err, ErrShortHeader) && !errors.Is(err, ErrUnknownMagicByte) && !errors.Is(err, ErrInvalidSchemaID) {
				t.Fatalf("error %v is none of the wire-format sentinels", err)
			}
			return
		}
		if !validID(id) {
			t.Fatalf("accepted out-of-range id %d", id)
		}
		// A valid header re-encodes to exactly the input.
		again := append(AppendHeader(nil, id), body...)
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoding % x gave % x", b, again)
		}
	})
}

func BenchmarkParseHeader(b *testing.B) {
	framed := append(AppendHeader(nil, 123456), make([]byte, 200)...)
	b.SetBytes(HeaderLen)
	b.ReportAllocs()
	var sum int
	for b.Loop() {
		id, body, err := ParseHeader(framed)
		if err != nil {
			b.Fatal(err)
		}
		sum += id + len(body)
	}
	if sum == 0 {
		b.Fatal("nothing parsed")
	}
}
