package loadgen

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
)

// TestReadPlainResponse checks the generator's own response reader against
// what net/http would make of the same bytes, and that it leaves what it
// does not handle untouched for net/http.
func TestReadPlainResponse(t *testing.T) {
	cases := []struct {
		name, raw string
		ok        bool
		status    int
		close     bool
		body      string
	}{
		{"plain", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhello", true, 200, false, "hello"},
		{"lower-case names", "HTTP/1.1 422 Unprocessable Entity\r\ncontent-length:  2 \r\nconnection: Close\r\n\r\n{}", true, 422, true, "{}"},
		{"http/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", true, 200, true, ""},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n", false, 0, false, ""},
		{"no length", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nrest", false, 0, false, ""},
		{"continue", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, 0, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A tiny reader makes the header arrive in pieces.
			br := bufio.NewReaderSize(&trickle{r: strings.NewReader(c.raw + "NEXT")}, 80)
			var body bytes.Buffer
			status, closeConn, ok, err := readPlainResponse(br, &body)
			if err != nil || ok != c.ok {
				t.Fatalf("ok %v err %v, want ok %v", ok, err, c.ok)
			}
			rest, _ := io.ReadAll(br)
			if !ok {
				if string(rest) != c.raw+"NEXT" {
					t.Fatalf("declined but consumed input: %q left", rest)
				}
				return
			}
			if status != c.status || closeConn != c.close || body.String() != c.body || string(rest) != "NEXT" {
				t.Fatalf("status %d close %v body %q rest %q", status, closeConn, body.String(), rest)
			}
		})
	}
}

// trickle returns at most 3 bytes per read.
type trickle struct{ r io.Reader }

func (t *trickle) Read(p []byte) (int, error) { return t.r.Read(p[:min(len(p), 3)]) }

// TestReadPlainResponseLargeHeader declines a header larger than the
// buffer instead of waiting for it to fit.
func TestReadPlainResponseLargeHeader(t *testing.T) {
	raw := "HTTP/1.1 200 OK\r\nX-Pad: " + strings.Repeat("x", 100) + "\r\nContent-Length: 0\r\n\r\n"
	br := bufio.NewReaderSize(strings.NewReader(raw), 16)
	if _, _, ok, err := readPlainResponse(br, &bytes.Buffer{}); ok || err != nil {
		t.Fatalf("ok %v err %v, want a decline", ok, err)
	}
	if br.Buffered() == 0 {
		t.Fatal("nothing was buffered")
	}
}
