package serde

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	hamba "github.com/hamba/avro/v2"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/schema-registry/serde/serdetest"
)

func TestNewClientValidation(t *testing.T) {
	tests := []struct {
		name  string
		url   string
		opts  []ClientOption
		frags []string
	}{
		{"empty url", "", nil, []string{`url ""`, "scheme"}},
		{"no scheme", "localhost:8081", nil, []string{`"localhost:8081"`, "scheme must be http or https"}},
		{"ftp", "ftp://sr:8081", nil, []string{`"ftp://sr:8081"`, "scheme"}},
		{"no host", "http://", nil, []string{"host is missing"}},
		{"bad escape", "http://sr:8081/%zz", nil, []string{`"http://sr:8081/%zz"`, "invalid URL escape"}},
		{"query", "http://sr:8081?x=1", nil, []string{"query and fragment"}},
		{"several urls", "http://a:8081,http://b:8081", nil, []string{"comma-separated"}},
		{"user info in url", "http://u:hunter2@sr:8081", nil, []string{"WithBasicAuth"}},
		{"auth without colon", "http://sr", []ClientOption{WithBasicAuth("hunter2")}, []string{`"user:password"`}},
		{"auth empty user", "http://sr", []ClientOption{WithBasicAuth(":hunter2")}, []string{"both parts non-empty"}},
		{"auth empty password", "http://sr", []ClientOption{WithBasicAuth("svc:")}, []string{"both parts non-empty"}},
		{"zero timeout", "http://sr", []ClientOption{WithTimeout(0)}, []string{"timeout must be positive"}},
		{"negative ttl", "http://sr", []ClientOption{WithLatestTTL(-time.Second)}, []string{"latest ttl"}},
		{"zero in-flight", "http://sr", []ClientOption{WithMaxInFlight(0)}, []string{"max in-flight"}},
		{"nil logger", "http://sr", []ClientOption{WithLogger(nil)}, []string{"logger is nil"}},
		{"nil http client", "http://sr", []ClientOption{WithHTTPClient(nil)}, []string{"http client is nil"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.url, tt.opts...)
			if c != nil {
				t.Fatal("got a client alongside an error")
			}
			wantErr(t, err, ErrInvalidOption, tt.frags...)
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error %q leaks the secret", err)
			}
		})
	}
}

func TestNewClientTrimsSlashAndKeepsPath(t *testing.T) {
	c := newTestClient(t, "https://sr.example.com/prefix/", WithLogger(zap.NewNop()), WithLatestTTL(0))
	if c.URL() != "https://sr.example.com/prefix" {
		t.Fatalf("URL() = %q", c.URL())
	}
}

func TestSchemaByIDCachesForever(t *testing.T) {
	fake, c := newFake(t)
	id := fake.Register(t, "orders-value", orderV1)
	ctx := testCtx(t)
	for range 3 {
		s, text, err := c.SchemaByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if text != orderV1 || schemaName(s) != "io.retailpulse.test.Order" {
			t.Fatalf("got %s / %q", schemaName(s), text)
		}
	}
	if n := fake.Count(serdetest.RouteSchemaByID); n != 1 {
		t.Fatalf("3 lookups of one id made %d HTTP calls, want 1", n)
	}
}

func TestSchemaByIDConcurrentMissesCollapse(t *testing.T) {
	// The latency keeps the first request open while the others arrive, so
	// they must wait on it instead of finding a filled cache.
	fake, c := newFake(t, serdetest.WithLatency(100*time.Millisecond))
	id := fake.Register(t, "orders-value", orderV1)
	ctx := testCtx(t)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			if _, _, err := c.SchemaByID(ctx, id); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := fake.Count(serdetest.RouteSchemaByID); n != 1 {
		t.Fatalf("50 concurrent misses made %d HTTP calls, want 1", n)
	}
}

func TestSchemaByIDUnknownAndInvalid(t *testing.T) {
	_, c := newFake(t)
	_, _, err := c.SchemaByID(testCtx(t), 4242)
	wantErr(t, err, ErrSchemaNotFound, "schema id 4242", "HTTP 404", "error_code 40403", "Schema 4242 not found")
	var re *RegistryError
	if !errors.As(err, &re) || re.StatusCode != 404 || re.Code != 40403 {
		t.Fatalf("want *RegistryError 404/40403, got %#v", err)
	}
	_, _, err = c.SchemaByID(testCtx(t), 0)
	wantErr(t, err, ErrInvalidSchemaID, "schema id 0")
}

func TestBasicAuth(t *testing.T) {
	fake := serdetest.NewServer(t, serdetest.WithBasicAuth("svc", "s3:cret"))
	id := fake.Register(t, "orders-value", orderV1)
	ctx := testCtx(t)

	good := newTestClient(t, fake.URL(), WithBasicAuth("svc:s3:cret"))
	if _, _, err := good.SchemaByID(ctx, id); err != nil {
		t.Fatalf("with the right credentials: %v", err)
	}
	for name, opts := range map[string][]ClientOption{
		"no credentials":    nil,
		"wrong credentials": {WithBasicAuth("svc:nope")},
	} {
		c := newTestClient(t, fake.URL(), opts...)
		_, _, err := c.SchemaByID(ctx, id)
		wantErr(t, err, ErrUnauthorized, "HTTP 401", "Unauthorized", "schema id")
		if _, err := c.Register(ctx, "orders-value", orderV2); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("%s: Register error %v, want ErrUnauthorized", name, err)
		}
	}
}

func TestRegisterCachesPerSubjectAndSchema(t *testing.T) {
	fake, c := newFake(t)
	ctx := testCtx(t)
	id, err := c.Register(ctx, "orders-value", orderV1)
	if err != nil {
		t.Fatal(err)
	}
	// Same schema, different whitespace: same cache entry.
	squeezed := strings.Join(strings.Fields(orderV1), " ")
	if id2, err := c.Register(ctx, "orders-value", squeezed); err != nil || id2 != id {
		t.Fatalf("re-register = %d, %v; want %d", id2, err, id)
	}
	if n := fake.Count(serdetest.RouteRegister); n != 1 {
		t.Fatalf("registering one schema twice made %d POSTs, want 1", n)
	}
	// The registration seeded the id cache.
	if _, _, err := c.SchemaByID(ctx, id); err != nil {
		t.Fatal(err)
	}
	calls := fake.Count(serdetest.RouteSchemaByID)
	if _, _, err := c.SchemaByID(ctx, id); err != nil || fake.Count(serdetest.RouteSchemaByID) != calls {
		t.Fatalf("SchemaByID after Register went to the registry (err %v)", err)
	}
	// Another subject is another registration, but ids are global.
	if other, err := c.Register(ctx, "orders-archive-value", orderV1); err != nil || other != id {
		t.Fatalf("register under second subject = %d, %v; want %d", other, err, id)
	}
	if n := fake.Count(serdetest.RouteRegister); n != 2 {
		t.Fatalf("got %d POSTs after a second subject, want 2", n)
	}
}

func TestRegisterRejectsBadInputWithoutCalling(t *testing.T) {
	fake, c := newFake(t)
	ctx := testCtx(t)
	_, err := c.Register(ctx, "orders-value", `{"type":"record","name":"X","fields":[{"name":"a","type":"nosuch"}]}`)
	wantErr(t, err, ErrInvalidSchema, `subject "orders-value"`, "nosuch")
	_, err = c.Register(ctx, "orders-value", `{"type":`)
	wantErr(t, err, ErrInvalidSchema, "not JSON")
	_, err = c.Register(ctx, "", orderV1)
	wantErr(t, err, ErrEmptySubject)
	if fake.Total() != 0 {
		t.Fatalf("bad input reached the registry %d times", fake.Total())
	}
}

func TestLookup(t *testing.T) {
	fake, c := newFake(t)
	ctx := testCtx(t)
	_, err := c.Lookup(ctx, "orders-value", orderV1)
	wantErr(t, err, ErrSubjectNotFound, `subject "orders-value"`, "40401")
	id := fake.Register(t, "orders-value", orderV1)
	_, err = c.Lookup(ctx, "orders-value", orderV2)
	wantErr(t, err, ErrSchemaNotFound, "40403")
	got, err := c.Lookup(ctx, "orders-value", orderV1)
	if err != nil || got != id {
		t.Fatalf("Lookup = %d, %v; want %d", got, err, id)
	}
	if n := fake.Count(serdetest.RouteRegister); n != 0 {
		t.Fatalf("Lookup registered %d times", n)
	}
	before := fake.Count(serdetest.RouteLookup)
	if _, err := c.Lookup(ctx, "orders-value", orderV1); err != nil || fake.Count(serdetest.RouteLookup) != before {
		t.Fatalf("second Lookup was not cached (err %v)", err)
	}
}

func TestLatestTTL(t *testing.T) {
	fake := serdetest.NewServer(t)
	c := newTestClient(t, fake.URL(), WithLatestTTL(time.Minute))
	now := time.Unix(1_700_000_000, 0)
	c.now = func() time.Time { return now }
	ctx := testCtx(t)

	v1 := fake.Register(t, "orders-value", orderV1)
	if id, _, err := c.Latest(ctx, "orders-value"); err != nil || id != v1 {
		t.Fatalf("Latest = %d, %v; want %d", id, err, v1)
	}
	v2 := fake.Register(t, "orders-value", orderV2)
	now = now.Add(59 * time.Second)
	if id, _, err := c.Latest(ctx, "orders-value"); err != nil || id != v1 {
		t.Fatalf("within TTL Latest = %d, %v; want cached %d", id, err, v1)
	}
	if n := fake.Count(serdetest.RouteVersion); n != 1 {
		t.Fatalf("%d calls within the TTL, want 1", n)
	}
	now = now.Add(2 * time.Second)
	id, s, err := c.Latest(ctx, "orders-value")
	if err != nil || id != v2 {
		t.Fatalf("after TTL Latest = %d, %v; want %d", id, err, v2)
	}
	if rec, ok := s.(*hamba.RecordSchema); !ok || len(rec.Fields()) != 4 {
		t.Fatal("latest schema is not v2")
	}

	_, _, err = c.Latest(ctx, "nosuch-value")
	wantErr(t, err, ErrSubjectNotFound, `"nosuch-value"`)
}

func TestLatestTTLZeroDisablesCache(t *testing.T) {
	fake := serdetest.NewServer(t)
	c := newTestClient(t, fake.URL(), WithLatestTTL(0))
	fake.Register(t, "orders-value", orderV1)
	for range 3 {
		if _, _, err := c.Latest(testCtx(t), "orders-value"); err != nil {
			t.Fatal(err)
		}
	}
	if n := fake.Count(serdetest.RouteVersion); n != 3 {
		t.Fatalf("with TTL 0, 3 calls made %d requests, want 3", n)
	}
}

func TestContextAndTimeout(t *testing.T) {
	fake := serdetest.NewServer(t, serdetest.WithLatency(300*time.Millisecond))
	id := fake.Register(t, "orders-value", orderV1)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := newTestClient(t, fake.URL())
	start := time.Now()
	_, _, err := c.SchemaByID(ctx, id)
	wantErr(t, err, context.Canceled, "schema id")
	if time.Since(start) > 200*time.Millisecond {
		t.Fatal("a cancelled context did not return promptly")
	}

	slow := newTestClient(t, fake.URL(), WithTimeout(50*time.Millisecond))
	_, _, err = slow.SchemaByID(context.Background(), id)
	wantErr(t, err, ErrRegistryUnavailable, "schema id")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("timeout error %v does not wrap context.DeadlineExceeded", err)
	}
}

func TestHTTPClientTransportUsedAndNotMutated(t *testing.T) {
	fake := serdetest.NewServer(t)
	id := fake.Register(t, "orders-value", orderV1)
	var seen []string
	var mu sync.Mutex
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Accept"))
		mu.Unlock()
		return http.DefaultTransport.RoundTrip(r)
	}), Timeout: time.Hour}
	c := newTestClient(t, fake.URL(), WithHTTPClient(hc), WithTimeout(time.Second))
	if _, _, err := c.SchemaByID(testCtx(t), id); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || !strings.HasPrefix(seen[0], "application/vnd.schemaregistry.v1+json") {
		t.Fatalf("custom transport saw %q", seen)
	}
	if hc.Timeout != time.Hour {
		t.Fatalf("caller's http.Client was modified: timeout %s", hc.Timeout)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
