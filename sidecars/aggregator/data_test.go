package aggregator_test

import (
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

// reesFile is the real clickstream slice (REES46 via Kaggle, see
// ../shared/data/README.md for source and terms), read in place relative
// to the repository root and never copied into the repository.
const reesFile = "../shared/data/rees46-multicategory/events_2019-10-01T0000-0250Z.csv.gz"

func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

func ptr[T any](v T) *T { return &v }

func eventID(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

// loadRees maps the CSV to UserEvents: view → PRODUCT_VIEW, cart →
// ADD_TO_CART, purchase → PURCHASE; category is category_code (null when
// empty), prices are USD. limit 0 reads everything. ok is false when the
// file is not there (a checkout without the shared data).
func loadRees(t testing.TB, limit int) ([]*avro.UserEvent, bool) {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot(t), reesFile))
	if os.IsNotExist(err) {
		return nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(zr)
	if _, err := r.Read(); err != nil { // header
		t.Fatal(err)
	}
	types := map[string]avro.EventType{"view": avro.EventProductView, "cart": avro.EventAddToCart, "purchase": avro.EventPurchase}
	var out []*avro.UserEvent
	for n := 0; limit == 0 || n < limit; n++ {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("reading %s: %v", reesFile, err)
		}
		ts, err := time.Parse("2006-01-02 15:04:05 UTC", row[0])
		if err != nil {
			t.Fatalf("row %d: event_time %q: %v", n, row[0], err)
		}
		typ, ok := types[row[1]]
		if !ok {
			t.Fatalf("row %d: unknown event_type %q", n, row[1])
		}
		price, err := strconv.ParseFloat(row[6], 64)
		if err != nil {
			t.Fatalf("row %d: price %q: %v", n, row[6], err)
		}
		e := &avro.UserEvent{
			EventID: eventID(n), EventType: typ, UserID: row[7], SessionID: row[8], EventTime: ts.UTC(),
			ItemID: ptr(row[2]), Price: &price, Currency: ptr("USD"), Attributes: map[string]string{},
		}
		if row[4] != "" {
			e.Category = ptr(row[4])
		}
		if row[5] != "" {
			e.Brand = ptr(row[5])
		}
		out = append(out, e)
	}
	return out, true
}

// syntheticBase stands in for the real data when it is absent: a seeded
// clickstream of similar shape.
func syntheticBase(n int) []*avro.UserEvent {
	r := rand.New(rand.NewPCG(1, 2))
	types := []avro.EventType{avro.EventProductView, avro.EventProductView, avro.EventProductView, avro.EventAddToCart, avro.EventPurchase, avro.EventClick}
	now := time.Date(2019, 10, 1, 0, 0, 0, 0, time.UTC)
	out := make([]*avro.UserEvent, n)
	for i := range out {
		now = now.Add(time.Duration(r.IntN(800)) * time.Millisecond)
		u := fmt.Sprint(500000000 + r.IntN(800))
		price := float64(r.IntN(50000)) / 100
		out[i] = &avro.UserEvent{
			EventID: eventID(i), EventType: types[r.IntN(len(types))], UserID: u, SessionID: u + "-s",
			EventTime: now, ItemID: ptr(fmt.Sprint(r.IntN(300))), Category: ptr(fmt.Sprint("c", r.IntN(8))),
			Price: &price, Currency: ptr("USD"), Attributes: map[string]string{},
		}
	}
	return out
}

// buildLog returns per-partition logs: the base events, edge cases
// inserted mid-partition relative to that partition's stream time, and a
// sentinel far in the future at the end of each partition that closes
// every window and session before it.
func buildLog(t testing.TB, base []*avro.UserEvent) [][]record {
	parts := make([][]record, numPartitions)
	var maxT int64
	for _, e := range base {
		p := partitionOf(e.UserID)
		parts[p] = append(parts[p], record{key: e.UserID, ev: e, label: "base"})
		maxT = max(maxT, e.EventTime.UnixMilli())
	}
	id := len(base)
	next := func() string { id++; return eventID(id) }
	ev := func(user string, typ avro.EventType, t int64, mods ...func(*avro.UserEvent)) record {
		e := &avro.UserEvent{EventID: next(), EventType: typ, UserID: user, SessionID: user + "-visit", EventTime: time.UnixMilli(t).UTC(), Attributes: map[string]string{}}
		for _, m := range mods {
			m(e)
		}
		return record{key: user, ev: e, label: fmt.Sprintf("%s %s at %d", user, typ, t)}
	}
	item := func(s string) func(*avro.UserEvent) { return func(e *avro.UserEvent) { e.ItemID = &s } }
	cat := func(s string) func(*avro.UserEvent) { return func(e *avro.UserEvent) { e.Category = &s } }
	price := func(p float64, cur string) func(*avro.UserEvent) {
		return func(e *avro.UserEvent) { e.Price, e.Currency = &p, &cur }
	}
	qty := func(q int32) func(*avro.UserEvent) { return func(e *avro.UserEvent) { e.Quantity = &q } }
	insert := func(user string, at float64, build func(m int64) []record) {
		p := partitionOf(user)
		i := int(float64(len(parts[p])) * at)
		var m int64
		for _, r := range parts[p][:i] {
			if r.ev != nil {
				m = max(m, r.ev.EventTime.UnixMilli())
			}
		}
		recs := build(m)
		parts[p] = append(parts[p][:i], append(recs, parts[p][i:]...)...)
	}
	insert("edge-grace", 0.5, func(m int64) []record {
		return []record{
			ev("edge-grace", avro.EventPageView, m-5000), // 5 s behind stream time: counts
			ev("edge-grace", avro.EventProductView, m-4000, item("e1"), cat("edge.cat"), price(0.285, "USD")),
			ev("edge-grace", avro.EventProductView, m-3000, item("e2"), cat("edge.cat"), price(1234.5, "JPY")),
			ev("edge-grace", avro.EventAddToCart, m-2500, item("e1"), qty(3)),
			ev("edge-grace", avro.EventRemoveFromCart, m-2400, item("e1"), price(0.285, "USD"), qty(2)),
			ev("edge-grace", avro.EventPurchase, m-2000, item("e2"), cat("edge.cat"), price(1234.5, "JPY"), qty(3)),
			ev("edge-grace", avro.EventPurchase, m-1500, item("e3"), price(19.99, "USD")),
			ev("edge-grace", avro.EventClick, m-1000, item("e3"), cat("edge.other")),
			ev("edge-grace", avro.EventSearch, m-900),
			ev("edge-grace", avro.EventUnknown, m-800, item("e4")),
		}
	})
	insert("edge-late", 0.6, func(m int64) []record {
		return []record{ev("edge-late", avro.EventProductView, m-60000, item("late"))}
	})
	insert("edge-boundary", 0.4, func(m int64) []record {
		start := (m/30000 + 1) * 30000
		return []record{
			ev("edge-boundary", avro.EventPageView, start-1),
			ev("edge-boundary", avro.EventPageView, start),
			ev("edge-boundary", avro.EventPageView, start+29999),
		}
	})
	insert("edge-bad", 0.3, func(m int64) []record {
		wrongKey := ev("someone-else", avro.EventPageView, m)
		wrongKey.key = "edge-bad"
		return []record{
			wrongKey,
			ev("edge-bad", avro.EventProductView, m, price(-1, "USD")),
			ev("edge-bad", avro.EventPurchase, m, qty(0)),
			{key: "edge-bad", raw: []byte("not avro at all"), label: "garbage"},
			{key: "edge-bad", raw: nil, label: "tombstone"},
		}
	})
	// The same session id after more than the timeout: a second session.
	insert("edge-sess", 0.2, func(m int64) []record {
		return []record{ev("edge-sess", avro.EventProductView, m, item("s1"))}
	})
	insert("edge-sess", 0.9, func(m int64) []record {
		return []record{ev("edge-sess", avro.EventProductView, m, item("s2"))}
	})
	for p := int32(0); p < numPartitions; p++ {
		for k := 0; ; k++ {
			user := fmt.Sprintf("sentinel-%d-%d", p, k)
			if partitionOf(user) == p {
				parts[p] = append(parts[p], ev(user, avro.EventPageView, maxT+3*time.Hour.Milliseconds()))
				break
			}
		}
	}
	return parts
}

// interleave orders the partition logs round robin, the way concurrent
// producers would write them; each partition keeps its own order.
func interleave(parts [][]record) []record {
	var out []record
	for i := 0; ; i++ {
		added := false
		for _, p := range parts {
			if i < len(p) {
				out = append(out, p[i])
				added = true
			}
		}
		if !added {
			return out
		}
	}
}
