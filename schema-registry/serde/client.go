package serde

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	hamba "github.com/hamba/avro/v2"
	"go.uber.org/zap"
	"golang.org/x/sync/semaphore"
	"golang.org/x/sync/singleflight"
)

// Registry is what the Serializer and Deserializer need from a schema
// registry. *Client implements it; tests may substitute their own.
type Registry interface {
	// SchemaByID returns the parsed schema and its text for a global id.
	SchemaByID(ctx context.Context, id int) (hamba.Schema, string, error)
	// Register registers schemaText under subject (or finds it already
	// registered) and returns its global id.
	Register(ctx context.Context, subject, schemaText string) (id int, err error)
	// Lookup returns the id of schemaText under subject without registering.
	Lookup(ctx context.Context, subject, schemaText string) (id int, err error)
	// Latest returns the latest version registered under subject.
	Latest(ctx context.Context, subject string) (id int, s hamba.Schema, err error)
}

// Defaults for the client options.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultLatestTTL   = 30 * time.Second
	DefaultMaxInFlight = 16
)

// ClientOption configures a Client. Options are checked by NewClient.
type ClientOption func(*clientConfig)

type clientConfig struct {
	userInfo    string
	authSet     bool
	httpClient  *http.Client
	timeout     time.Duration
	latestTTL   time.Duration
	maxInFlight int
	logger      *zap.Logger
	errs        []error
}

// WithBasicAuth sends HTTP basic credentials given in the Confluent
// basic.auth.user.info form "user:password". The password may contain ':'.
// Both parts must be non-empty: srclient silently drops credentials with an
// empty part, so that is refused here instead.
func WithBasicAuth(userInfo string) ClientOption {
	return func(c *clientConfig) { c.userInfo, c.authSet = userInfo, true }
}

// WithHTTPClient sets the HTTP client whose Transport, Jar and CheckRedirect
// are used (for TLS or proxies). A non-zero Timeout on it caps WithTimeout.
// The client is never modified. Default: http.DefaultTransport.
func WithHTTPClient(hc *http.Client) ClientOption {
	return func(c *clientConfig) {
		if hc == nil {
			c.errs = append(c.errs, errors.New("http client is nil"))
		}
		c.httpClient = hc
	}
}

// WithTimeout bounds one registry operation, including queueing for a
// request slot and, for Register, both HTTP calls it makes. Must be
// positive. Default: DefaultTimeout.
func WithTimeout(d time.Duration) ClientOption {
	return func(c *clientConfig) { c.timeout = d }
}

// WithLatestTTL sets how long Latest answers are cached per subject. Zero
// disables that cache, so each Latest call asks the registry. Must not be
// negative. Default: DefaultLatestTTL.
func WithLatestTTL(d time.Duration) ClientOption {
	return func(c *clientConfig) { c.latestTTL = d }
}

// WithMaxInFlight caps concurrent HTTP requests to the registry, so a
// consumer that meets many unknown ids at once cannot flood it. Must be at
// least 1. Default: DefaultMaxInFlight.
func WithMaxInFlight(n int) ClientOption {
	return func(c *clientConfig) { c.maxInFlight = n }
}

// WithLogger sets the logger. The client logs only cache misses, at debug.
// Default: zap.NewNop().
func WithLogger(l *zap.Logger) ClientOption {
	return func(c *clientConfig) {
		if l == nil {
			c.errs = append(c.errs, errors.New("logger is nil"))
		}
		c.logger = l
	}
}

// Client is a caching Confluent Schema Registry client for Avro schemas.
//
// HTTP and JSON go through github.com/riferrei/srclient; caching, request
// collapsing, context cancellation and error classification are done here
// because srclient lacks them (see doc.go).
//
// Caches, all safe for concurrent use:
//   - by id: never expires, since registry ids are immutable. It grows with
//     the number of distinct ids this process has seen, which the registry's
//     contents bound, not the traffic.
//   - by (subject, schema text up to whitespace): the id, never expires.
//     Grows with the distinct schemas this process registers or looks up.
//   - latest per subject: kept for the latest TTL.
//
// Concurrent misses for the same key share one HTTP call.
type Client struct {
	url        string
	user, pass string
	base       http.RoundTripper
	jar        http.CookieJar
	redirect   func(*http.Request, []*http.Request) error
	timeout    time.Duration
	latestTTL  time.Duration
	log        *zap.Logger
	sem        *semaphore.Weighted
	flights    singleflight.Group
	now        func() time.Time

	mu     sync.RWMutex
	byID   map[int]schemaEntry
	ids    map[subjectSchema]int
	latest map[string]latestEntry
}

var _ Registry = (*Client)(nil)

// NewClient returns a client for the registry at rawURL, for example
// "http://localhost:8081" or "https://sr.example.com/prefix". Invalid options
// or URL fail here, naming the problem.
func NewClient(rawURL string, opts ...ClientOption) (*Client, error) {
	cfg := clientConfig{timeout: DefaultTimeout, latestTTL: DefaultLatestTTL, maxInFlight: DefaultMaxInFlight, logger: zap.NewNop()}
	for _, o := range opts {
		o(&cfg)
	}
	base, err := parseRegistryURL(rawURL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		url: base, base: http.DefaultTransport, timeout: cfg.timeout, latestTTL: cfg.latestTTL,
		log: cfg.logger, now: time.Now,
		byID: make(map[int]schemaEntry), ids: make(map[subjectSchema]int), latest: make(map[string]latestEntry),
	}
	if err := cfg.validate(c); err != nil {
		return nil, err
	}
	c.sem = semaphore.NewWeighted(int64(cfg.maxInFlight))
	return c, nil
}

func (cfg *clientConfig) validate(c *Client) error {
	errs := cfg.errs
	if cfg.timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout must be positive, got %s", cfg.timeout))
	}
	if cfg.latestTTL < 0 {
		errs = append(errs, fmt.Errorf("latest ttl must not be negative, got %s", cfg.latestTTL))
	}
	if cfg.maxInFlight < 1 {
		errs = append(errs, fmt.Errorf("max in-flight must be at least 1, got %d", cfg.maxInFlight))
	}
	if cfg.authSet {
		user, pass, ok := strings.Cut(cfg.userInfo, ":")
		if !ok || user == "" || pass == "" {
			// The value is a secret: say what is wrong without echoing it.
			errs = append(errs, errors.New(`basic auth user info must have the form "user:password" with both parts non-empty`))
		}
		c.user, c.pass = user, pass
	}
	if hc := cfg.httpClient; hc != nil {
		if hc.Transport != nil {
			c.base = hc.Transport
		}
		c.jar, c.redirect = hc.Jar, hc.CheckRedirect
		if hc.Timeout > 0 && hc.Timeout < c.timeout {
			c.timeout = hc.Timeout
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("creating schema registry client: %w: %w", ErrInvalidOption, errors.Join(errs...))
	}
	return nil
}

func parseRegistryURL(raw string) (string, error) {
	fail := func(why string) (string, error) {
		return "", fmt.Errorf("creating schema registry client: %w: url %q: %s", ErrInvalidOption, raw, why)
	}
	if strings.Contains(raw, ",") {
		return fail("several comma-separated urls are not supported, give one")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse's error repeats the raw URL; keep only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fail(err.Error())
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fail("scheme must be http or https")
	case u.Host == "":
		return fail("host is missing")
	case u.User != nil:
		return "", fmt.Errorf("creating schema registry client: %w: url must not carry credentials, use WithBasicAuth", ErrInvalidOption)
	case u.RawQuery != "" || u.Fragment != "":
		return fail("query and fragment are not allowed")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// URL returns the registry base URL the client talks to.
func (c *Client) URL() string { return c.url }
