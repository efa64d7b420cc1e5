package httpx

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// The fast lane serves the requests of routes registered with HandleFast
// on the connection's own goroutine, without net/http's per-request
// machinery: no background-read goroutine and context per request, at
// most one read deadline instead of three, one write per answer. For small
// single-event POSTs that machinery is most of a request's cost: a trivial
// handler behind net/http costs 36 µs of CPU per request on the reference
// machine, the same answer from a plain loop 12 µs.
//
// It is a strict subset of HTTP/1.1, not a second implementation: a
// connection stays in the lane only while every request on it is a plain
// keep-alive POST to a fast-lane route with a small Content-Length body
// (parseFastHead lists the rules). The first request that is anything
// else — chunked, Expect: 100-continue, HTTP/1.0, a large head or body,
// another route, a malformed head — is not consumed: the connection, with
// the bytes read so far, goes to the net/http server for the rest of its
// life, which parses it as it would have from the start. Requests in the
// lane run the same middleware and handler; what their answers can differ
// in is listed at HandleFast.
type fastLane struct {
	s        *Server
	handler  http.Handler
	patterns map[string]bool
	handoff  *handoffListener
	requests prometheus.Counter
	open     prometheus.Gauge

	closing atomic.Bool
	mu      sync.Mutex
	conns   map[*fastConn]struct{}
	wg      sync.WaitGroup // the accept loop and every connection
}

const (
	// fastReadBuffer holds a request head; larger heads go to net/http.
	fastReadBuffer = 8 << 10
	// fastMaxBody is the largest body the lane takes; larger ones go to
	// net/http, where a batch's per-request overhead matters little.
	fastMaxBody = 64 << 10
	// fastKeepBuffer is the largest answer buffer a connection keeps
	// between requests.
	fastKeepBuffer = 16 << 10
)

// Connection states, as in net/http: Shutdown closes idle connections
// (including those in the middle of a head) and waits for active ones.
const (
	connIdle int32 = iota
	connActive
	connClosed
)

func newFastLane(s *Server) *fastLane {
	return &fastLane{
		s: s, patterns: map[string]bool{}, conns: map[*fastConn]struct{}{},
		requests: s.m.laneRequests.WithLabelValues(s.name),
		open:     s.m.laneConns.WithLabelValues(s.name),
	}
}

func (l *fastLane) add(pattern string) { l.patterns[pattern] = true }

// eligible reports whether the server's mux routes req to a fast-lane
// pattern. A path the mux would clean or redirect matches none.
func (l *fastLane) eligible(req *http.Request) bool {
	_, pattern := l.s.mux.Handler(req)
	return l.patterns[pattern]
}

// start serves ln: the lane takes every connection; handler is the
// server's chain.
func (l *fastLane) start(ln net.Listener, handler http.Handler) {
	l.handler, l.handoff = handler, newHandoffListener(ln.Addr())
	l.wg.Add(1)
	go l.accept(ln)
}

func (l *fastLane) accept(ln net.Listener) {
	defer l.wg.Done()
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if l.closing.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			var te interface{ Temporary() bool }
			if !errors.As(err, &te) || !te.Temporary() {
				l.s.stopped(err) // as net/http's Serve: a permanent accept error ends serving
				return
			}
			// Out of file descriptors and the like: wait, as net/http does.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			l.s.cfg.logger.Warn("accepting a connection", zap.String("server", l.s.name), zap.Error(err),
				zap.Duration("retry_in", backoff))
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		fc := &fastConn{lane: l, c: c, br: bufio.NewReaderSize(c, fastReadBuffer), remote: c.RemoteAddr().String()}
		fc.w.header = make(http.Header)
		if !l.track(fc) {
			_ = c.Close()
			continue
		}
		go fc.serve()
	}
}

func (l *fastLane) track(fc *fastConn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closing.Load() {
		return false
	}
	l.conns[fc] = struct{}{}
	l.wg.Add(1)
	l.open.Inc()
	return true
}

func (l *fastLane) untrack(fc *fastConn) {
	l.mu.Lock()
	delete(l.conns, fc)
	l.mu.Unlock()
	l.open.Dec()
	l.wg.Done()
}

// shutdown stops accepting, closes idle connections as they become idle
// and waits for the rest. When ctx ends first, the remaining connections
// are closed under their handlers, whose answers then fail.
func (l *fastLane) shutdown(ctx context.Context, ln net.Listener) error {
	l.mu.Lock()
	l.closing.Store(true)
	l.mu.Unlock()
	_ = ln.Close()
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		l.closeConns(false)
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			l.closeConns(true)
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// closeConns closes the idle connections, or all of them.
func (l *fastLane) closeConns(all bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for fc := range l.conns {
		if fc.state.CompareAndSwap(connIdle, connClosed) || all {
			_ = fc.c.Close()
		}
	}
}
