package connect

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Requests that need the leader are forwarded to it, as Kafka Connect
// does: a client request (no forward parameter) may be forwarded with
// forward=true, a forwarded one once more with forward=false, and a worker
// that would have to forward a forward=false request answers 409. That
// bounds a request to two hops while the members' views converge.

const (
	msgNoLeader = "Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway."
	msgHops     = "Cannot complete request because of a conflicting operation (e.g. worker rebalance)"
)

// forward sends r (with body) to the leader and copies the answer to w.
func (h *herder) forward(w http.ResponseWriter, r *http.Request, body []byte) {
	next := "true"
	switch r.URL.Query().Get("forward") {
	case "false":
		writeErr(w, fmt.Errorf("%w: %s", ErrConflict, msgHops))
		return
	case "true":
		next = "false"
	}
	leader := h.leaderURL()
	if leader == "" || leader == h.url {
		writeErr(w, fmt.Errorf("%w: %s", ErrConflict, msgNoLeader))
		return
	}
	q := r.URL.Query()
	q.Set("forward", next)
	target := leader + r.URL.EscapedPath() + "?" + q.Encode()
	req, err := http.NewRequestWithContext(r.Context(), r.Method, target, bytes.NewReader(body))
	if err != nil {
		writeErr(w, fmt.Errorf("forwarding request to the leader: %w", err))
		return
	}
	req.Header.Set("Content-Type", "application/json")
	copyAuth(req, r)
	resp, err := h.client.Do(req)
	if err != nil {
		writeErr(w, fmt.Errorf("%w: forwarding request to the leader at %s failed: %v", ErrConflict, leader, err))
		return
	}
	defer resp.Body.Close()
	for _, k := range []string{"Content-Type", "Location"} {
		if v := resp.Header.Get(k); v != "" {
			w.Header().Set(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// copyAuth passes the client's credentials on, so a cluster behind basic
// auth or API keys forwards with the caller's identity.
func copyAuth(dst, src *http.Request) {
	for k, vs := range src.Header {
		if k == "Authorization" || strings.HasPrefix(strings.ToLower(k), "x-api-key") {
			dst.Header[k] = vs
		}
	}
}

// post sends an internal request to another worker.
func (h *herder) post(ctx context.Context, target string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("building request to %s: %w", target, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("calling %s: %w", target, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("calling %s: status %d: %s", target, resp.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}

func pathEscape(s string) string { return url.PathEscape(s) }
