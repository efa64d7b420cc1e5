package loadgen_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/sidecars/loadgen"
)

// rees46Path is the REES46 slice, read from the shared data directory beside
// the repository (it is not committed: its licence does not grant
// redistribution).
const rees46Path = "../../../shared/data/rees46-multicategory/events_2019-10-01T0000-0250Z.csv.gz"

func needREES46(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(rees46Path); err != nil {
		t.Fatalf("the REES46 slice is needed at %s (../shared/data beside the repository root): %v", rees46Path, err)
	}
}

func TestReadREES46(t *testing.T) {
	needREES46(t)
	rows, err := loadgen.ReadREES46(rees46Path)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	users := map[string]bool{}
	for _, r := range rows {
		counts[r.Type]++
		users[r.UserID] = true
		if _, ok := loadgen.EventType(r.Type); !ok {
			t.Fatalf("unmapped type %q", r.Type)
		}
	}
	// The counts the data README states.
	if len(rows) != 17424 || counts["view"] != 17045 || counts["cart"] != 165 || counts["purchase"] != 214 || len(users) != 4501 {
		t.Fatalf("rows %d, types %v, users %d", len(rows), counts, len(users))
	}
	if first := rows[0]; first.Time != time.Date(2019, 10, 1, 0, 0, 0, 0, time.UTC) || first.Brand != "shiseido" || first.Price != 35.79 {
		t.Fatalf("first row %+v", first)
	}
	bad := t.TempDir() + "/bad.csv"
	_ = os.WriteFile(bad, []byte("event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session\n2019-10-01 00:00:00 UTC,view,1,2,,b,notaprice,3,s\n"), 0o600)
	if _, err := loadgen.ReadREES46(bad); !errors.Is(err, loadgen.ErrSource) || !strings.Contains(err.Error(), "bad.csv:2") {
		t.Fatalf("malformed row: %v", err)
	}
}

func TestOptionsAreValidated(t *testing.T) {
	for _, o := range []loadgen.Options{
		{URL: "ftp://x"}, {API: "v9"}, {BatchSize: -1}, {Concurrency: 5000}, {Rate: -1},
	} {
		if _, err := loadgen.Run(context.Background(), o, io.Discard); !errors.Is(err, loadgen.ErrInvalidOptions) {
			t.Errorf("%+v: got %v", o, err)
		}
	}
}

// TestPacingAndCounting runs against a fake proxy that fails one record in
// every request and throttles every tenth request.
func TestPacingAndCounting(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/vnd.kafka.avro.v2+json" || r.URL.Path != "/topics/user-events" {
			http.Error(w, "bad request", 400)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if strings.Count(string(body), `"event_id"`) != 10 {
			http.Error(w, "want 10 events", 400)
			return
		}
		if n.Add(1)%10 == 0 {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		fmt.Fprint(w, `{"offsets":[`+strings.Repeat(`{"partition":0,"offset":1,"error_code":null},`, 9)+`{"error_code":42203,"error":"x"}]}`)
	}))
	defer srv.Close()
	var out strings.Builder
	res, err := loadgen.Run(context.Background(), loadgen.Options{URL: srv.URL, Rate: 2000, BatchSize: 10, Duration: 1500 * time.Millisecond,
		Concurrency: 8, Progress: 500 * time.Millisecond}, &out)
	if err != nil {
		t.Fatal(err)
	}
	// 2000 events/s in batches of 10 is 200 requests/s: 300 in 1.5 s.
	if res.Requests < 270 || res.Requests > 310 {
		t.Errorf("paced %d requests in 1.5 s, want about 300", res.Requests)
	}
	throttled := res.Requests / 10
	if res.Throttled < throttled-1 || res.Throttled > throttled+1 || res.Accepted != (res.Requests-res.Throttled)*9 ||
		res.Events != res.Accepted+res.Rejected || res.Status[429] != res.Throttled {
		t.Errorf("counting: %+v", res)
	}
	if !strings.Contains(out.String(), "ev/s (target 2.0k)") || !strings.Contains(out.String(), "latency (from when each request was due)") {
		t.Errorf("progress/summary output:\n%s", out.String())
	}
}

// TestAgainstTheStack sends every API's requests, synthetic and replayed,
// through the real proxy: the proxy validates each event against the
// registered UserEvent schema, so zero rejections means the generator
// writes valid events; then the records are counted in Kafka.
func TestAgainstTheStack(t *testing.T) {
	needREES46(t)
	st := startStack(t)
	total := int64(0)
	for i, o := range []loadgen.Options{
		{API: loadgen.APIv2, BatchSize: 50, Events: 1000},
		{API: loadgen.APIv3, BatchSize: 1, Events: 200},
		{API: loadgen.APIv3, BatchSize: 40, Events: 400},
		{API: loadgen.APISDK, BatchSize: 20, Events: 400},
		{API: loadgen.APIv2, BatchSize: 100, Events: 2000, Source: rees46Path},
	} {
		// Distinct seeds: the same seed repeats event ids, which the
		// proxy's duplicate rule would (rightly) drop.
		o.URL, o.Concurrency, o.Progress, o.Seed = st.url, 4, -1, int64(7+i)
		var out strings.Builder
		res, err := loadgen.Run(context.Background(), o, &out)
		if err != nil {
			t.Fatal(err)
		}
		if res.Accepted != o.Events || res.Rejected != 0 || res.Failed != 0 {
			t.Fatalf("%s batch %d (%s): %+v\n%s", o.API, o.BatchSize, o.Source, res, out.String())
		}
		if o.Source == rees46Path && !strings.Contains(out.String(), loadgen.REES46Attribution) {
			t.Errorf("replay does not show the REES46 attribution:\n%s", out.String())
		}
		total += res.Accepted
	}
	// Accepted events are stored in user-events or, when an edge rule says
	// so, in the dead-letter topic (drops are rare: unique ids, and the
	// repeated-click rule only sees a user click one item twice in 1 s).
	stored := countRecords(t, st.broker, "user-events") + countRecords(t, st.broker, "user-events-dlq")
	if stored > total || stored < total*99/100 {
		t.Fatalf("stored %d records for %d accepted events", stored, total)
	}
}

func countRecords(t *testing.T, bootstrap, topic string) int64 {
	t.Helper()
	kc := kclient.Config{Bootstrap: bootstrap}
	c, err := kafka.NewConsumer(kc.Consumer("count", "count"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	md, err := c.GetMetadata(&topic, false, 10000)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, p := range md.Topics[topic].Partitions {
		lo, hi, err := c.QueryWatermarkOffsets(topic, p.ID, 10000)
		if err != nil {
			t.Fatal(err)
		}
		n += hi - lo
	}
	return n
}
