package loadgen_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/sidecars/loadgen"
)

// TestHungServerTimesOut: a server that accepts and reads but never
// answers costs each request its timeout, not the run.
func TestHungServerTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(io.Discard, c) }()
		}
	}()
	begin := time.Now()
	res, err := loadgen.Run(context.Background(), loadgen.Options{URL: "http://" + ln.Addr().String(), Events: 6,
		Concurrency: 3, Timeout: 300 * time.Millisecond, Progress: -1}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(begin)
	if res.Failed != 6 || res.Rejected != 6 || res.Requests != 0 || res.Accepted != 0 {
		t.Errorf("want 6 failed requests: %+v", res)
	}
	// Two rounds of three connections, each round one timeout (plus the
	// coarse sweep) long.
	if took < 600*time.Millisecond || took > 3*time.Second {
		t.Errorf("took %s for two rounds of 300 ms timeouts", took)
	}
}

// TestServerAnswersOddly: answers the fast path does not see every day —
// chunked bodies, Connection: close, an interim 100, a server closing idle
// connections — are read and counted, and closed connections are redialled.
func TestServerAnswersOddly(t *testing.T) {
	var n, conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		ok := `{"offsets":[{"partition":0,"offset":1,"error_code":null}]}`
		switch n.Add(1) % 4 {
		case 0:
			w.(http.Flusher).Flush() // forces a chunked body
			fmt.Fprint(w, ok)
		case 1:
			w.Header().Set("Connection", "close")
			fmt.Fprint(w, ok)
		case 2:
			w.WriteHeader(http.StatusContinue)
			fmt.Fprint(w, ok)
		case 3:
			w.WriteHeader(http.StatusUnprocessableEntity)
			fmt.Fprint(w, `{"offsets":[{"error_code":42203,"error":"x"}]}`)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Config.IdleTimeout = 20 * time.Millisecond
	srv.Start()
	defer srv.Close()
	res, err := loadgen.Run(context.Background(), loadgen.Options{URL: srv.URL, Rate: 400, Events: 200, Concurrency: 4,
		Progress: -1}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 200 || res.Failed != 0 || res.Accepted != 150 || res.Rejected != 50 || res.Status[422] != 50 {
		t.Errorf("counting: %+v", res)
	}
	// Every fourth answer closes its connection.
	if c := conns.Load(); c < 50 {
		t.Errorf("%d connections for 50 closing answers", c)
	}
}

// TestCancelStopsTheRun: cancelling the context ends an unbounded run
// promptly.
func TestCancelStopsTheRun(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"offsets":[{"partition":0,"offset":1,"error_code":null}]}`)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	begin := time.Now()
	res, err := loadgen.Run(ctx, loadgen.Options{URL: srv.URL, Rate: 50, Duration: time.Hour, Progress: -1}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took > 2*time.Second || res.Requests < 5 || res.Failed != 0 ||
		!strings.Contains(fmt.Sprint(res.Status), "200") {
		t.Errorf("took %s: %+v", took, res)
	}
}
