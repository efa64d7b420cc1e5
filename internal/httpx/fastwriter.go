package httpx

import (
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// fastWriter is the fast lane's http.ResponseWriter, following net/http's
// rules for what goes on the wire: the header is fixed when the status is
// written (explicitly or by the first Write); invalid header names are
// dropped and values cleaned; Content-Type is sniffed when the handler set
// none and no Content-Encoding; 204 and 304 carry no body. The lane frames
// the body itself (Content-Length; handler-set Content-Length and
// Transfer-Encoding are ignored) and writes the whole answer once the
// handler returns. It implements neither http.Flusher nor http.Hijacker,
// and 1xx answers are not sent: routes that stream or take over the
// connection do not belong in the lane.
type fastWriter struct {
	header http.Header
	status int
	out    []byte // status line and header, then the body from bodyAt
	bodyAt int
	head   bool // the status line and header are in out
	// Fixed with the header, as net/http fixes them.
	sniff     bool     // no Content-Type and no Content-Encoding
	date      bool     // the handler set Date
	conn      []string // the handler's Connection values
	connClose bool     // ... which ask to close the connection
}

func (w *fastWriter) reset() {
	clear(w.header)
	w.status, w.out, w.bodyAt, w.head = 0, w.out[:0], 0, false
	w.sniff, w.date, w.conn, w.connClose = false, false, nil, false
}

func (w *fastWriter) Header() http.Header { return w.header }

func (w *fastWriter) WriteHeader(code int) {
	if w.head {
		return // net/http logs "superfluous WriteHeader"; the first one stands
	}
	if code < 100 || code > 999 {
		panic("invalid WriteHeader code " + strconv.Itoa(code)) // as net/http does
	}
	if code < 200 {
		return // informational answers are not sent; the final one follows
	}
	w.status, w.head = code, true
	w.out = append(w.out, "HTTP/1.1 "...)
	if text := http.StatusText(code); text != "" {
		w.out = strconv.AppendInt(w.out, int64(code), 10)
		w.out = append(w.out, ' ')
		w.out = append(w.out, text...)
	} else {
		w.out = append(w.out, strconv.Itoa(code)+" status code "+strconv.Itoa(code)...)
	}
	w.out = append(w.out, "\r\n"...)
	_, typed := w.header["Content-Type"]
	_, w.date = w.header["Date"]
	w.sniff = !typed && w.header.Get("Content-Encoding") == ""
	// Sorted, as net/http writes them.
	var buf [16]string
	keys := buf[:0]
	for k := range w.header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch {
		case !validName(k), k == "Content-Length", k == "Transfer-Encoding":
			continue // invalid (net/http drops it) or framing, which is the lane's
		case k == "Content-Type" && code == http.StatusNotModified:
			continue
		case k == "Connection":
			w.conn = slices.Clone(w.header[k])
			w.connClose = hasToken(w.conn, "close")
			continue // written by finish, which may replace it
		}
		for _, v := range w.header[k] {
			w.out = appendHeaderLine(w.out, k, textproto.TrimString(headerValueReplacer.Replace(v)))
		}
	}
	w.bodyAt = len(w.out)
}

// headerValueReplacer is net/http's: line breaks in a header value become
// spaces so a value cannot start a new header.
var headerValueReplacer = strings.NewReplacer("\n", " ", "\r", " ")

func (w *fastWriter) Write(p []byte) (int, error) {
	if err := w.startBody(); err != nil {
		return 0, err
	}
	w.out = append(w.out, p...)
	return len(p), nil
}

// WriteString spares io.WriteString a conversion.
func (w *fastWriter) WriteString(s string) (int, error) {
	if err := w.startBody(); err != nil {
		return 0, err
	}
	w.out = append(w.out, s...)
	return len(s), nil
}

// startBody writes the header if the handler has not, and says whether the
// status allows a body.
func (w *fastWriter) startBody() error {
	if !w.head {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return http.ErrBodyNotAllowed
	}
	return nil
}

// inlineBody is the largest body finish copies behind the head; a larger
// one is written from where it is, in the same system call (writev).
const inlineBody = 4 << 10

// finish completes the answer after the handler returned: its status line
// and header, the headers net/http adds (a sniffed Content-Type,
// Connection, Date, Content-Length), the blank line and the body. The
// answer is head followed by rest. closing says the connection ends after
// it.
func (w *fastWriter) finish(dst []byte, closing bool, now time.Time) (head, rest []byte) {
	if !w.head {
		w.WriteHeader(http.StatusOK)
	}
	body := w.out[w.bodyAt:]
	dst = append(dst, w.out[:w.bodyAt]...)
	if w.sniff && len(body) > 0 && bodyAllowed(w.status) {
		dst = appendHeaderLine(dst, "Content-Type", http.DetectContentType(body))
	}
	// As net/http: a connection closing for the server's own reasons says
	// so in place of the handler's Connection header, unless that already
	// says close.
	if closing && !w.connClose {
		dst = appendHeaderLine(dst, "Connection", "close")
	} else {
		for _, v := range w.conn {
			dst = appendHeaderLine(dst, "Connection", textproto.TrimString(headerValueReplacer.Replace(v)))
		}
	}
	if !w.date {
		dst = append(dst, dateOf(now)...)
	}
	if bodyAllowed(w.status) {
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(body)), 10)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "\r\n"...)
	if len(body) > inlineBody {
		return dst, body
	}
	return append(dst, body...), nil
}

func appendHeaderLine(dst []byte, k, v string) []byte {
	dst = append(dst, k...)
	dst = append(dst, ": "...)
	dst = append(dst, v...)
	return append(dst, "\r\n"...)
}

// hasToken reports whether a comma-separated header value list holds
// token, case-insensitively.
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(textproto.TrimString(part), token) {
				return true
			}
		}
	}
	return false
}

// bodyAllowed is net/http's rule: no body for 1xx, 204 and 304.
func bodyAllowed(status int) bool {
	switch {
	case status >= 100 && status <= 199, status == http.StatusNoContent, status == http.StatusNotModified:
		return false
	}
	return true
}

// dateLine caches the formatted Date header for one second.
type dateLine struct {
	sec  int64
	line []byte
}

var lastDate atomic.Pointer[dateLine]

// dateOf returns "Date: <IMF-fixdate>\r\n" for now, formatting it at most
// once a second across the process.
func dateOf(now time.Time) []byte {
	sec := now.Unix()
	if d := lastDate.Load(); d != nil && d.sec == sec {
		return d.line
	}
	line := append([]byte("Date: "), now.UTC().AppendFormat(nil, http.TimeFormat)...)
	line = append(line, "\r\n"...)
	lastDate.Store(&dateLine{sec: sec, line: line})
	return line
}
