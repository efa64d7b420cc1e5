package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestParseResponse checks the generator's response parser against what
// net/http makes of the same bytes, fed whole and in every split.
func TestParseResponse(t *testing.T) {
	cases := []struct{ name, raw string }{
		{"plain", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhello"},
		{"lower-case names", "HTTP/1.1 422 Unprocessable Entity\r\ncontent-length:  2 \r\nconnection: Close\r\n\r\n{}"},
		{"http/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"},
		{"http/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\nA;ext=1\r\n0123456789\r\n0\r\n\r\n"},
		{"chunked trailer", "HTTP/1.1 207 Multi-Status\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"},
		{"continue", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many Requests\r\nContent-Length: 1\r\n\r\nx"},
		{"no content", "HTTP/1.1 204 No Content\r\n\r\n"},
		{"no status text", "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			br := bufio.NewReader(strings.NewReader(c.raw))
			want, err := http.ReadResponse(br, nil)
			for err == nil && want.StatusCode < 200 { // net/http hands back interim answers
				want, err = http.ReadResponse(br, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			wantBody, _ := io.ReadAll(want.Body)
			in := []byte(c.raw + "NEXT")
			for cut := 0; cut < len(c.raw); cut++ {
				var scratch []byte
				if _, n, err := parseResponse(in[:cut], false, &scratch); n != 0 || err != nil {
					t.Fatalf("%d of %d bytes: took %d, err %v; want a wait for more", cut, len(c.raw), n, err)
				}
			}
			var scratch []byte
			got, n, err := parseResponse(in, false, &scratch)
			if err != nil || n != len(c.raw) {
				t.Fatalf("took %d of %d bytes, err %v", n, len(c.raw), err)
			}
			if got.status != want.StatusCode || got.closeConn != want.Close || !bytes.Equal(got.body, wantBody) {
				t.Fatalf("got status %d close %v body %q; net/http: %d %v %q", got.status, got.closeConn, got.body,
					want.StatusCode, want.Close, wantBody)
			}
		})
	}
}

func TestParseResponseToEOF(t *testing.T) {
	raw := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end")
	var scratch []byte
	if _, n, err := parseResponse(raw, false, &scratch); n != 0 || err != nil {
		t.Fatalf("took %d, err %v before EOF", n, err)
	}
	got, n, err := parseResponse(raw, true, &scratch)
	if err != nil || n != len(raw) || string(got.body) != "until the end" || !got.closeConn {
		t.Fatalf("%+v %d %v", got, n, err)
	}
}

func TestParseResponseRejects(t *testing.T) {
	for _, c := range []struct {
		name, raw string
		eof       bool
	}{
		{"not http", "SSH-2.0-OpenSSH\r\n\r\n", false},
		{"bad status", "HTTP/1.1 2x0 OK\r\n\r\n", false},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false},
		{"gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false},
		{"bad chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false},
		{"header without colon", "HTTP/1.1 200 OK\r\nnonsense\r\n\r\n", false},
		{"huge header", "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("x", maxHead), false},
		{"closed in header", "HTTP/1.1 200 OK\r\n", true},
		{"closed in body", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", true},
		{"closed silently", "", true},
	} {
		var scratch []byte
		if _, _, err := parseResponse([]byte(c.raw), c.eof, &scratch); !errors.Is(err, ErrResponse) {
			t.Errorf("%s: err %v, want ErrResponse", c.name, err)
		}
	}
}
