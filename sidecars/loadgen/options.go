package loadgen

import (
	"fmt"
	"net/url"
	"time"
)

// APIs a run can use.
const (
	APIv2  = "v2"  // POST /topics/{topic}, application/vnd.kafka.avro.v2+json
	APIv3  = "v3"  // POST /v3/.../records (batch 1) or records:batch
	APISDK = "sdk" // POST /sdk/v1/events, text/plain JSON
)

// SourceSynthetic selects the synthetic shopper model; any other Source is a
// path to a REES46 clickstream CSV (optionally .gz).
const SourceSynthetic = "synthetic"

// Options configure a run. Zero values take the defaults in brackets.
type Options struct {
	URL         string        // proxy base URL [http://127.0.0.1:8082]
	API         string        // APIv2, APIv3 or APISDK [v2]
	Topic       string        // event topic [user-events]
	Rate        float64       // target events per second; 0 = as fast as possible [0]
	Duration    time.Duration // how long to run [30s]; ignored when Events is set
	Events      int64         // stop after this many events [0 = use Duration]
	BatchSize   int           // events per request; 1 = one event per request [1]
	Concurrency int           // parallel connections [64]
	Users       int           // synthetic shopper population [10000]
	Items       int           // synthetic catalog size [5000]
	Source      string        // SourceSynthetic or a REES46 CSV path [synthetic]
	APIKey      string        // sent as X-API-Key when set
	Seed        int64         // random seed; 0 = time-based. A fixed seed repeats event ids, which the proxy drops as duplicates
	Timeout     time.Duration // per-request timeout [10s]
	Progress    time.Duration // progress line interval; negative = off [1s]
	// ClusterID is the v3 cluster id; "" asks GET /v3/clusters once.
	ClusterID string
}

func (o *Options) defaults() {
	if o.URL == "" {
		o.URL = "http://127.0.0.1:8082"
	}
	if o.API == "" {
		o.API = APIv2
	}
	if o.Topic == "" {
		o.Topic = "user-events"
	}
	if o.Duration == 0 && o.Events == 0 {
		o.Duration = 30 * time.Second
	}
	if o.BatchSize == 0 {
		o.BatchSize = 1
	}
	if o.Concurrency == 0 {
		o.Concurrency = 64
	}
	if o.Users == 0 {
		o.Users = 10000
	}
	if o.Items == 0 {
		o.Items = 5000
	}
	if o.Source == "" {
		o.Source = SourceSynthetic
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Progress == 0 {
		o.Progress = time.Second
	}
	if o.Seed == 0 {
		o.Seed = time.Now().UnixNano()
	}
}

func (o *Options) validate() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidOptions, fmt.Sprintf(format, args...))
	}
	u, err := url.Parse(o.URL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fail("url %q must be an http(s) URL", o.URL)
	case o.API != APIv2 && o.API != APIv3 && o.API != APISDK:
		return fail("api %q must be v2, v3 or sdk", o.API)
	case o.Rate < 0:
		return fail("rate must not be negative, got %g", o.Rate)
	case o.Duration < 0 || o.Events < 0:
		return fail("duration and events must not be negative")
	case o.BatchSize < 1 || o.BatchSize > 10000:
		return fail("batch size must be 1..10000, got %d", o.BatchSize)
	case o.Concurrency < 1 || o.Concurrency > 4096:
		return fail("concurrency must be 1..4096, got %d", o.Concurrency)
	case o.Users < 1 || o.Items < 1:
		return fail("users and items must be positive")
	case o.Timeout <= 0:
		return fail("timeout must be positive")
	}
	return nil
}
