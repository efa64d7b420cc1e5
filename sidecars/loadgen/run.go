package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Latency holds latency percentiles.
type Latency struct {
	P50, P90, P99, P999, Max time.Duration
}

// Result is what a run achieved.
type Result struct {
	Requests  int64 // requests answered (any status)
	Events    int64 // events sent
	Accepted  int64 // events the proxy accepted (stored, dropped or dead-lettered by a rule)
	Rejected  int64 // events refused with a per-record or request error
	Throttled int64 // requests answered 429
	Failed    int64 // requests that got no answer (timeouts, connection errors)
	Status    map[int]int64
	Elapsed   time.Duration
	// EventsPerSec counts accepted events.
	EventsPerSec   float64
	RequestsPerSec float64
	TargetRate     float64
	Latency        Latency
}

// counters are updated by every worker.
type counters struct {
	requests, events, accepted, rejected, throttled, failed atomic.Int64
	mu                                                      sync.Mutex
	status                                                  map[int]int64
}

func (c *counters) addStatus(code int) {
	c.mu.Lock()
	c.status[code]++
	c.mu.Unlock()
}

// Run generates load until the duration passes, the event count is
// reached or ctx ends, and returns what was achieved. Progress lines and the
// final summary go to out.
func Run(ctx context.Context, o Options, out io.Writer) (Result, error) {
	o.defaults()
	if err := o.validate(); err != nil {
		return Result{}, err
	}
	newSource, err := sourceFactory(o, out)
	if err != nil {
		return Result{}, err
	}
	client := &http.Client{Timeout: o.Timeout, Transport: &http.Transport{
		MaxIdleConns: o.Concurrency, MaxIdleConnsPerHost: o.Concurrency, MaxConnsPerHost: o.Concurrency,
		DisableCompression: true, IdleConnTimeout: time.Minute,
	}}
	defer client.CloseIdleConnections()
	target, err := o.endpoint(ctx, client)
	if err != nil {
		return Result{}, err
	}

	c := &counters{status: map[int]int64{}}
	total, window := &histogram{}, &histogram{}
	var interval time.Duration
	if o.Rate > 0 {
		interval = time.Duration(float64(time.Second) * float64(o.BatchSize) / o.Rate)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if o.Duration > 0 && o.Events == 0 {
		runCtx, cancel = context.WithTimeout(runCtx, o.Duration)
		defer cancel()
	}
	start := time.Now()
	sched := &schedule{start: start, interval: interval}
	var wg sync.WaitGroup
	if haveEventLoop && strings.HasPrefix(target, "http://") {
		// One loop drives small requests: it can send several times what
		// the proxy serves on the same cores, and a second one split the
		// answers per epoll_wait, each wake-up costing the generator more
		// (19 vs 22 µs a single-event request). Batched runs spend their
		// time building bodies, so they get a loop per processor.
		loops := 1
		if o.BatchSize >= parallelBatch {
			loops = min(runtime.GOMAXPROCS(0), o.Concurrency)
		}
		for i := 0; i < loops; i++ {
			var ws []worker
			for w := i; w < o.Concurrency; w += loops {
				ws = append(ws, worker{o: &o, src: newSource(w), c: c, total: total, window: window})
			}
			l, err := newEvloop(runCtx, &o, target, ws, sched)
			if err != nil {
				cancel()
				wg.Wait()
				return Result{}, err
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				l.run()
			}()
		}
	} else {
		for w := 0; w < o.Concurrency; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				pst, err := newPoster(target, o.APIKey, o.Timeout, client)
				if err != nil {
					c.failed.Add(1)
					return
				}
				defer pst.close()
				wk := worker{o: &o, poster: pst, src: newSource(w), c: c, total: total, window: window}
				wk.loop(runCtx, sched)
			}(w)
		}
	}
	stopProgress := make(chan struct{})
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		if o.Progress > 0 {
			progress(out, &o, c, window, start, stopProgress)
		}
	}()
	wg.Wait()
	close(stopProgress)
	<-progressDone
	elapsed := time.Since(start)

	res := Result{
		Requests: c.requests.Load(), Events: c.events.Load(), Accepted: c.accepted.Load(), Rejected: c.rejected.Load(),
		Throttled: c.throttled.Load(), Failed: c.failed.Load(), Status: c.status, Elapsed: elapsed, TargetRate: o.Rate,
		Latency: Latency{P50: total.quantile(0.50), P90: total.quantile(0.90), P99: total.quantile(0.99),
			P999: total.quantile(0.999), Max: time.Duration(total.max.Load())},
	}
	res.EventsPerSec = float64(res.Accepted) / elapsed.Seconds()
	res.RequestsPerSec = float64(res.Requests) / elapsed.Seconds()
	summary(out, &o, res)
	return res, nil
}

func sourceFactory(o Options, out io.Writer) (func(int) source, error) {
	if o.Source == SourceSynthetic {
		items := newCatalog(o.Seed, o.Items)
		return func(w int) source { return newSyntheticFrom(items, o.Seed, w, o.Users) }, nil
	}
	rows, err := ReadREES46(o.Source)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "replaying %d REES46 events from %s\n%s\n", len(rows), o.Source, REES46Attribution)
	cursor := new(atomic.Int64)
	return func(w int) source {
		return &replay{rows: rows, cursor: cursor, r: rand.New(rand.NewPCG(uint64(o.Seed), uint64(w)))}
	}, nil
}

// endpoint builds the request URL, asking the proxy for the v3 cluster id
// when needed; it doubles as a reachability check.
func (o *Options) endpoint(ctx context.Context, client *http.Client) (string, error) {
	switch o.API {
	case APIv2:
		return o.URL + "/topics/" + o.Topic, nil
	case APISDK:
		return o.URL + "/sdk/v1/events", nil
	}
	if o.ClusterID == "" {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, o.URL+"/v3/clusters", nil)
		if o.APIKey != "" {
			req.Header.Set("X-API-Key", o.APIKey)
		}
		resp, err := client.Do(req)
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrUnreachable, err)
		}
		defer resp.Body.Close()
		var cl struct {
			Data []struct {
				ClusterID string `json:"cluster_id"`
			} `json:"data"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&cl); err != nil || len(cl.Data) == 0 {
			return "", fmt.Errorf("%w: GET /v3/clusters answered HTTP %d without a cluster", ErrUnreachable, resp.StatusCode)
		}
		o.ClusterID = cl.Data[0].ClusterID
	}
	u := o.URL + "/v3/clusters/" + o.ClusterID + "/topics/" + o.Topic + "/records"
	if o.BatchSize > 1 {
		u += ":batch"
	}
	return u, nil
}

type worker struct {
	o             *Options
	poster        poster
	src           source
	c             *counters
	total, window *histogram
	ev            event
	body          []byte
	timer         *time.Timer
}

// parallelBatch is the batch size from which bodies are built on every
// processor.
const parallelBatch = 50

// schedule is the run's global request sequence, shared by all workers.
type schedule struct {
	seq      atomic.Int64
	start    time.Time
	interval time.Duration
}

func contentType(api string) string {
	switch api {
	case APIv3:
		return "application/json"
	case APISDK:
		return "text/plain"
	}
	return "application/vnd.kafka.avro.v2+json"
}

func (w *worker) loop(ctx context.Context, sched *schedule) {
	ct := contentType(w.o.API)
	start, interval := sched.start, sched.interval
	for ctx.Err() == nil {
		k := sched.seq.Add(1) - 1
		if w.o.Events > 0 && k*int64(w.o.BatchSize) >= w.o.Events {
			return
		}
		due := time.Now()
		if interval > 0 {
			due = start.Add(time.Duration(k) * interval)
			if wait := time.Until(due); wait > 0 {
				// One timer per worker, reset per request: a new one per
				// request was a visible share of the generator's CPU at 20k/s.
				if w.timer == nil {
					w.timer = time.NewTimer(wait)
				} else {
					w.timer.Reset(wait)
				}
				select {
				case <-ctx.Done():
					w.timer.Stop()
					return
				case <-w.timer.C:
				}
			}
		}
		n := w.o.BatchSize
		if w.o.Events > 0 {
			n = int(min(int64(n), w.o.Events-k*int64(w.o.BatchSize)))
		}
		w.build(n)
		w.send(ctx, ct, n, due)
	}
}

// build writes the request body for n events.
func (w *worker) build(n int) {
	b := w.body[:0]
	tagged := w.o.API != APISDK
	switch {
	case w.o.API == APIv2:
		b = append(b, `{"records":[`...)
	case w.o.API == APIv3 && n > 1:
		b = append(b, `{"entries":[`...)
	case w.o.API == APISDK:
		b = append(b, `{"events":[`...)
	}
	now := time.Now().UnixMilli()
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		w.src.next(&w.ev, now)
		switch {
		case w.o.API == APIv2:
			b = append(b, `{"value":`...)
		case w.o.API == APIv3 && n > 1:
			b = append(b, `{"id":"`...)
			b = strconv.AppendInt(b, int64(i), 10)
			b = append(b, `","value":{"data":`...)
		case w.o.API == APIv3:
			b = append(b, `{"value":{"data":`...)
		}
		b = w.ev.appendJSON(b, tagged)
		switch w.o.API {
		case APIv2:
			b = append(b, '}')
		case APIv3:
			b = append(b, "}}"...)
		}
	}
	if w.o.API != APIv3 || n > 1 {
		b = append(b, "]}"...)
	}
	w.body = b
}

func (w *worker) send(ctx context.Context, contentType string, n int, due time.Time) {
	w.c.events.Add(int64(n))
	status, body, err := w.poster.post(ctx, contentType, w.body)
	if err != nil {
		w.fail(ctx, n)
		return
	}
	w.answered(status, body, n, time.Since(due))
}

// fail counts a request of n events that got no answer.
func (w *worker) fail(ctx context.Context, n int) {
	if ctx.Err() == nil {
		w.c.failed.Add(1)
		w.c.rejected.Add(int64(n))
	} else {
		w.c.events.Add(-int64(n)) // cut off by the end of the run
	}
}

// answered counts a request of n events that got an answer after lat.
func (w *worker) answered(status int, body []byte, n int, lat time.Duration) {
	w.total.record(lat)
	w.window.record(lat)
	w.c.requests.Add(1)
	w.c.addStatus(status)
	accepted := 0
	switch {
	case status == http.StatusTooManyRequests:
		w.c.throttled.Add(1)
	case status == http.StatusOK && w.o.API == APISDK:
		accepted = sdkAccepted(body)
	case status == http.StatusOK || status == http.StatusMultiStatus:
		accepted = n - recordErrors(body)
	}
	w.c.accepted.Add(int64(accepted))
	w.c.rejected.Add(int64(n - accepted))
}

// recordErrors counts error_code values other than null and 200 in a
// produce answer: per-record failures of v2 offsets and v3 batches.
func recordErrors(body []byte) int {
	key := []byte(`"error_code":`)
	n := 0
	for {
		i := bytes.Index(body, key)
		if i < 0 {
			return n
		}
		body = body[i+len(key):]
		if len(body) > 0 && body[0] >= '0' && body[0] <= '9' && !bytes.HasPrefix(body, []byte("200")) {
			n++
		}
	}
}

func sdkAccepted(body []byte) int {
	var r struct {
		Accepted     int `json:"accepted"`
		Dropped      int `json:"dropped"`
		DeadLettered int `json:"dead_lettered"`
	}
	_ = json.Unmarshal(body, &r)
	return r.Accepted + r.Dropped + r.DeadLettered
}
