package restproxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/sidecars/restproxy/rules"
)

// The handler benchmarks run a whole produce request through the proxy's
// handler (with its CORS/API-key wrapper) with Kafka replaced by an
// instant acknowledgement, so ns/op and allocs/op are the proxy's own cost
// per request, without HTTP transport, broker or librdkafka.

// BenchmarkHandlerV2Single is one event per v2 request, the SingleV2
// load-generator run.
func BenchmarkHandlerV2Single(b *testing.B) {
	benchHandler(b, "/topics/user-events", "application/vnd.kafka.avro.v2+json", 1, v2Body, (*Proxy).handleV2Produce)
}

// BenchmarkHandlerV2Batch is 500 events per v2 request; ns/op is per event.
func BenchmarkHandlerV2Batch(b *testing.B) {
	benchHandler(b, "/topics/user-events", "application/vnd.kafka.avro.v2+json", 500, v2Body, (*Proxy).handleV2Produce)
}

// BenchmarkHandlerV3Batch is 500 events per records:batch request; ns/op is
// per event.
func BenchmarkHandlerV3Batch(b *testing.B) {
	benchHandler(b, "/v3/clusters/c1/topics/user-events/records:batch", "application/json", 500, v3Body, (*Proxy).handleV3Batch)
}

// BenchmarkHandlerSDK is 20 plain-JSON events per SDK request; ns/op is per
// event.
func BenchmarkHandlerSDK(b *testing.B) {
	benchHandler(b, SDKPath, "text/plain", 20, sdkBody, (*Proxy).handleSDK)
}

// benchEvent writes event i of round k: a fresh event_id per round keeps
// the duplicate rule from dropping repeats.
func benchEvent(buf *bytes.Buffer, k, i int, tagged bool) {
	opt := func(branch, v string) string {
		if tagged {
			return `{"` + branch + `":` + v + `}`
		}
		return v
	}
	fmt.Fprintf(buf, `{"event_id":"0f8fad5b-d9cb-469f-a165-%06d%06d","event_type":"PRODUCT_VIEW","user_id":"u-%d",`+
		`"session_id":"s-%d","event_time":1767225600000,"item_id":%s,`+
		`"category":%s,"brand":%s,"price":%s,"quantity":null,`+
		`"currency":%s,"order_id":null,"search_query":null,"page_url":%s,`+
		`"referrer":null,"user_agent":%s,"attributes":{}}`, k%1000000, i, i%97, i%31,
		opt("string", `"sku-`+strconv.Itoa(i)+`"`), opt("string", `"shoes/running"`), opt("string", `"Fleetfoot"`),
		opt("double", "19.5"), opt("string", `"USD"`), opt("string", `"https://shop.example/p/sku-1"`),
		opt("string", `"Mozilla/5.0 (X11; Linux x86_64) Firefox/127.0"`))
}

func v2Body(k, n int) []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"records":[`)
	for i := range n {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(`{"value":`)
		benchEvent(&buf, k, i, true)
		buf.WriteByte('}')
	}
	buf.WriteString(`]}`)
	return buf.Bytes()
}

func v3Body(k, n int) []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"entries":[`)
	for i := range n {
		if i > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, `{"id":"%d","value":{"data":`, i)
		benchEvent(&buf, k, i, true)
		buf.WriteString(`}}`)
	}
	buf.WriteString(`]}`)
	return buf.Bytes()
}

func sdkBody(k, n int) []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"events":[`)
	for i := range n {
		if i > 0 {
			buf.WriteByte(',')
		}
		benchEvent(&buf, k, i, false)
	}
	buf.WriteString(`]}`)
	return buf.Bytes()
}

// benchProxy is a proxy with the built-in rules, metadata for the event
// topic, UserEvent as the subject's latest schema, and a producer that
// acknowledges at once.
func benchProxy(b *testing.B) *Proxy {
	b.Helper()
	p, rs := rulesProxy(b)
	p.schemas = newSchemaStore(nil, nil, time.Hour)
	p.schemas.latest[rs.subject] = latestAnswer{schema: rs, expires: time.Now().Add(24 * time.Hour)}
	p.meta = newMetadataCache(nil, time.Hour)
	p.meta.topics[p.cfg.eventTopic] = topicInfo{name: p.cfg.eventTopic, partitions: make([]kafka.PartitionMetadata, 6)}
	p.meta.loadedAt, p.meta.clusterID = time.Now().Add(time.Hour), "c1"
	var offset int64
	p.send = func(_ context.Context, msgs []outMsg) (*flight, error) {
		f := &flight{done: make(chan struct{})}
		if len(msgs) == 1 {
			f.results = f.one[:]
		} else {
			f.results = make([]flightResult, len(msgs))
		}
		for i := range msgs {
			offset++
			f.results[i].delivery = delivery{partition: int32(offset % 6), offset: offset}
		}
		close(f.done)
		return f, nil
	}
	return p
}

// rulesProxy is a bare proxy with the built-in rules, and UserEvent
// compiled as the event subject's schema id 1.
func rulesProxy(b *testing.B) (*Proxy, *resolvedSchema) {
	b.Helper()
	sch, _ := avro.ByName("UserEvent")
	rs := &resolvedSchema{id: 1, subject: "user-events-value", node: compileText(b, sch.Text)}
	set, err := rules.Defaults()
	if err != nil {
		b.Fatal(err)
	}
	return &Proxy{cfg: defaults(), rules: set, m: newProxyMetrics(nil)}, rs
}

// idMark precedes the part of each event id that changes every round.
var idMark = []byte(`{"event_id":"`)

// discard is a ResponseWriter that keeps only the status.
type discard struct {
	h      http.Header
	status int
	body   []byte
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(code int)        { d.status = code }
func (d *discard) Write(p []byte) (int, error) { d.body = append(d.body, p...); return len(p), nil }

func benchHandler(b *testing.B, path, ct string, n int, body func(k, n int) []byte, h func(*Proxy, http.ResponseWriter, *http.Request)) {
	p := benchProxy(b)
	handler := p.wrap(func(w http.ResponseWriter, r *http.Request) { h(p, w, r) })
	bodies := make([][]byte, 64)
	u, _ := url.Parse("http://proxy" + path)
	reqs := make([]*http.Request, len(bodies))
	for k := range bodies {
		bodies[k] = body(k, n)
		r := &http.Request{Method: http.MethodPost, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Content-Type": {ct}, "User-Agent": {"retailpulse-loadgen"}}, Host: "proxy",
			RemoteAddr: "127.0.0.1:40000"}
		r = r.WithContext(context.Background())
		r.SetPathValue("topic", "user-events")
		r.SetPathValue("cluster_id", "c1")
		reqs[k] = r
	}
	w := &discard{h: http.Header{}}
	rd := bytes.NewReader(nil)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for it := range b.N {
		k := it % len(bodies)
		if k == 0 && it > 0 {
			// Next round: new event ids, so the duplicate rule keeps passing.
			// The handler reads a copy, so the bodies can be patched.
			round := []byte(fmt.Sprintf("%08x", it))
			for _, src := range bodies {
				for at := 0; ; {
					i := bytes.Index(src[at:], idMark)
					if i < 0 {
						break
					}
					copy(src[at+i+len(idMark):], round)
					at += i + len(idMark) + len(round)
				}
			}
		}
		src := bodies[k]
		r := reqs[k]
		rd.Reset(src)
		r.Body, r.ContentLength = io.NopCloser(rd), int64(len(src))
		clear(w.h)
		w.status, w.body = 0, w.body[:0]
		handler.ServeHTTP(w, r)
		if w.status != http.StatusOK && w.status != http.StatusMultiStatus || k == 0 && failed(w.body) {
			b.Fatalf("status %d: %.300s", w.status, w.body)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N*n), "cpu-ns/event")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
}

// failed says whether a produce answer reports a failed or dropped record.
func failed(body []byte) bool {
	for _, bad := range []string{`"error_code":4`, `"error_code":5`, `"failures":[{`, `"errors":[{`, `"action":`,
		`"dropped":1`, `"dead_lettered":1`} {
		if bytes.Contains(body, []byte(bad)) {
			return true
		}
	}
	return false
}
