package httpx

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The fast lane must answer every byte sequence exactly as net/http does.
// These tests run the same routes on two servers, one with them in the
// fast lane and one without, send both the same raw bytes on a fresh
// connection, half-close it, and compare everything that comes back.

// laneRoutes registers the test routes with add (Handle or HandleFast for
// the POST routes) on s.
func laneRoutes(s *Server, fast bool) {
	add := s.Handle
	if fast {
		add = s.HandleFast
	}
	add("POST /p/{x}", http.HandlerFunc(echoHandler))
	add("POST /skip", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Does not read the body: the server must skip it.
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "skipped\n")
	}))
	add("POST /sniff", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "<html><body>no content type set</body></html>")
	}))
	add("POST /nocontent", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Seen", r.Header.Get("X-In"))
		w.WriteHeader(http.StatusNoContent)
		_, _ = io.WriteString(w, "must not be sent")
	}))
	add("POST /close", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		_, _ = io.WriteString(w, "bye\n")
	}))
	add("POST /late-header", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Early", "1")
		w.WriteHeader(http.StatusAccepted)
		w.Header().Set("X-Late", "ignored") // after WriteHeader: not sent
		_, _ = io.WriteString(w, "accepted\n")
	}))
	add("POST /panic", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	add("POST /keep-alive", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "keep-alive")
		_, _ = io.WriteString(w, "kept\n")
	}))
	add("POST /type-late", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.Header().Set("Content-Type", "application/json") // after WriteHeader: not sent, body sniffed
		_, _ = io.WriteString(w, `{"a":1}`)
	}))
	add("POST /odd-headers", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["X-A\r\nSet-Cookie"] = []string{"evil=1"} // an invalid name is dropped
		w.Header().Set("X-Padded", "  padded\r\nvalue  ")
		w.Header().Set("Content-Encoding", "gzip") // no sniffing
		w.Header()["Date"] = nil                   // present: no Date added
		_, _ = io.WriteString(w, "\x1f\x8b not really gzip")
	}))
	add("POST /status/{code}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.PathValue("code"))
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(code)
		_, _ = io.WriteString(w, "body for "+r.PathValue("code"))
	}))
	s.HandleFunc("GET /g", echoHandler)
	s.HandleFunc("POST /slow-path", echoHandler)
	// More specific than the fast POST /p/{x}: the mux picks it, so it is
	// not the lane's.
	s.HandleFunc("POST /p/stream", echoHandler)
}

// echoHandler answers with what it was given, so any difference in how a
// request was parsed shows in the answer.
func echoHandler(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		WriteError(w, http.StatusBadRequest, 400, "reading body: "+err.Error())
		return
	}
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var hdr strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&hdr, "%s=%q;", k, r.Header[k])
	}
	if st, err := strconv.Atoi(r.URL.Query().Get("status")); err == nil && st >= 200 && st <= 599 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(st)
	}
	WriteJSON(w, http.StatusOK, "", map[string]any{
		"method": r.Method, "path": r.URL.Path, "raw_query": r.URL.RawQuery, "uri": r.RequestURI,
		"x": r.PathValue("x"), "pattern": r.Pattern, "host": r.Host, "proto": r.Proto,
		"content_length": r.ContentLength, "close": r.Close, "header": hdr.String(), "body": string(body),
		"transfer_encoding": r.TransferEncoding,
	})
}

// lanePair starts the two servers.
func lanePair(tb testing.TB, opts ...Option) (fast, plain *Server) {
	tb.Helper()
	start := func(fastRoutes bool) *Server {
		s, err := New("equiv", append([]Option{WithAddr("127.0.0.1:0"), WithBodyLimit(1 << 20)}, opts...)...)
		if err != nil {
			tb.Fatal(err)
		}
		laneRoutes(s, fastRoutes)
		if err := s.Start(); err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = s.Shutdown(ctx)
		})
		return s
	}
	return start(true), start(false)
}

// exchange sends raw on a new connection to addr, half-closes it and
// returns everything the server sent until it closed.
func exchange(tb testing.TB, addr string, raw []byte) []byte {
	tb.Helper()
	c := sendRaw(tb, addr, raw)
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	_ = c.(*net.TCPConn).CloseWrite()
	out, err := io.ReadAll(c)
	if err != nil && !isReset(err) {
		tb.Fatalf("reading answers: %v", err)
	}
	return out
}

// isReset reports a connection reset: net/http resets a connection it
// closes with unread request bytes, which both servers may do.
func isReset(err error) bool { return strings.Contains(err.Error(), "connection reset") }

// answers parses the responses in out into comparable text: status and
// headers (without Date, and without the framing net/http may choose
// differently for the same body) and body, one block per response.
func answers(tb testing.TB, out []byte) string {
	tb.Helper()
	br := bufio.NewReader(bytes.NewReader(out))
	var sb strings.Builder
	for {
		if _, err := br.Peek(1); err != nil {
			return sb.String()
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			fmt.Fprintf(&sb, "unparseable rest: %q\n", out[len(out)-br.Buffered():])
			return sb.String()
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			fmt.Fprintf(&sb, "body error: %v\n", err)
		}
		resp.Header.Del("Date")
		resp.Header.Del("Content-Length")
		resp.Header.Del("Transfer-Encoding")
		var hdr bytes.Buffer
		_ = resp.Header.Write(&hdr)
		fmt.Fprintf(&sb, "%s close=%v\n%s\n%s\n---\n", resp.Status, resp.Close, hdr.String(), body)
	}
}

// sameAnswers checks the two servers answer raw identically.
func sameAnswers(tb testing.TB, fast, plain *Server, raw []byte) (got string) {
	tb.Helper()
	got = answers(tb, exchange(tb, fast.Addr(), raw))
	want := answers(tb, exchange(tb, plain.Addr(), raw))
	if got != want {
		tb.Fatalf("request %q\nfast lane answered:\n%s\nnet/http answered:\n%s", raw, got, want)
	}
	return got
}

func post(path, body string, headers ...string) string {
	var sb strings.Builder
	sb.WriteString("POST " + path + " HTTP/1.1\r\nHost: example.test\r\n")
	for _, h := range headers {
		sb.WriteString(h + "\r\n")
	}
	sb.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	return sb.String()
}

// laneCases are request sequences, each sent on one connection: the
// lane's own cases and every kind of request it must hand to net/http.
var laneCases = map[string]string{
	"plain":              post("/p/a?status=201&q=1", `{"v":1}`, "Content-Type: application/json", "X-In: one", "x-in: two"),
	"pipelined":          post("/p/a", "first") + post("/p/b", "second") + post("/p/c", ""),
	"unread body":        post("/skip", strings.Repeat("z", 3000)) + post("/p/after", "next"),
	"sniffed":            post("/sniff", "x"),
	"no content":         post("/nocontent", "x", "X-In: seen"),
	"handler closes":     post("/close", "x") + post("/p/never", "x"),
	"client closes":      post("/p/a", "x", "Connection: close") + post("/p/never", "x"),
	"keep-alive":         post("/p/a", "x", "Connection: Keep-Alive"),
	"header after write": post("/late-header", "x"),
	"panic":              post("/panic", "x") + post("/p/after", "y"),
	"escaped path":       post("/p/a%2Fb?x=%20", "x"),
	"unclean path":       post("/p/../p/a", "x"),
	"empty body":         post("/p/a", ""),
	"leading zeros":      "POST /p/a HTTP/1.1\r\nHost: h\r\nContent-Length: 003\r\n\r\nabc",
	"header spaces":      "POST /p/a HTTP/1.1\r\nHost:   h  \r\nX-In:\t tabbed \t\r\nContent-Length: 1\r\n\r\nz",
	"empty header value": "POST /p/a HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nContent-Length: 1\r\n\r\nz",
	"large body":         post("/p/big", strings.Repeat("b", fastMaxBody+1)) + post("/p/a", "after"),
	"large head":         post("/p/a", "x", "X-Big: "+strings.Repeat("h", fastReadBuffer)) + post("/p/b", "y"),
	"then slow path":     post("/p/a", "1") + post("/slow-path", "2") + post("/p/b", "3"),
	"then GET":           post("/p/a", "1") + "GET /g HTTP/1.1\r\nHost: h\r\n\r\n" + post("/p/b", "3"),
	"unknown route":      post("/nowhere", "x"),
	"GET on fast route":  "GET /p/a HTTP/1.1\r\nHost: h\r\n\r\n",
	"HEAD":               "HEAD /p/a HTTP/1.1\r\nHost: h\r\n\r\n",
	"lower-case method":  "post /p/a HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nz",
	"HTTP/1.0":           "POST /p/a HTTP/1.0\r\nHost: h\r\nContent-Length: 1\r\n\r\nz",
	"HTTP/1.0 keep":      "POST /p/a HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nz",
	"chunked":            "POST /p/a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" + post("/p/b", "y"),
	"chunked and length": "POST /p/a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	"two lengths":        "POST /p/a HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nz",
	"conflicting length": "POST /p/a HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nzz",
	"signed length":      "POST /p/a HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\nz",
	"no length":          "POST /p/a HTTP/1.1\r\nHost: h\r\n\r\n",
	"expect":             "POST /p/a HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nz",
	"upgrade":            "POST /p/a HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 1\r\n\r\nz",
	"no host":            "POST /p/a HTTP/1.1\r\nContent-Length: 1\r\n\r\nz",
	"two hosts":          "POST /p/a HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Length: 1\r\n\r\nz",
	"odd host":           "POST /p/a HTTP/1.1\r\nHost: a b\r\nContent-Length: 1\r\n\r\nz",
	"obs-fold":           "POST /p/a HTTP/1.1\r\nHost: h\r\nX-In: a\r\n b\r\nContent-Length: 1\r\n\r\nz",
	"bare LF":            "POST /p/a HTTP/1.1\nHost: h\nContent-Length: 1\n\nz",
	"bare CR in value":   "POST /p/a HTTP/1.1\r\nHost: h\r\nX-In: a\rb\r\nContent-Length: 1\r\n\r\nz",
	"space before colon": "POST /p/a HTTP/1.1\r\nHost: h\r\nX-In : a\r\nContent-Length: 1\r\n\r\nz",
	"non-ASCII value":    "POST /p/a HTTP/1.1\r\nHost: h\r\nX-In: caf\xc3\xa9\r\nContent-Length: 1\r\n\r\nz",
	"absolute target":    "POST http://h/p/a HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nz",
	"asterisk target":    "POST * HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nz",
	"garbage":            "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
	"truncated head":     "POST /p/a HTTP/1.1\r\nHost: h\r\nContent-Len",
	"truncated body":     post("/p/a", "")[:0] + "POST /p/a HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc",
	"body after close":   post("/p/a", "x", "Connection: close") + "garbage after close",
	"gzip body header":   post("/p/a", "not really gzip", "Content-Encoding: gzip"),
	"CRLF after POST":    post("/p/a", "x") + "\r\n" + post("/p/b", "y") + "\r\n\r\n\r\n" + post("/p/c", "z"),
	"only CRLF after":    post("/p/a", "x") + "\r\n",
	"handler keep-alive": post("/keep-alive", "x") + post("/p/after", "y"),
	"keep-alive closing": post("/keep-alive", "x", "Connection: close"),
	"type after header":  post("/type-late", "x"),
	"odd headers":        post("/odd-headers", "x"),
	"odd statuses":       post("/status/204", "x") + post("/status/304", "x") + post("/status/599", "x") + post("/status/418", "x"),
	"specific route":     post("/p/stream", "x"),
	"pragma":             post("/p/a", "x", "Pragma: no-cache"),
}

func TestFastLaneAnswersAsNetHTTP(t *testing.T) {
	fast, plain := lanePair(t)
	for name, raw := range laneCases {
		t.Run(name, func(t *testing.T) {
			sameAnswers(t, fast, plain, []byte(raw))
		})
	}
}

// TestFastLaneAnswersAsNetHTTPOnOpenConnections sends the same cases
// without half-closing, as a real client does, and collects what arrives
// until the connection is quiet: a request the lane waits on while
// net/http answers it (or the reverse) shows here, not with an EOF.
func TestFastLaneAnswersAsNetHTTPOnOpenConnections(t *testing.T) {
	fast, plain := lanePair(t)
	for name, raw := range laneCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var got, want string
			done := make(chan struct{})
			go func() { defer close(done); want = answers(t, openExchange(t, plain.Addr(), []byte(raw))) }()
			got = answers(t, openExchange(t, fast.Addr(), []byte(raw)))
			<-done
			if got != want {
				t.Fatalf("request %q\nfast lane answered:\n%s\nnet/http answered:\n%s", raw, got, want)
			}
		})
	}
}

// openExchange sends raw on a new connection to addr and returns what the
// server sent until it closed or stayed quiet for 300 ms.
func openExchange(tb testing.TB, addr string, raw []byte) []byte {
	tb.Helper()
	c := sendRaw(tb, addr, raw)
	defer c.Close()
	var out []byte
	buf := make([]byte, 64<<10)
	for {
		_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			return out
		}
	}
}

// TestFastLaneServesItsRoutes checks the fast lane really served what it
// should (and the comparison above is not between two net/http paths): no
// hand-off for the lane's own requests, the right reason for the others.
func TestFastLaneServesItsRoutes(t *testing.T) {
	fast, _ := lanePair(t)
	for _, tc := range []struct {
		name   string
		raw    string
		reason string // "" when the lane keeps the connection
	}{
		{"plain", laneCases["plain"], ""},
		{"pipelined", laneCases["pipelined"], ""},
		{"unread body", laneCases["unread body"], ""},
		{"panic", laneCases["panic"], ""},
		{"then slow path", laneCases["then slow path"], handoffRoute},
		{"chunked", laneCases["chunked"], handoffFraming},
		{"HTTP/1.0", laneCases["HTTP/1.0"], handoffRequestLine},
		{"large body", laneCases["large body"], handoffBodySize},
		{"large head", laneCases["large head"], handoffHeadSize},
		{"obs-fold", laneCases["obs-fold"], handoffHeader},
		{"truncated head", laneCases["truncated head"], handoffIncomplete},
		{"bare LF", laneCases["bare LF"], handoffHeader},
		{"specific route", laneCases["specific route"], handoffRoute},
		{"CRLF after POST", laneCases["CRLF after POST"], handoffRequestLine}, // six CR/LF: net/http skips four, then fails
		{"odd statuses", laneCases["odd statuses"], ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := handoffCount(t, fast)
			exchange(t, fast.Addr(), []byte(tc.raw))
			after := handoffCount(t, fast)
			for r, n := range after {
				if n -= before[r]; (r == tc.reason) != (n == 1) || n > 1 {
					t.Errorf("hand-offs by reason %q went up by %v; want one with reason %q only", r, n, tc.reason)
				}
			}
			if tc.reason != "" && after[tc.reason] == before[tc.reason] {
				t.Errorf("no hand-off with reason %q", tc.reason)
			}
		})
	}
}

func handoffCount(tb testing.TB, s *Server) map[string]float64 {
	tb.Helper()
	mfs, err := s.cfg.registry.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if !strings.HasSuffix(mf.GetName(), "fast_lane_handoffs_total") {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" {
					out[l.GetValue()] = m.GetCounter().GetValue()
				}
			}
		}
	}
	return out
}

// sendRaw dials addr and writes raw.
func sendRaw(tb testing.TB, addr string, raw []byte) net.Conn {
	tb.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := c.Write(raw); err != nil {
		c.Close()
		tb.Fatalf("writing request: %v", err)
	}
	return c
}
