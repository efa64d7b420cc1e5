package serde

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/riferrei/srclient"
)

// acceptHeader is what the Confluent Java client sends: the versioned media
// type first, plain JSON as a fallback for proxies that rewrite types.
const acceptHeader = "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5"

const userAgent = "retailpulse-serde"

// callTransport carries one operation's context into srclient, whose
// requests are built with context.Background(), and remembers the last HTTP
// status so a non-JSON error body (from a proxy, say) can still be
// classified.
type callTransport struct {
	ctx    context.Context
	base   http.RoundTripper
	status atomic.Int32
}

func (t *callTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.status.Store(0)
	r := req.Clone(t.ctx)
	r.Header.Set("Accept", acceptHeader)
	r.Header.Set("User-Agent", userAgent)
	resp, err := t.base.RoundTrip(r)
	if err == nil {
		t.status.Store(int32(resp.StatusCode))
	}
	return resp, err
}

// call runs fn against an srclient bound to ctx.
//
// srclient has no context support, so a fresh srclient is built per call
// around a transport that injects ctx. That is a few small allocations, paid
// only on cache misses. Its own caching is switched off: this package caches
// parsed schemas, collapses concurrent misses and expires "latest", none of
// which srclient does. Its concurrency semaphore is per instance and thus
// inert here; c.sem takes its place and, unlike srclient's, honours ctx.
func (c *Client) call(ctx context.Context, op string, fn func(*srclient.SchemaRegistryClient) error) error {
	if err := c.sem.Acquire(ctx, 1); err != nil {
		return &RegistryError{Op: op, Message: "waiting for a free request slot: " + err.Error(), kind: ErrRegistryUnavailable, cause: err}
	}
	defer c.sem.Release(1)

	rt := &callTransport{ctx: ctx, base: c.base}
	// No http.Client.Timeout: ctx already carries the deadline, and the
	// client's own timer would be lost when the transport swaps contexts.
	hc := &http.Client{Transport: rt, Jar: c.jar, CheckRedirect: c.redirect}
	sc := srclient.NewSchemaRegistryClient(c.url, srclient.WithClient(hc))
	sc.CachingEnabled(false)
	if c.user != "" {
		sc.SetCredentials(c.user, c.pass)
	}
	err := fn(sc)
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) {
		// Flights run on a context detached from the caller's deadline, so
		// the only deadline here is the client timeout.
		return &RegistryError{Op: op, Message: fmt.Sprintf("no answer within the client timeout of %s", c.timeout),
			kind: ErrRegistryUnavailable, cause: err}
	}
	return translate(op, int(rt.status.Load()), err)
}

// translate turns whatever srclient returned into a *RegistryError.
func translate(op string, status int, err error) error {
	var se srclient.Error
	switch {
	case errors.As(err, &se):
		return &RegistryError{Op: op, StatusCode: status, Code: se.Code, Message: se.Message, kind: classify(status, se.Code)}
	case status == 0:
		// No answer at all: connection refused, DNS, timeout, cancellation.
		return &RegistryError{Op: op, Message: err.Error(), kind: ErrRegistryUnavailable, cause: err}
	case status < 200 || status > 299:
		// srclient reduces a non-JSON error body to the status line.
		return &RegistryError{Op: op, StatusCode: status, Message: err.Error(), kind: classify(status, 0)}
	default:
		// A 2xx whose body did not decode, or a transport error on a
		// later request of the same operation.
		return &RegistryError{Op: op, StatusCode: status, Message: err.Error(), kind: ErrRegistryResponse, cause: err}
	}
}
