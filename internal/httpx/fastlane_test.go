package httpx

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// laneServer starts a server whose only fast route, POST /hold, answers
// once release is closed (or at once when release is nil), echoing the
// body.
func laneServer(t *testing.T, release chan struct{}, opts ...Option) *Server {
	t.Helper()
	s, err := New("lane", append([]Option{WithAddr("127.0.0.1:0")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{}, 16)
	s.HandleFast("POST /hold", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		started <- struct{}{}
		if release != nil {
			<-release
		}
		_, _ = w.Write(body)
	}))
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	return s
}

// laneClient is one raw connection that sends requests and reads answers.
type laneClient struct {
	c  net.Conn
	br *bufio.Reader
}

func dialLane(t *testing.T, s *Server) *laneClient {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return &laneClient{c: c, br: bufio.NewReader(c)}
}

func (lc *laneClient) send(t *testing.T, raw string) {
	t.Helper()
	if _, err := io.WriteString(lc.c, raw); err != nil {
		t.Fatalf("sending: %v", err)
	}
}

func (lc *laneClient) answer(t *testing.T) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(lc.br, nil)
	if err != nil {
		t.Fatalf("reading answer: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading answer body: %v", err)
	}
	return resp, string(b)
}

// closed reports whether the server closed the connection (EOF) within d.
func (lc *laneClient) closed(d time.Duration) bool {
	_ = lc.c.SetReadDeadline(time.Now().Add(d))
	_, err := lc.br.Peek(1)
	return errors.Is(err, io.EOF) || (err != nil && strings.Contains(err.Error(), "reset"))
}

func TestFastLaneShutdownClosesIdleAndWaitsForActive(t *testing.T) {
	release := make(chan struct{})
	s := laneServer(t, release)
	idle := dialLane(t, s)
	go func() { release <- struct{}{} }() // let the first request through
	idle.send(t, post("/hold", "one"))
	if _, body := idle.answer(t); body != "one" {
		t.Fatalf("first answer %q", body)
	}
	active := dialLane(t, s)
	active.send(t, post("/hold", "two"))
	// Wait until the handler holds the request.
	time.Sleep(50 * time.Millisecond)

	done := make(chan error, 1)
	go func() { done <- s.Shutdown(context.Background()) }()
	if !idle.closed(2 * time.Second) {
		t.Fatal("the idle connection was not closed by Shutdown")
	}
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned (%v) while a request was being handled", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	resp, body := active.answer(t)
	if body != "two" || !resp.Close {
		t.Fatalf("answer during shutdown: %q, Connection: close %v; want the body and close", body, resp.Close)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if c, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		c.Close()
		t.Fatal("still accepting after Shutdown")
	}
}

func TestFastLaneClosesIdleConnections(t *testing.T) {
	const idle = 400 * time.Millisecond
	s := laneServer(t, nil, WithIdleTimeout(idle))
	lc := dialLane(t, s)
	for range 3 {
		lc.send(t, post("/hold", "x"))
		if _, body := lc.answer(t); body != "x" {
			t.Fatalf("answer %q", body)
		}
	}
	start := time.Now()
	if lc.closed(idle * 3 / 4 * 9 / 10) {
		t.Fatalf("closed after %v, before ¾ of the idle timeout", time.Since(start))
	}
	if !lc.closed(2 * time.Second) {
		t.Fatal("an idle connection stayed open")
	}
	if waited := time.Since(start); waited > idle+500*time.Millisecond {
		t.Fatalf("closed after %v; idle timeout %v", waited, idle)
	}
}

func TestFastLaneReadsBodiesThatArriveInPieces(t *testing.T) {
	s := laneServer(t, nil)
	lc := dialLane(t, s)
	body := strings.Repeat("0123456789", 5000) // 50 kB, several TCP segments
	raw := post("/hold", body)
	for i := 0; i < len(raw); i += 7001 {
		lc.send(t, raw[i:min(i+7001, len(raw))])
		time.Sleep(5 * time.Millisecond)
	}
	if _, got := lc.answer(t); got != body {
		t.Fatalf("answer of %d bytes, want the %d-byte body", len(got), len(body))
	}
	// The head, too, may arrive in pieces.
	raw = post("/hold", "split head")
	lc.send(t, raw[:9])
	time.Sleep(20 * time.Millisecond)
	lc.send(t, raw[9:])
	if _, got := lc.answer(t); got != "split head" {
		t.Fatalf("answer %q", got)
	}
	if n := handoffCount(t, s); len(n) != 0 {
		t.Fatalf("hand-offs %v; the lane should have kept the connection", n)
	}
}

// TestFastLaneHandsOverMidConnection interleaves answers with requests
// on one connection: after the hand-off net/http serves the rest,
// including later fast-route requests, with keep-alive.
func TestFastLaneHandsOverMidConnection(t *testing.T) {
	fast, _ := lanePair(t)
	lc := dialLane(t, fast)
	lc.send(t, post("/p/one", "1"))
	if resp, body := lc.answer(t); resp.StatusCode != 200 || !strings.Contains(body, `"x":"one"`) {
		t.Fatalf("fast answer %d %s", resp.StatusCode, body)
	}
	lc.send(t, "POST /p/two HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n2\r\n0\r\n\r\n")
	if resp, body := lc.answer(t); resp.StatusCode != 200 || !strings.Contains(body, `"transfer_encoding":["chunked"]`) {
		t.Fatalf("chunked answer %d %s", resp.StatusCode, body)
	}
	for _, x := range []string{"three", "four"} {
		lc.send(t, post("/p/"+x, x))
		if resp, body := lc.answer(t); resp.StatusCode != 200 || resp.Close || !strings.Contains(body, `"body":"`+x+`"`) {
			t.Fatalf("answer after hand-off %d close=%v %s", resp.StatusCode, resp.Close, body)
		}
	}
	if n := handoffCount(t, fast); n[handoffFraming] != 1 || len(n) != 1 {
		t.Fatalf("hand-offs %v; want one for framing", n)
	}
}

// TestFastLaneHeadTimeouts: as in net/http, a new connection must send its
// head within the header timeout, and a head cannot be kept open by
// trickling it.
func TestFastLaneHeadTimeouts(t *testing.T) {
	const header = 300 * time.Millisecond
	s := laneServer(t, nil, WithReadHeaderTimeout(header), WithIdleTimeout(time.Minute))
	silent := dialLane(t, s)
	start := time.Now()
	if !silent.closed(5 * time.Second) {
		t.Fatal("a silent new connection stayed open")
	}
	if waited := time.Since(start); waited < header*3/4 || waited > header+time.Second {
		t.Fatalf("silent connection closed after %v; header timeout %v", waited, header)
	}

	trickle := dialLane(t, s)
	trickle.send(t, post("/hold", "x"))
	trickle.answer(t)
	raw := post("/hold", "y")
	start = time.Now()
	for i := 0; i < len(raw)-1; i++ {
		if _, err := trickle.c.Write([]byte{raw[i]}); err != nil || time.Since(start) > 5*time.Second {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if waited := time.Since(start); waited > header+2*time.Second || !trickle.closed(time.Second) {
		t.Fatalf("a trickled head kept the connection for %v; header timeout %v", waited, header)
	}
}

// TestFastLaneAnswersAtOnceWhenClosing: a connection that closes after
// the answer (the client or the handler said so) does not wait for the
// rest of a body first, as in net/http.
func TestFastLaneAnswersAtOnceWhenClosing(t *testing.T) {
	fast, _ := lanePair(t)
	for _, raw := range []string{
		"POST /skip HTTP/1.1\r\nHost: h\r\nConnection: close\r\nContent-Length: 1000\r\n\r\n" + strings.Repeat("z", 100),
		"POST /close HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n" + strings.Repeat("z", 100),
	} {
		lc := dialLane(t, fast)
		start := time.Now()
		lc.send(t, raw)
		resp, _ := lc.answer(t)
		if waited := time.Since(start); waited > time.Second || !resp.Close {
			t.Errorf("%q: answered after %v, Connection: close %v; want at once, closing", raw[:20], waited, resp.Close)
		}
	}
}
