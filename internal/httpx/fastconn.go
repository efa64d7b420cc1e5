package httpx

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// fastConn is one connection in the lane.
type fastConn struct {
	lane   *fastLane
	c      net.Conn
	br     *bufio.Reader
	w      fastWriter
	wire   []byte // the answer's head as written
	remote string
	state  atomic.Int32
	// until is the read deadline set on c. The idle deadline is refreshed
	// only when less than ¾ of the idle timeout (or more than all of it)
	// remains, so a busy connection rarely sets one: idle connections
	// close after between ¾ of the idle timeout and all of it.
	until time.Time
}

// What a connection's loop ended with.
type fate int

const (
	fateClose     fate = iota // close now
	fateLinger                // close once the client has had time to read the answer
	fateHandedOff             // net/http has it
)

// rstAvoidance is net/http's rstAvoidanceDelay: a connection closed with
// unread request bytes is reset by the kernel, which can destroy the
// answer before the client reads it, so the write side is shut first and
// the close waits this long.
const rstAvoidance = 500 * time.Millisecond

func (fc *fastConn) serve() {
	defer fc.lane.untrack(fc)
	switch fc.loop() {
	case fateHandedOff:
		return
	case fateLinger:
		if tc, ok := fc.c.(interface{ CloseWrite() error }); ok {
			_ = tc.CloseWrite()
			time.Sleep(rstAvoidance)
		}
	}
	_ = fc.c.Close()
}

// loop serves requests until the connection ends or is handed to
// net/http. Its head timeouts are net/http's: the first head must arrive
// within the header timeout, later ones must start within the idle timeout
// and then arrive within the header timeout. Unlike net/http (no body
// timeout by default) a body must arrive within the idle timeout of its
// head.
func (fc *fastConn) loop() (f fate) {
	defer func() {
		// recoverPanics answers handler panics; what arrives here is
		// http.ErrAbortHandler or the lane's own failure.
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				fc.lane.s.cfg.logger.Error("fast lane panicked", zap.String("server", fc.lane.s.name),
					zap.Any("panic", v), zap.Stack("stack"))
			}
			f = fateClose
		}
	}()
	cfg := &fc.lane.s.cfg
	fc.setDeadline(time.Now().Add(cfg.readHeaderTimeout))
	for served := 0; ; served++ {
		if served > 0 {
			now := time.Now()
			if d := fc.until.Sub(now); d < cfg.idleTimeout*3/4 || d > cfg.idleTimeout {
				fc.setDeadline(now.Add(cfg.idleTimeout))
			}
			// As net/http before a keep-alive request: wait for 4 bytes,
			// and after a POST skip up to 4 stray CR/LF.
			peek, err := fc.br.Peek(4)
			if err != nil {
				return fateClose
			}
			_, _ = fc.br.Discard(leadingCRLF(peek))
		}
		head, why := fc.readHead(served > 0)
		switch why {
		case "":
		case closeQuietly:
			return fateClose
		default:
			return fc.handOff(why)
		}
		h, why := parseFastHead(head, fastMaxBody)
		if why != "" {
			return fc.handOff(why)
		}
		req := &http.Request{
			Method: h.method, URL: h.url, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: h.header, Body: http.NoBody, ContentLength: h.contentLength, Close: h.close,
			Host: h.host, RemoteAddr: fc.remote, RequestURI: h.target,
		}
		if !fc.lane.eligible(req) {
			return fc.handOff(handoffRoute)
		}
		if !fc.state.CompareAndSwap(connIdle, connActive) {
			return fateClose // Shutdown closed it
		}
		_, _ = fc.br.Discard(len(head))
		var body *fastBody
		if h.contentLength > 0 {
			if int64(fc.br.Buffered()) < h.contentLength {
				fc.setDeadline(time.Now().Add(cfg.idleTimeout)) // the body is still arriving
			}
			body = &fastBody{r: fc.br, n: h.contentLength}
			req.Body = body
		}
		fc.w.reset()
		fc.lane.requests.Inc()
		fc.lane.handler.ServeHTTP(&fc.w, req)
		f, ok := fc.answer(h.close, body)
		if !ok || !fc.state.CompareAndSwap(connActive, connIdle) {
			return f
		}
	}
}

// answer drains what the handler left of the body and writes the answer.
// It reports whether the connection stays open, and how it ends if not.
func (fc *fastConn) answer(clientClose bool, body *fastBody) (fate, bool) {
	if !fc.w.head {
		fc.w.WriteHeader(http.StatusOK)
	}
	closing, cut := clientClose || fc.w.connClose || fc.lane.closing.Load(), false
	if body != nil {
		body.closed = true // as net/http's: no reads after the handler returned
		// As in net/http: on a connection that stays open, the rest of the
		// body is drained before the answer, since the next request starts
		// after it, and one that cannot be drained closes the connection
		// after the answer (with Connection: close, unless the handler
		// itself saw it cut short). A closing connection answers at once.
		if cut = body.cut; body.n > 0 && !cut && !closing {
			if _, err := fc.br.Discard(int(body.n)); err != nil {
				closing = true
			}
		}
	}
	wire, rest := fc.w.finish(fc.wire[:0], closing, time.Now())
	var err error
	if len(rest) == 0 {
		_, err = fc.c.Write(wire)
	} else {
		bufs := net.Buffers{wire, rest}
		_, err = bufs.WriteTo(fc.c)
	}
	fc.wire = wire
	if cap(fc.wire) > fastKeepBuffer {
		fc.wire = nil
	}
	if cap(fc.w.out) > fastKeepBuffer {
		fc.w.out = nil
	}
	switch {
	case err != nil || cut:
		return fateClose, false
	case closing:
		if fc.br.Buffered() > 0 || (body != nil && body.n > 0) {
			return fateLinger, false
		}
		return fateClose, false
	}
	return 0, true
}

// closeQuietly is readHead's reason to close without an answer, as
// net/http does: the head did not arrive in time, or the connection ended
// before a request started (for a keep-alive request, before 4 bytes).
const closeQuietly = "close"

// readHead returns the buffered request head, reading more while it is
// incomplete, or a hand-off reason. again says an earlier request was
// served, so the header timeout starts now.
func (fc *fastConn) readHead(again bool) ([]byte, string) {
	scanned, timed := 0, !again
	for {
		buf, _ := fc.br.Peek(fc.br.Buffered())
		end, next := scanHead(buf, scanned)
		switch {
		case end > 0:
			return buf[:end], ""
		case end == bareLF:
			return nil, handoffHeader // net/http accepts bare LF line ends; the lane does not
		case len(buf) == fc.br.Size():
			return nil, handoffHeadSize
		}
		scanned = next
		if !timed {
			fc.setDeadline(time.Now().Add(fc.lane.s.cfg.readHeaderTimeout))
			timed = true
		}
		if _, err := fc.br.Peek(len(buf) + 1); err != nil {
			var ne net.Error
			switch {
			case errors.As(err, &ne) && ne.Timeout():
				return nil, closeQuietly
			case fc.br.Buffered() == 0:
				return nil, closeQuietly
			}
			return nil, handoffIncomplete // net/http answers a cut-off head as it always does
		}
	}
}

func (fc *fastConn) setDeadline(t time.Time) {
	fc.until = t
	_ = fc.c.SetReadDeadline(t)
}

// handOff passes the connection, unread bytes included, to net/http,
// which starts its header timeout afresh.
func (fc *fastConn) handOff(reason string) fate {
	if !fc.state.CompareAndSwap(connIdle, connClosed) {
		return fateClose
	}
	_ = fc.c.SetReadDeadline(time.Time{}) // net/http keeps its own
	if !fc.lane.handoff.give(&replayConn{Conn: fc.c, br: fc.br}) {
		return fateClose
	}
	fc.lane.s.m.handoffs.WithLabelValues(fc.lane.s.name, reason).Inc()
	return fateHandedOff
}

// leadingCRLF counts the CR and LF bytes at the start of b.
func leadingCRLF(b []byte) int {
	n := 0
	for n < len(b) && (b[n] == '\r' || b[n] == '\n') {
		n++
	}
	return n
}

// fastBody is a request body read straight from the connection's buffer,
// ending at its Content-Length.
type fastBody struct {
	r      *bufio.Reader
	n      int64 // bytes left
	cut    bool  // the connection ended inside the body
	closed bool  // the handler returned
}

func (b *fastBody) Read(p []byte) (int, error) {
	switch {
	case b.closed:
		return 0, http.ErrBodyReadAfterClose
	case b.n <= 0 || b.cut:
		return 0, io.EOF // after a cut, as net/http's body: the error was reported once
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := b.r.Read(p)
	b.n -= int64(n)
	switch {
	case b.n == 0:
		return n, io.EOF
	case err == io.EOF:
		b.cut = true
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

// Close leaves the rest for the lane to drain.
func (b *fastBody) Close() error { return nil }
