package window

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

func shortSessions() Spec {
	s := DefaultSpec()
	s.SessionTimeout = time.Minute
	return s
}

func TestSessionUpsertsAreDebouncedPerFlush(t *testing.T) {
	p := newPartition(t, shortSessions())
	var out sink
	add(t, p, &out, ev("u", "s", avro.EventPageView, 1000))
	add(t, p, &out, ev("u", "s", avro.EventProductView, 2000, item("i1")))
	add(t, p, &out, ev("v", "t", avro.EventPageView, 2500))
	if len(out.sessions) != 0 {
		t.Fatalf("sessions emitted before a flush: %v", out.log)
	}
	if err := p.FlushSessions(&out); err != nil {
		t.Fatal(err)
	}
	want := []string{"session s ended=false n=2", "session t ended=false n=1"}
	if !reflect.DeepEqual(out.log, want) {
		t.Fatalf("first flush %v, want %v", out.log, want)
	}
	out.reset()
	if err := p.FlushSessions(&out); err != nil || len(out.log) != 0 {
		t.Fatalf("flush without changes: %v, %v", err, out.log)
	}
	add(t, p, &out, ev("u", "s", avro.EventClick, 3000))
	if err := p.FlushSessions(&out); err != nil {
		t.Fatal(err)
	}
	if want := []string{"session s ended=false n=3"}; !reflect.DeepEqual(out.log, want) {
		t.Fatalf("second flush %v, want %v", out.log, want)
	}
}

// A session with its last event at 3 s and a 60 s timeout expires at 63 s;
// the pane [60 s, 90 s) holding that closes at 100 s with 10 s grace.
func TestSessionEndsAfterInactivity(t *testing.T) {
	p := newPartition(t, shortSessions())
	var out sink
	add(t, p, &out, ev("u", "s", avro.EventPageView, 1000))
	add(t, p, &out, ev("u", "s", avro.EventPageView, 3000))
	if err := p.FlushSessions(&out); err != nil {
		t.Fatal(err)
	}
	add(t, p, &out, ev("u", "s", avro.EventPageView, 2000)) // out of order, changes nothing but the count
	add(t, p, &out, ev("x", "y", avro.EventPageView, 99999))
	for _, s := range out.sessions {
		if s.Ended {
			t.Fatalf("session ended at stream time 99999: %v", out.log)
		}
	}
	out.reset()
	add(t, p, &out, ev("x", "y", avro.EventPageView, 100000))
	var final *avro.SessionFeatures
	for _, s := range out.sessions {
		if s.SessionID == "s" {
			final = s
		}
	}
	if final == nil || !final.Ended || final.EventCount != 3 || final.StartedAt != ms(1000) || final.DurationMS != 2000 {
		t.Fatalf("final record %+v, want ended with 3 events from 1000 lasting 2000 ms", final)
	}
	// Pending changes of an ended session are not flushed after its final
	// record: ended appears only on the last record.
	out.reset()
	if err := p.FlushSessions(&out); err != nil {
		t.Fatal(err)
	}
	for _, s := range out.sessions {
		if s.SessionID == "s" {
			t.Fatalf("record for session s after its final one: %+v", s)
		}
	}
	// The same session id after the end starts a new session.
	out.reset()
	add(t, p, &out, ev("u", "s", avro.EventPageView, 100500))
	if err := p.FlushSessions(&out); err != nil {
		t.Fatal(err)
	}
	if len(out.sessions) == 0 || out.sessions[0].SessionID != "s" || out.sessions[0].EventCount != 1 || out.sessions[0].Ended {
		t.Fatalf("reused session id: %v", out.log)
	}
}

// Extending a session moves its end; the timer armed for the first event
// must not end it early.
func TestSessionExtensionMovesEnd(t *testing.T) {
	p := newPartition(t, shortSessions())
	var out sink
	add(t, p, &out, ev("u", "s", avro.EventPageView, 0))     // would end at 100 s
	add(t, p, &out, ev("u", "s", avro.EventPageView, 50000)) // now ends at 130 s (63 s → pane 90 s, ...)
	add(t, p, &out, ev("x", "y", avro.EventPageView, 129999))
	for _, s := range out.sessions {
		if s.SessionID == "s" && s.Ended {
			t.Fatalf("extended session ended early: %v", out.log)
		}
	}
	add(t, p, &out, ev("x", "y", avro.EventPageView, 130000))
	ended := false
	for _, s := range out.sessions {
		ended = ended || (s.SessionID == "s" && s.Ended)
	}
	if !ended {
		t.Fatalf("extended session did not end at 130000: %v", out.log)
	}
}

func TestSessionFeatures(t *testing.T) {
	p := newPartition(t, shortSessions())
	var out sink
	add(t, p, &out, ev("u", "s", avro.EventProductView, 100, item("a"), cat("c1"), price(5)))
	add(t, p, &out, ev("u", "s", avro.EventProductView, 200, item("b"), cat("c1"), price(7)))
	add(t, p, &out, ev("u", "s", avro.EventProductView, 300, item("a"), cat("c2")))
	add(t, p, &out, ev("u", "s", avro.EventAddToCart, 400, item("a"), qty(3)))   // priced by the view at 100
	add(t, p, &out, ev("u", "s", avro.EventAddToCart, 500, item("b"), price(8))) // new last price of b
	add(t, p, &out, ev("u", "s", avro.EventAddToCart, 550, item("z")))           // never priced
	add(t, p, &out, ev("u", "s", avro.EventRemoveFromCart, 600, item("a"), qty(1)))
	add(t, p, &out, ev("u", "s", avro.EventAddToCart, 650, item("c"), price(1)))
	add(t, p, &out, ev("u", "s", avro.EventRemoveFromCart, 700, item("c"), qty(5))) // below zero: removed
	add(t, p, &out, ev("u", "s", avro.EventSearch, 800))
	add(t, p, &out, ev("u", "s", avro.EventPurchase, 900, item("b"), price(8)))
	if err := p.FlushSessions(&out); err != nil {
		t.Fatal(err)
	}
	want := &avro.SessionFeatures{
		SessionID: "s", UserID: "u", StartedAt: ms(100), LastEventAt: ms(900),
		EventCount: 11, ProductViews: 3, CartAdds: 4, CartRemoves: 2, Purchases: 1, Searches: 1,
		RecentItems: []string{"a", "b"},
		CartItems:   map[string]int32{"a": 2, "b": 1, "z": 1},
		CartValue:   2*5 + 8,
		Categories:  map[string]int32{"c1": 2, "c2": 1},
		DurationMS:  800,
	}
	if got := out.sessions[0]; !reflect.DeepEqual(got, want) {
		t.Errorf("session\n got %+v\nwant %+v", got, want)
	}
}

func TestRecentItemsMostRecentFirstCapped(t *testing.T) {
	p := newPartition(t, shortSessions())
	var out sink
	for i := 0; i < 25; i++ {
		add(t, p, &out, ev("u", "s", avro.EventProductView, int64(i), item(fmt.Sprint("i", i))))
	}
	add(t, p, &out, ev("u", "s", avro.EventProductView, 30, item("i10"))) // seen again: moves to front
	add(t, p, &out, ev("u", "s", avro.EventClick, 31, item("i0")))        // clicks do not count as views
	if err := p.FlushSessions(&out); err != nil {
		t.Fatal(err)
	}
	got := out.sessions[0].RecentItems
	if len(got) != avro.MaxRecentItems || got[0] != "i10" || got[1] != "i24" || got[19] != "i5" {
		t.Errorf("recent items %v, want 20 items: i10, i24 … i5 (i0-i4 pushed out)", got)
	}
}

func TestSessionPriceBookIsBounded(t *testing.T) {
	p := newPartition(t, shortSessions())
	var out sink
	add(t, p, &out, ev("u", "s", avro.EventAddToCart, 0, item("kept"), price(2)))
	for i := 0; i < MaxSessionPrices+50; i++ {
		add(t, p, &out, ev("u", "s", avro.EventProductView, int64(i+1), item(fmt.Sprint("v", i)), price(1)))
	}
	add(t, p, &out, ev("u", "s", avro.EventAddToCart, 1000, item("v0"))) // its price was evicted
	add(t, p, &out, ev("u", "s", avro.EventAddToCart, 1001, item(fmt.Sprint("v", MaxSessionPrices+49))))
	u := p.users["u"]
	if n := len(u.sessions[0].prices.keys); n != MaxSessionPrices {
		t.Fatalf("price book holds %d items, want %d", n, MaxSessionPrices)
	}
	if err := p.FlushSessions(&out); err != nil {
		t.Fatal(err)
	}
	// kept (2) stays priced because it is in the cart; v0 was forgotten;
	// the most recent view keeps its price (1).
	if got := out.sessions[0].CartValue; got != 3 {
		t.Errorf("cart value %v, want 3", got)
	}
}

// State per user is bounded so no changelog record can outgrow a Kafka
// record, whatever a crawler sends.
func TestStateIsBounded(t *testing.T) {
	p := newPartition(t, shortSessions())
	var out sink
	for i := 0; i < MaxDistinctItems+100; i++ {
		id := fmt.Sprint("item-", i)
		c := fmt.Sprint("cat-", i%(MaxCategories+50))
		add(t, p, &out, ev("bot", "s", avro.EventProductView, 1000, item(id), cat(c)))
		if i < MaxCartItems+20 {
			add(t, p, &out, ev("bot", "s", avro.EventAddToCart, 1000, item(id)))
		}
	}
	if err := p.FlushSessions(&out); err != nil {
		t.Fatal(err)
	}
	s := out.sessions[len(out.sessions)-1]
	if len(s.CartItems) != MaxCartItems || len(s.Categories) != MaxCategories {
		t.Errorf("session holds %d cart items and %d categories, want %d and %d", len(s.CartItems), len(s.Categories), MaxCartItems, MaxCategories)
	}
	var size int
	if err := p.Changelog(func(k, v []byte) error { size = max(size, len(v)); return nil }); err != nil {
		t.Fatal(err)
	}
	if size > 512<<10 {
		t.Errorf("largest changelog value %d bytes, want well under Kafka's 1 MiB default", size)
	}
	add(t, p, &out, ev("x", "y", avro.EventPageView, 50000))
	a := out.aggs[0]
	if a.DistinctItems != MaxDistinctItems || len(a.CategoryViews) != MaxCategories || a.ProductViews != MaxDistinctItems+100 {
		t.Errorf("aggregate: %d distinct items, %d categories, %d views; want %d, %d, %d",
			a.DistinctItems, len(a.CategoryViews), a.ProductViews, MaxDistinctItems, MaxCategories, MaxDistinctItems+100)
	}
	t.Logf("largest changelog value: %d bytes", size)
}
