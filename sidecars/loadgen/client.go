package loadgen

import (
	"bufio"
	"bytes"
	"context"
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
// hand and parses answers with net/http. On two cores the generator shares
// with the proxy, net/http's Transport (pool bookkeeping, two goroutines
// and channel hand-offs per connection and request) costs several times
// what the proxy spends on a single-event request; this keeps the
// generator's share small so the proxy gets the machine.
type rawConn struct {
	addr, host, path, apiKey string
	timeout                  time.Duration
	c                        net.Conn
	br                       *bufio.Reader
	bw                       *bufio.Writer
	resp                     bytes.Buffer
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
		r.c, r.br, r.bw = c, bufio.NewReaderSize(c, 32<<10), bufio.NewWriterSize(c, 64<<10)
	}
	status, err := r.roundTrip(contentType, body)
	if err != nil {
		r.close()
		return 0, nil, err
	}
	return status, r.resp.Bytes(), nil
}

func (r *rawConn) roundTrip(contentType string, body []byte) (int, error) {
	if err := r.c.SetDeadline(time.Now().Add(r.timeout)); err != nil {
		return 0, err
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
		return 0, err
	}
	r.resp.Reset()
	status, closeConn, ok, err := readPlainResponse(r.br, &r.resp)
	if err != nil {
		return 0, err
	}
	if !ok {
		// Chunked, 1xx or otherwise unusual: net/http reads it.
		resp, err := http.ReadResponse(r.br, nil)
		if err != nil {
			return 0, err
		}
		_, err = r.resp.ReadFrom(resp.Body)
		resp.Body.Close()
		if err != nil {
			return 0, err
		}
		status, closeConn = resp.StatusCode, resp.Close
	}
	if closeConn {
		r.close()
	}
	return status, nil
}

// readPlainResponse reads the common answer, a final status with a
// Content-Length body, into body without allocating; net/http's
// ReadResponse builds a Response and a header map per request, which was a
// quarter of the generator's CPU. ok is false, with nothing consumed, for
// anything else.
func readPlainResponse(br *bufio.Reader, body *bytes.Buffer) (status int, closeConn, ok bool, err error) {
	var head []byte
	for want := 1; ; {
		buf, err := br.Peek(want)
		if i := bytes.Index(buf, []byte("\r\n\r\n")); i >= 0 {
			head = buf[:i+4]
			break
		}
		if err == bufio.ErrBufferFull || len(buf) == br.Size() {
			return 0, false, false, nil // a header larger than the buffer
		}
		if err != nil {
			return 0, false, false, err
		}
		want = max(len(buf)+1, br.Buffered())
	}
	line, rest, _ := bytes.Cut(head, []byte("\r\n"))
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, false, false, nil
	}
	status, perr := strconv.Atoi(string(line[9:12]))
	if perr != nil || status < 200 {
		return 0, false, false, nil
	}
	closeConn = line[7] == '0'
	length := -1
	for len(rest) > 2 {
		var h []byte
		h, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		name, value, found := bytes.Cut(h, []byte(":"))
		if !found {
			return 0, false, false, nil
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, err := strconv.Atoi(string(value))
			if err != nil || n < 0 {
				return 0, false, false, nil
			}
			length = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return 0, false, false, nil
		case bytes.EqualFold(name, []byte("Connection")):
			closeConn = closeConn || bytes.EqualFold(value, []byte("close"))
		}
	}
	if length < 0 {
		return 0, false, false, nil
	}
	if _, err := br.Discard(len(head)); err != nil {
		return 0, false, false, err
	}
	if _, err := io.CopyN(body, br, int64(length)); err != nil {
		return 0, false, false, err
	}
	return status, closeConn, true, nil
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
