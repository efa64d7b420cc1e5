package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// poster sends one POST and returns the status and body.
type poster interface {
	post(ctx context.Context, contentType string, body []byte) (int, []byte, error)
	close()
}

// rawConn is one keep-alive HTTP/1.1 connection that writes requests by
// hand and parses answers with parseResponse, for systems without the event
// loop. On two cores the generator shares with the proxy, net/http's
// Transport (pool bookkeeping, two goroutines and channel hand-offs per
// connection and request) costs several times what the proxy spends on a
// single-event request; this keeps the generator's share small so the
// proxy gets the machine.
type rawConn struct {
	addr, host, path, apiKey string
	timeout                  time.Duration
	c                        net.Conn
	bw                       *bufio.Writer
	in, scratch              []byte
}

func newPoster(target, apiKey string, timeout time.Duration, client *http.Client) (poster, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("%w: target %q: %w", ErrInvalidOptions, target, err)
	}
	if u.Scheme != "http" {
		return &stdPoster{client: client, url: target, apiKey: apiKey}, nil
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	return &rawConn{addr: addr, host: u.Host, path: u.RequestURI(), apiKey: apiKey, timeout: timeout}, nil
}

func (r *rawConn) post(ctx context.Context, contentType string, body []byte) (int, []byte, error) {
	if r.c == nil {
		d := net.Dialer{Timeout: r.timeout}
		c, err := d.DialContext(ctx, "tcp", r.addr)
		if err != nil {
			return 0, nil, err
		}
		r.c, r.bw, r.in = c, bufio.NewWriterSize(c, 64<<10), make([]byte, 0, 4<<10)
	}
	resp, err := r.roundTrip(contentType, body)
	if err != nil {
		r.close()
		return 0, nil, err
	}
	if resp.closeConn {
		r.close()
	}
	return resp.status, resp.body, nil
}

func (r *rawConn) roundTrip(contentType string, body []byte) (response, error) {
	if err := r.c.SetDeadline(time.Now().Add(r.timeout)); err != nil {
		return response{}, err
	}
	w := r.bw
	w.WriteString("POST ")
	w.WriteString(r.path)
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(r.host)
	w.WriteString("\r\nUser-Agent: retailpulse-loadgen\r\nContent-Type: ")
	w.WriteString(contentType)
	w.WriteString("\r\nContent-Length: ")
	w.WriteString(strconv.Itoa(len(body)))
	if r.apiKey != "" {
		w.WriteString("\r\nX-API-Key: ")
		w.WriteString(r.apiKey)
	}
	w.WriteString("\r\n\r\n")
	w.Write(body)
	if err := w.Flush(); err != nil {
		return response{}, err
	}
	r.in = r.in[:0]
	for {
		if len(r.in) == cap(r.in) {
			if cap(r.in) >= maxAnswer {
				return response{}, fmt.Errorf("%w: answer longer than %d bytes", ErrResponse, maxAnswer)
			}
			r.in = append(r.in, make([]byte, cap(r.in))...)[:len(r.in)]
		}
		m, err := r.c.Read(r.in[len(r.in):cap(r.in)])
		r.in = r.in[:len(r.in)+m]
		eof := errors.Is(err, io.EOF)
		if err != nil && !eof {
			return response{}, err
		}
		resp, used, perr := parseResponse(r.in, eof, &r.scratch)
		switch {
		case perr != nil:
			return response{}, perr
		case used > 0:
			// Bytes past the answer leave the connection in no state to
			// reuse.
			resp.closeConn = resp.closeConn || used < len(r.in)
			return resp, nil
		}
	}
}

func (r *rawConn) close() {
	if r.c != nil {
		_ = r.c.Close()
		r.c = nil
	}
}

// stdPoster uses net/http, for https targets.
type stdPoster struct {
	client      *http.Client
	url, apiKey string
}

func (s *stdPoster) post(ctx context.Context, contentType string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", contentType)
	if s.apiKey != "" {
		req.Header.Set("X-API-Key", s.apiKey)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (s *stdPoster) close() {}
