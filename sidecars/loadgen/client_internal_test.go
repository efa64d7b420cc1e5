package loadgen

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestRawConnAnswers runs the goroutine-per-connection client (the path
// without the event loop) through the answers a server may give: a plain
// one, a chunked one, one that closes the connection, and an error; the
// connection is reused where HTTP allows and redialled where it does not.
func TestRawConnAnswers(t *testing.T) {
	conns := 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("Content-Type") != "text/plain" || r.Header.Get("X-API-Key") != "k" || r.Method != http.MethodPost {
			http.Error(w, "bad request line or headers", http.StatusBadRequest)
			return
		}
		switch string(body) {
		case "chunked":
			_, _ = io.WriteString(w, "part one, ")
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, "part two")
		case "close":
			w.Header().Set("Connection", "close")
			_, _ = io.WriteString(w, "bye")
		case "bad":
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = io.WriteString(w, `{"error_code":42203}`)
		default:
			_, _ = io.WriteString(w, "ok:"+string(body))
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns++
		}
	}
	srv.Start()
	defer srv.Close()
	p, err := newPoster(srv.URL+"/topics/x", "k", 5*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	if _, ok := p.(*rawConn); !ok {
		t.Fatalf("poster for a plain http target is %T", p)
	}
	for _, c := range []struct {
		send, want string
		status     int
	}{
		{"a", "ok:a", 200},
		{"chunked", "part one, part two", 200},
		{"b", "ok:b", 200},
		{"close", "bye", 200},
		{"bad", `{"error_code":42203}`, 422},
		{"c", "ok:c", 200},
	} {
		status, body, err := p.post(context.Background(), "text/plain", []byte(c.send))
		if err != nil || status != c.status || string(body) != c.want {
			t.Fatalf("post %q: status %d body %q err %v, want %d %q", c.send, status, body, err, c.status, c.want)
		}
	}
	// One connection until "close", one after it.
	if conns != 2 {
		t.Errorf("%d connections, want 2", conns)
	}
}

// TestRawConnTimesOut fails a request the server never answers instead of
// waiting for ever.
func TestRawConnTimesOut(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	p, err := newPoster(srv.URL, "", 200*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	start := time.Now()
	if _, _, err := p.post(context.Background(), "text/plain", []byte("x")); err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("err %v, want a timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("timed out after %s", d)
	}
}
