package restproxy

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/retailpulse/retailpulse/internal/httpx"
)

const (
	contentTypeV2 = "application/vnd.kafka.v2+json"
	contentTypeV3 = "application/json"
)

type keyCtx struct{}

// apiKeyOf returns the key that authenticated the request, nil without keys.
func apiKeyOf(ctx context.Context) *APIKey {
	k, _ := ctx.Value(keyCtx{}).(*APIKey)
	return k
}

// wrap applies CORS and API-key checks, in that order so that a browser can
// read the 401 of an allowed origin.
func (p *Proxy) wrap(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && len(p.origins) > 0 {
			if !p.originAllowed(origin) {
				writeError(w, "", newAPIError(http.StatusForbidden, codeForbidden, "Origin %s is not allowed", origin))
				return
			}
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			h.Set("Access-Control-Expose-Headers", "Retry-After")
		}
		if len(p.cfg.apiKeys) > 0 {
			key, err := p.authenticate(r)
			if err != nil {
				writeError(w, "", err)
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), keyCtx{}, key))
		}
		next(w, r)
	})
}

func (p *Proxy) authenticate(r *http.Request) (*APIKey, *apiError) {
	given := r.Header.Get("X-API-Key")
	if given == "" {
		if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
			given = strings.TrimPrefix(auth, "Bearer ")
		}
	}
	if given == "" {
		// navigator.sendBeacon cannot set headers.
		given = r.URL.Query().Get("api_key")
	}
	if given == "" {
		return nil, newAPIError(http.StatusUnauthorized, codeUnauthorized,
			"Unauthorized: an API key is required (X-API-Key header, Authorization: Bearer, or api_key parameter)")
	}
	// Compare with every key so timing does not reveal a prefix match.
	var found *APIKey
	for k, v := range p.cfg.apiKeys {
		if subtle.ConstantTimeCompare([]byte(k), []byte(given)) == 1 {
			found = &v
		}
	}
	if found == nil {
		return nil, newAPIError(http.StatusUnauthorized, codeUnauthorized, "Unauthorized: unknown API key")
	}
	return found, nil
}

// mayProduce says whether the request's key may write to topic.
func (p *Proxy) mayProduce(ctx context.Context, topic string) *apiError {
	key := apiKeyOf(ctx)
	if key == nil {
		return nil
	}
	allowed := key.Topics
	if len(allowed) == 0 {
		allowed = []string{p.cfg.eventTopic}
	}
	for _, t := range allowed {
		if t == topic {
			return nil
		}
	}
	return newAPIError(http.StatusForbidden, codeForbidden, "Forbidden: the API key of storefront %s may not produce to topic %s", key.Storefront, topic)
}

func (p *Proxy) handlePreflight(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" || len(p.origins) == 0 || !p.originAllowed(origin) {
		writeError(w, "", newAPIError(http.StatusForbidden, codeForbidden, "CORS preflight refused for origin %q", origin))
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type, Content-Encoding, X-API-Key, Authorization")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

// originPattern is an allowed origin: exact, "*", or a scheme with a
// wildcard subdomain ("https://*.shop.example").
type originPattern struct {
	any          bool
	scheme, host string
	suffix       string // ".shop.example" for wildcards
}

func parseOrigin(s string) (originPattern, error) {
	if s == "*" {
		return originPattern{any: true}, nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" && u.Path != "/" {
		return originPattern{}, fmt.Errorf("cors origin %q must look like https://shop.example or https://*.shop.example", s)
	}
	if strings.HasPrefix(u.Host, "*.") {
		return originPattern{scheme: u.Scheme, suffix: u.Host[1:]}, nil
	}
	return originPattern{scheme: u.Scheme, host: strings.ToLower(u.Host)}, nil
}

func (p *Proxy) originAllowed(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	host := strings.ToLower(u.Host)
	for _, o := range p.origins {
		switch {
		case o.any:
			return true
		case o.scheme != u.Scheme:
		case o.suffix != "" && strings.HasSuffix(host, o.suffix) && len(host) > len(o.suffix):
			return true
		case o.host == host:
			return true
		}
	}
	return false
}

// readBody reads the request body, gunzipping it when it says so, within
// the body limit (413 beyond, also for what gzip expands to).
func (p *Proxy) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	if r.ContentLength > p.cfg.bodyLimit {
		return nil, newAPIError(http.StatusRequestEntityTooLarge, codeTooLarge,
			"Request body of %d bytes is larger than the limit of %d bytes", r.ContentLength, p.cfg.bodyLimit)
	}
	var body io.Reader = r.Body
	if r.ContentLength < 0 {
		body = http.MaxBytesReader(w, r.Body, p.cfg.bodyLimit)
	}
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, errBadRequest("Request body is not valid gzip: %v", err)
		}
		defer zr.Close()
		body = io.LimitReader(zr, p.cfg.bodyLimit+1)
	default:
		return nil, newAPIError(http.StatusUnsupportedMediaType, codeUnsupportedMedia,
			"Content-Encoding %q is not supported (use gzip or none)", enc)
	}
	if n := r.ContentLength; n > 0 && body == r.Body {
		// The common case, a plain body of known length: one exact
		// allocation (bytes.Buffer.ReadFrom would grow it once more to look
		// for the end). net/http stops the body at its Content-Length.
		src := appendBuffer(int(n))[:n]
		if _, err := io.ReadFull(body, src); err != nil {
			return nil, errBadRequest("Reading request body: %v", err)
		}
		return src, nil
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 && r.ContentLength <= p.cfg.bodyLimit {
		buf.Grow(int(r.ContentLength))
	}
	_, err := buf.ReadFrom(body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig) || int64(buf.Len()) > p.cfg.bodyLimit:
		return nil, newAPIError(http.StatusRequestEntityTooLarge, codeTooLarge,
			"Request body is larger than the limit of %d bytes", p.cfg.bodyLimit)
	case err != nil:
		return nil, errBadRequest("Reading request body: %v", err)
	case buf.Len() == 0:
		return nil, errUnprocessable(codePayload, "Payload error. Request body is empty. Data is required.")
	}
	return buf.Bytes(), nil
}

// appendBuffer returns an empty slice with room for n bytes. Unlike make,
// bytes.Buffer does not clear memory that is about to be overwritten, which
// for the large buffers of batched requests is a measurable part of the
// work.
func appendBuffer(n int) []byte {
	var b bytes.Buffer
	b.Grow(n)
	return b.AvailableBuffer()
}

// writeError writes the REST Proxy error body, with Retry-After when the
// client should come back.
func writeError(w http.ResponseWriter, contentType string, e *apiError) {
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	httpx.WriteJSON(w, e.status, contentType, httpx.ErrorBody{ErrorCode: e.code, Message: e.msg})
}

// mediaType returns the Content-Type without parameters, lower case.
func mediaType(r *http.Request) string {
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	return strings.ToLower(strings.TrimSpace(ct))
}

// v2Format maps a v2 produce Content-Type to the embedded format.
func v2Format(ct string) (format, *apiError) {
	switch ct {
	case "application/vnd.kafka.binary.v2+json", "application/vnd.kafka.binary.v1+json",
		"application/vnd.kafka.v2+json", "application/vnd.kafka.v1+json", "application/vnd.kafka+json",
		"application/json", "application/octet-stream":
		return fmtBinary, nil
	case "application/vnd.kafka.json.v2+json", "application/vnd.kafka.json.v1+json", "application/vnd.kafka.json+json":
		return fmtJSON, nil
	case "application/vnd.kafka.avro.v2+json", "application/vnd.kafka.avro.v1+json", "application/vnd.kafka.avro+json":
		return fmtAvro, nil
	case "application/vnd.kafka.jsonschema.v2+json", "application/vnd.kafka.protobuf.v2+json":
		return 0, newAPIError(http.StatusUnsupportedMediaType, codeUnsupportedMedia,
			"Embedded format of %s is not supported by this proxy; use binary, json or avro", ct)
	}
	return 0, newAPIError(http.StatusUnsupportedMediaType, codeUnsupportedMedia,
		"HTTP 415 Unsupported Media Type: %q; produce with application/vnd.kafka.{binary,json,avro}.v2+json", ct)
}
