package loadgen

import (
	"bytes"
	"fmt"
)

// maxHead bounds a response's status line and headers; a server that sends
// more is not a REST proxy.
const maxHead = 64 << 10

// maxAnswer bounds a whole answer kept in memory.
const maxAnswer = 64 << 20

// response is one parsed HTTP/1.1 answer.
type response struct {
	status    int
	body      []byte // aliases the input, or the chunk scratch for chunked bodies
	closeConn bool
}

// parseResponse parses the answer at the start of in without blocking and
// without allocating (chunked bodies reuse *scratch). n is how many bytes
// of in it took; n == 0 with a nil error means in holds only part of the
// answer: read more and call again with all of it. eof says no more bytes
// will come. Interim 1xx answers are skipped. Lines must end in CRLF.
func parseResponse(in []byte, eof bool, scratch *[]byte) (resp response, n int, err error) {
	for {
		i := bytes.Index(in[n:], crlf2)
		if i < 0 {
			switch {
			case len(in)-n > maxHead:
				return response{}, 0, fmt.Errorf("%w: header longer than %d bytes", ErrResponse, maxHead)
			case eof && len(in) > 0:
				return response{}, 0, fmt.Errorf("%w: connection closed in the header", ErrResponse)
			case eof:
				return response{}, 0, fmt.Errorf("%w: connection closed without an answer", ErrResponse)
			}
			return response{}, 0, nil
		}
		head := in[n : n+i+2]
		bodyAt := n + i + 4
		line, rest, _ := bytes.Cut(head, crlf)
		if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' || (len(line) > 12 && line[12] != ' ') {
			return response{}, 0, fmt.Errorf("%w: status line %q", ErrResponse, line)
		}
		status := 0
		for _, c := range line[9:12] {
			if c < '0' || c > '9' {
				return response{}, 0, fmt.Errorf("%w: status line %q", ErrResponse, line)
			}
			status = status*10 + int(c-'0')
		}
		if status < 100 {
			return response{}, 0, fmt.Errorf("%w: status line %q", ErrResponse, line)
		}
		if status < 200 {
			n = bodyAt // an interim answer: the final one follows
			continue
		}
		resp.status = status
		resp.closeConn = line[7] == '0'
		length, chunked := -1, false
		for len(rest) > 0 {
			var h []byte
			h, rest, _ = bytes.Cut(rest, crlf)
			name, value, found := bytes.Cut(h, []byte(":"))
			if !found {
				return response{}, 0, fmt.Errorf("%w: header line %q", ErrResponse, h)
			}
			value = bytes.TrimSpace(value)
			switch {
			case bytes.EqualFold(name, []byte("Content-Length")):
				if length, err = parseLength(value); err != nil {
					return response{}, 0, err
				}
			case bytes.EqualFold(name, []byte("Transfer-Encoding")):
				if !bytes.EqualFold(value, []byte("chunked")) {
					return response{}, 0, fmt.Errorf("%w: transfer encoding %q", ErrResponse, value)
				}
				chunked = true
			case bytes.EqualFold(name, []byte("Connection")):
				resp.closeConn = bytes.EqualFold(value, []byte("close")) ||
					(resp.closeConn && !bytes.EqualFold(value, []byte("keep-alive")))
			}
		}
		switch {
		case status == 204 || status == 304:
			return resp, bodyAt, nil
		case chunked:
			return parseChunked(in, bodyAt, eof, scratch, resp)
		case length >= 0:
			if len(in)-bodyAt < length {
				if eof {
					return response{}, 0, fmt.Errorf("%w: connection closed in the body", ErrResponse)
				}
				return response{}, 0, nil
			}
			resp.body = in[bodyAt : bodyAt+length]
			return resp, bodyAt + length, nil
		}
		// No length: the body runs to the end of the connection.
		if !eof {
			return response{}, 0, nil
		}
		resp.body, resp.closeConn = in[bodyAt:], true
		return resp, len(in), nil
	}
}

var (
	crlf  = []byte("\r\n")
	crlf2 = []byte("\r\n\r\n")
)

func parseLength(v []byte) (int, error) {
	if len(v) == 0 || len(v) > 12 {
		return 0, fmt.Errorf("%w: content length %q", ErrResponse, v)
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: content length %q", ErrResponse, v)
		}
		n = n*10 + int(c-'0')
	}
	return n, nil
}

// parseChunked decodes a chunked body starting at in[at:] into *scratch
// once all of it (and the trailer) is there.
func parseChunked(in []byte, at int, eof bool, scratch *[]byte, resp response) (response, int, error) {
	body := (*scratch)[:0]
	more := func() (response, int, error) {
		if eof {
			return response{}, 0, fmt.Errorf("%w: connection closed in a chunked body", ErrResponse)
		}
		return response{}, 0, nil
	}
	for {
		i := bytes.Index(in[at:], crlf)
		if i < 0 {
			return more()
		}
		sizeLine := in[at : at+i]
		if j := bytes.IndexByte(sizeLine, ';'); j >= 0 {
			sizeLine = sizeLine[:j] // chunk extensions mean nothing here
		}
		sizeLine = bytes.TrimSpace(sizeLine)
		if len(sizeLine) == 0 || len(sizeLine) > 8 {
			return response{}, 0, fmt.Errorf("%w: chunk size %q", ErrResponse, sizeLine)
		}
		size := 0
		for _, c := range sizeLine {
			switch {
			case c >= '0' && c <= '9':
				size = size<<4 | int(c-'0')
			case c|0x20 >= 'a' && c|0x20 <= 'f':
				size = size<<4 | int(c|0x20-'a'+10)
			default:
				return response{}, 0, fmt.Errorf("%w: chunk size %q", ErrResponse, sizeLine)
			}
		}
		at += i + 2
		if size == 0 {
			// Trailer fields, if any, end with an empty line.
			if len(in)-at >= 2 && in[at] == '\r' && in[at+1] == '\n' {
				at += 2
			} else if j := bytes.Index(in[at:], crlf2); j >= 0 {
				at += j + 4
			} else {
				return more()
			}
			*scratch = body
			resp.body = body
			return resp, at, nil
		}
		if len(in)-at < size+2 {
			return more()
		}
		if in[at+size] != '\r' || in[at+size+1] != '\n' {
			return response{}, 0, fmt.Errorf("%w: chunk of %d bytes not followed by CRLF", ErrResponse, size)
		}
		body = append(body, in[at:at+size]...)
		at += size + 2
	}
}
