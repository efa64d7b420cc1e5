package httpx

import (
	"bytes"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
)

// fastHead is a request head the fast lane accepted. Its strings share one
// allocation, the head's own copy.
type fastHead struct {
	method, target, host string
	url                  *url.URL
	header               http.Header
	contentLength        int64
	close                bool // Connection: close
}

// Why the fast lane handed a connection to net/http: the reason label of
// http_fast_lane_handoffs_total.
const (
	handoffRequestLine = "request-line" // not "POST <origin-form target> HTTP/1.1"
	handoffHeader      = "header"       // a header outside the strict subset
	handoffFraming     = "framing"      // Content-Length, Transfer-Encoding, Expect, Upgrade, Connection
	handoffBodySize    = "body-size"    // a body larger than the lane buffers
	handoffHeadSize    = "head-size"    // a head larger than the connection's read buffer
	handoffRoute       = "route"        // not a fast-lane route
	handoffIncomplete  = "incomplete"   // the connection ended inside a head
)

// parseFastHead parses head (through its blank line). It returns "" when
// the fast lane may serve it, otherwise why not. It accepts a strict subset of HTTP/1.1
// (RFC 9112) and refuses anything else, which then reaches net/http
// unconsumed: net/http gives it the answer it always has (a 400 for
// malformed heads). A refusal is therefore never an error, and framing is
// never in doubt: a served request is a POST whose body is delimited by a
// single decimal Content-Length, with no Transfer-Encoding.
//
// Refused: other methods and versions; bare-LF line ends; obsolete line
// folding; control and non-ASCII bytes; absent, repeated or non-decimal
// Content-Length; a body over maxBody; Transfer-Encoding, Expect and
// Upgrade; a Connection other than keep-alive or close; an absent,
// repeated or unusual Host; a target net/url does not parse.
func parseFastHead(head []byte, maxBody int64) (fastHead, string) {
	var h fastHead
	s := string(head) // one copy; every string below is a slice of it
	line, rest, _ := strings.Cut(s, "\r\n")
	method, line, ok1 := strings.Cut(line, " ")
	target, proto, ok2 := strings.Cut(line, " ")
	if !ok1 || !ok2 || method != http.MethodPost || proto != "HTTP/1.1" || !validTarget(target) {
		return h, handoffRequestLine
	}
	h.method, h.target = http.MethodPost, target
	// One backing array for every single-valued header, as textproto does.
	values := make([]string, strings.Count(rest, "\r\n"))
	h.header = make(http.Header, len(values))
	var haveLength, haveHost bool
	for rest != "\r\n" {
		line, rest, _ = strings.Cut(rest, "\r\n")
		name, value, ok := strings.Cut(line, ":")
		if !ok || !validName(name) {
			return h, handoffHeader
		}
		value = strings.Trim(value, " \t")
		if !validValue(value) {
			return h, handoffHeader
		}
		key := textproto.CanonicalMIMEHeaderKey(name)
		switch key {
		case "Content-Length":
			n, ok := decimal(value)
			switch {
			case haveLength || !ok:
				return h, handoffFraming
			case n > maxBody:
				return h, handoffBodySize
			}
			haveLength, h.contentLength = true, n
		case "Host":
			if haveHost || !validHost(value) {
				return h, handoffHeader
			}
			haveHost, h.host = true, value
			continue // net/http moves Host to Request.Host
		case "Connection":
			switch {
			case strings.EqualFold(value, "close"):
				h.close = true
			case !strings.EqualFold(value, "keep-alive"):
				return h, handoffFraming
			}
		case "Transfer-Encoding", "Expect", "Upgrade":
			return h, handoffFraming
		}
		if vv := h.header[key]; vv != nil {
			h.header[key] = append(vv, value)
			continue
		}
		values[0] = value
		h.header[key] = values[:1:1]
		values = values[1:]
	}
	switch {
	case !haveLength:
		return h, handoffFraming
	case !haveHost:
		return h, handoffHeader
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return h, handoffRequestLine
	}
	h.url = u
	// As net/http: "Pragma: no-cache" implies "Cache-Control: no-cache".
	if p := h.header["Pragma"]; len(p) > 0 && p[0] == "no-cache" && h.header["Cache-Control"] == nil {
		h.header["Cache-Control"] = []string{"no-cache"}
	}
	return h, ""
}

// validTarget accepts an origin-form request target of visible ASCII.
func validTarget(t string) bool {
	if len(t) == 0 || t[0] != '/' {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] >= 0x7f {
			return false
		}
	}
	return true
}

// validName accepts an RFC 9110 token.
func validName(n string) bool { return alnumOr(n, "!#$%&'*+-.^_`|~") }

// validValue accepts visible ASCII, spaces and tabs.
func validValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}

// validHost accepts a host name or address with an optional port: letters,
// digits and ".-_:[]". Anything rarer is net/http's to judge.
func validHost(h string) bool { return alnumOr(h, ".-_:[]") }

// alnumOr reports whether s is non-empty and all ASCII letters, digits and
// bytes of extra.
func alnumOr(s, extra string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte(extra, c) >= 0:
		default:
			return false
		}
	}
	return true
}

// decimal parses a Content-Length: 1 to 18 digits, nothing else.
func decimal(v string) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(v[i]-'0')
	}
	return n, true
}

// bareLF is scanHead's answer for a line that ends in LF alone.
const bareLF = -2

// scanHead looks for the end of the request head at the start of buf,
// checking line ends from offset from on. It returns the head's length
// (through its blank line), bareLF, or -1 and the offset to resume from
// once more bytes arrive.
func scanHead(buf []byte, from int) (end, next int) {
	for i := from; ; {
		j := bytes.IndexByte(buf[i:], '\n')
		if j < 0 {
			return -1, len(buf)
		}
		k := i + j
		if k == 0 || buf[k-1] != '\r' {
			return bareLF, 0
		}
		if k >= 3 && buf[k-3] == '\r' && buf[k-2] == '\n' {
			return k + 1, 0
		}
		i = k + 1
	}
}
