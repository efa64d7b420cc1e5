package serde

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/schema-registry/serde/serdetest"
)

// orderV1 and orderV2 are two versions of one record: v2 adds a field with a
// default, which BACKWARD compatibility allows.
const orderV1 = `{
  "type": "record", "name": "Order", "namespace": "io.retailpulse.test",
  "fields": [
    {"name": "id", "type": "string"},
    {"name": "amount", "type": "double"},
    {"name": "items", "type": {"type": "array", "items": "string"}}
  ]
}`

const orderV2 = `{
  "type": "record", "name": "Order", "namespace": "io.retailpulse.test",
  "fields": [
    {"name": "id", "type": "string"},
    {"name": "amount", "type": "double"},
    {"name": "items", "type": {"type": "array", "items": "string"}},
    {"name": "currency", "type": "string", "default": "EUR"}
  ]
}`

// orderV3 drops amount and adds a field without default: no v1 data can be
// read with it.
const orderV3 = `{
  "type": "record", "name": "Order", "namespace": "io.retailpulse.test",
  "fields": [
    {"name": "id", "type": "string"},
    {"name": "channel", "type": "string"}
  ]
}`

type orderV1Rec struct {
	ID     string   `avro:"id"`
	Amount float64  `avro:"amount"`
	Items  []string `avro:"items"`
}

type orderV2Rec struct {
	ID       string   `avro:"id"`
	Amount   float64  `avro:"amount"`
	Items    []string `avro:"items"`
	Currency string   `avro:"currency"`
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newTestClient(t testing.TB, url string, opts ...ClientOption) *Client {
	t.Helper()
	c, err := NewClient(url, opts...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// newFake starts a fake registry and a client for it.
func newFake(t testing.TB, opts ...serdetest.Option) (*serdetest.Server, *Client) {
	t.Helper()
	fake := serdetest.NewServer(t, opts...)
	return fake, newTestClient(t, fake.URL())
}

// wantErr fails unless err wraps target and its message has every fragment.
func wantErr(t *testing.T, err, target error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want %v", target)
	}
	if target != nil && !errors.Is(err, target) {
		t.Fatalf("error %q does not wrap %v", err, target)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Fatalf("error %q does not mention %q", err, f)
		}
	}
}
