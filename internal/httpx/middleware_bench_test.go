package httpx

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) WriteHeader(int)             {}
func (w *nopWriter) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkChain is the middleware's own cost per request: metrics,
// recovery, body limit and route capture around a handler that does
// nothing.
func BenchmarkChain(b *testing.B) {
	s, err := New("bench", WithAddr("127.0.0.1:0"))
	if err != nil {
		b.Fatal(err)
	}
	s.HandleFunc("POST /topics/{topic}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	h := s.chain(s.mux)
	u, _ := url.Parse("http://x/topics/t")
	w := &nopWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		r := &http.Request{Method: http.MethodPost, URL: u, Header: http.Header{}, Body: http.NoBody, ContentLength: 0,
			RequestURI: "/topics/t", Host: "x"}
		h.ServeHTTP(w, r)
	}
}

func TestChainLabelsRoutes(t *testing.T) {
	s, err := New("test", WithAddr("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	s.HandleFunc("POST /topics/{topic}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) })
	h := s.chain(s.mux)
	for _, path := range []string{"/topics/a", "/topics/b", "/nowhere"} {
		u, _ := url.Parse("http://x" + path)
		h.ServeHTTP(&nopWriter{h: http.Header{}}, &http.Request{Method: http.MethodPost, URL: u, Header: http.Header{},
			Body: http.NoBody, RequestURI: path, Host: "x"})
	}
	mfs, err := s.cfg.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, mf := range mfs {
		if mf.GetName() != "retailpulse_http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			got = append(got, fmt.Sprintf("%s %v", strings.Join(labels, ","), m.GetCounter().GetValue()))
		}
	}
	want := []string{
		"code=202,route=POST /topics/{topic},server=test 2",
		"code=404,route=unmatched,server=test 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("series:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
