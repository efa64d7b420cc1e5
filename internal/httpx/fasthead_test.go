package httpx

import (
	"reflect"
	"testing"
)

func TestParseFastHead(t *testing.T) {
	head := "POST /topics/user-events?x=1 HTTP/1.1\r\nhost: proxy:8082\r\ncontent-type: application/json\r\n" +
		"X-Tag: a\r\nx-tag:  b \r\nConnection: close\r\nContent-Length: 42\r\n\r\n"
	h, reason := parseFastHead([]byte(head), 64)
	if reason != "" {
		t.Fatalf("refused (%s)", reason)
	}
	want := map[string][]string{
		"Content-Type": {"application/json"}, "X-Tag": {"a", "b"}, "Connection": {"close"}, "Content-Length": {"42"},
	}
	if !reflect.DeepEqual(map[string][]string(h.header), want) {
		t.Errorf("header %v, want %v (canonical keys, Host moved out, values trimmed)", h.header, want)
	}
	if h.host != "proxy:8082" || h.contentLength != 42 || !h.close || h.url.Path != "/topics/user-events" ||
		h.url.RawQuery != "x=1" || h.target != "/topics/user-events?x=1" {
		t.Errorf("parsed %+v", h)
	}
	for _, tc := range []struct{ head, reason string }{
		{"GET / HTTP/1.1\r\nHost: h\r\n\r\n", handoffRequestLine},
		{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 65\r\n\r\n", handoffBodySize},
		{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n", handoffFraming},
		{"POST / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nContent-Length: 1\r\n\r\n", handoffFraming},
		{"POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\n", handoffHeader},
		{"POST / HTTP/1.1\r\nHost: h\r\nBad\x01Name: v\r\nContent-Length: 1\r\n\r\n", handoffHeader},
		{"POST /%zz HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n", handoffRequestLine},
	} {
		if _, reason := parseFastHead([]byte(tc.head), 64); reason != tc.reason {
			t.Errorf("%q: reason %q, want %q", tc.head, reason, tc.reason)
		}
	}
}
