package httpx

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func startServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	s, err := New("test", append([]Option{WithAddr("127.0.0.1:0")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	s.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			WriteError(w, http.StatusRequestEntityTooLarge, 413, err.Error())
			return
		}
		WriteJSON(w, http.StatusOK, "", map[string]string{"body": string(b), "who": Principal(r.Context())})
	})
	s.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	return s
}

func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHealthFollowsReadiness(t *testing.T) {
	ready := false
	s := startServer(t, WithReady(func() error {
		if !ready {
			return context.DeadlineExceeded
		}
		return nil
	}))
	req, _ := http.NewRequest("GET", s.URL()+"/health", nil)
	if code, body := do(t, req); code != 503 || !strings.Contains(body, "DOWN") {
		t.Fatalf("not ready: got %d %s", code, body)
	}
	ready = true
	if code, _ := do(t, req); code != 200 {
		t.Fatalf("ready: got %d", code)
	}
}

func TestBodyLimitAnswers413(t *testing.T) {
	s := startServer(t, WithBodyLimit(10))
	req, _ := http.NewRequest("POST", s.URL()+"/echo", strings.NewReader(strings.Repeat("x", 11)))
	if code, body := do(t, req); code != 413 || !strings.Contains(body, `"error_code":413`) {
		t.Fatalf("got %d %s", code, body)
	}
	// Chunked bodies carry no Content-Length; MaxBytesReader must still stop them.
	req, _ = http.NewRequest("POST", s.URL()+"/echo", io.NopCloser(strings.NewReader(strings.Repeat("x", 11))))
	req.ContentLength = -1
	if code, _ := do(t, req); code != 413 {
		t.Fatalf("chunked: got %d", code)
	}
}

func TestPanicBecomes500AndIsCounted(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := startServer(t, WithRegistry(reg))
	req, _ := http.NewRequest("GET", s.URL()+"/panic", nil)
	if code, body := do(t, req); code != 500 || !strings.Contains(body, `"error_code":500`) {
		t.Fatalf("got %d %s", code, body)
	}
	req, _ = http.NewRequest("GET", s.URL()+"/metrics", nil)
	_, body := do(t, req)
	if !strings.Contains(body, `retailpulse_http_requests_total{code="500",route="GET /panic",server="test"} 1`) {
		t.Fatalf("metrics lack the panic request:\n%s", body)
	}
}

func TestAuthBasicAndAPIKeys(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := startServer(t, WithRegistry(reg), WithBasicAuth(map[string]string{"alice": "s3cret"}),
		WithAPIKeys("", map[string]string{"key-0123456789": "shop-eu"}))
	post := func(mod func(*http.Request)) (int, string) {
		req, _ := http.NewRequest("POST", s.URL()+"/echo", strings.NewReader("hi"))
		mod(req)
		return do(t, req)
	}
	if code, _ := post(func(*http.Request) {}); code != 401 {
		t.Fatalf("anonymous: got %d", code)
	}
	if code, _ := post(func(r *http.Request) { r.SetBasicAuth("alice", "wrong") }); code != 401 {
		t.Fatalf("bad password: got %d", code)
	}
	code, body := post(func(r *http.Request) { r.SetBasicAuth("alice", "s3cret") })
	var got map[string]string
	_ = json.Unmarshal([]byte(body), &got)
	if code != 200 || got["who"] != "alice" {
		t.Fatalf("basic: got %d %s", code, body)
	}
	code, body = post(func(r *http.Request) { r.Header.Set("X-API-Key", "key-0123456789") })
	_ = json.Unmarshal([]byte(body), &got)
	if code != 200 || got["who"] != "shop-eu" {
		t.Fatalf("api key: got %d %s", code, body)
	}
	if code, _ := post(func(r *http.Request) { r.Header.Set("Authorization", "Bearer key-0123456789") }); code != 200 {
		t.Fatalf("bearer: got %d", code)
	}
	// Health and metrics stay open so probes and scrapers need no secrets.
	req, _ := http.NewRequest("GET", s.URL()+"/health", nil)
	if code, _ := do(t, req); code != 200 {
		t.Fatalf("health behind auth: got %d", code)
	}
	req, _ = http.NewRequest("GET", s.URL()+"/metrics", nil)
	_, body = do(t, req)
	if !strings.Contains(body, `route="POST /echo"`) {
		t.Fatalf("authenticated route not labelled by pattern:\n%s", body)
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := New("x"); err == nil {
		t.Fatal("want error without address")
	}
	if _, err := New("x", WithAddr(":0"), WithAPIKeys("", map[string]string{"short": "a"})); err == nil {
		t.Fatal("want error for short api key")
	}
	if _, err := New("x", WithAddr(":0"), WithBodyLimit(0)); err == nil {
		t.Fatal("want error for zero body limit")
	}
}

func TestHealthBodyIsConfigurable(t *testing.T) {
	s := startServer(t, WithHealthBody(func(err error) any { return map[string]bool{"ok": err == nil} }))
	req, _ := http.NewRequest("GET", s.URL()+"/health", nil)
	if code, body := do(t, req); code != 200 || !strings.Contains(body, `{"ok":true}`) {
		t.Fatalf("got %d %s", code, body)
	}
}
