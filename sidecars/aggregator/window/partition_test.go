package window

import (
	"errors"
	"reflect"
	"testing"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

// Window [0, 30000) with 10 s grace closes when stream time reaches 40000:
// not at 39999, exactly at 40000, and an event for it after that is late.
func TestWindowBoundariesAndGrace(t *testing.T) {
	p := newPartition(t, DefaultSpec())
	var out sink
	add(t, p, &out, ev("a", "s1", avro.EventPageView, 0))     // first ms of window 0
	add(t, p, &out, ev("a", "s1", avro.EventPageView, 29999)) // last ms of window 0
	add(t, p, &out, ev("a", "s1", avro.EventPageView, 30000)) // first ms of window 1
	add(t, p, &out, ev("b", "s2", avro.EventPageView, 39999))
	if len(out.aggs) != 0 {
		t.Fatalf("window 0 closed at stream time 39999: %v", out.log)
	}
	// Out of order but within grace: still counts in window 0.
	if v := add(t, p, &out, ev("a", "s1", avro.EventClick, 10)); v != Accepted {
		t.Fatalf("event 39989 ms behind stream time: verdict %v, want Accepted", v)
	}
	add(t, p, &out, ev("b", "s2", avro.EventPageView, 40000))
	if len(out.aggs) != 1 {
		t.Fatalf("after stream time 40000: %d aggregates (%v), want window 0 of a", len(out.aggs), out.log)
	}
	a := out.aggs[0]
	if a.UserID != "a" || a.WindowStart != ms(0) || a.WindowEnd != ms(30000) {
		t.Errorf("aggregate for %s [%v, %v), want a [0, 30000)", a.UserID, a.WindowStart, a.WindowEnd)
	}
	if a.PageViews != 2 || a.Clicks != 1 || a.FirstEventTime != ms(0) || a.LastEventTime != ms(29999) {
		t.Errorf("aggregate %+v: want 2 page views, 1 click, first 0, last 29999", a)
	}
	if v := add(t, p, &out, ev("a", "s1", avro.EventPageView, 29999)); v != Late {
		t.Errorf("event for closed window 0: verdict %v, want Late", v)
	}
	// Window 1 of a is untouched by the late event and closes at 70000.
	add(t, p, &out, ev("b", "s2", avro.EventPageView, 69999))
	if len(out.aggs) != 1 {
		t.Fatalf("at stream time 69999 the windows starting at 30000 are still open: %v", out.log)
	}
	add(t, p, &out, ev("b", "s2", avro.EventPageView, 70000))
	var a1 *avro.BehaviorAggregate
	for _, x := range out.aggs {
		if x.UserID == "a" && x.WindowStart == ms(30000) {
			a1 = x
		}
	}
	if a1 == nil || a1.PageViews != 1 {
		t.Fatalf("window 1 of a: %+v, want one page view (the late event must not count)", a1)
	}
	if got := len(out.profiles); got != len(out.aggs) {
		t.Errorf("%d profile updates for %d aggregates; tumbling panes are the windows", got, len(out.aggs))
	}
}

// Every user gets its own record per window; a window with no events of a
// user gives nothing for that user.
func TestOneRecordPerUserAndWindow(t *testing.T) {
	p := newPartition(t, DefaultSpec())
	var out sink
	add(t, p, &out, ev("a", "s", avro.EventPageView, 1000))
	add(t, p, &out, ev("b", "t", avro.EventPageView, 2000))
	add(t, p, &out, ev("a", "s", avro.EventPageView, 95000)) // skips windows 1 and 2
	add(t, p, &out, ev("c", "u", avro.EventPageView, 200000))
	want := []string{"agg a 0", "profile a 0", "agg b 0", "profile b 0", "agg a 90000", "profile a 90000"}
	if !reflect.DeepEqual(out.log, want) {
		t.Errorf("records %v, want %v", out.log, want)
	}
	if w, _, users := p.Open(); w != 1 || users != 3 {
		// a and b keep their sessions open; c has one window.
		t.Errorf("Open() = %d windows, %d users; want 1, 3", w, users)
	}
}

func TestAggregateFields(t *testing.T) {
	p := newPartition(t, DefaultSpec())
	var out sink
	add(t, p, &out, ev("u", "s", avro.EventProductView, 100, item("i1"), cat("shoes"), price(10)))
	add(t, p, &out, ev("u", "s", avro.EventProductView, 200, item("i2"), cat("shoes"), price(30)))
	add(t, p, &out, ev("u", "s", avro.EventProductView, 300, item("i1"), cat("hats"), price(20)))
	add(t, p, &out, ev("u", "s", avro.EventProductView, 400, item("i3"))) // no price, no category
	add(t, p, &out, ev("u", "s", avro.EventClick, 500, item("i2"), cat("shoes")))
	add(t, p, &out, ev("u", "s", avro.EventAddToCart, 600, item("i2"), price(30), qty(2)))
	add(t, p, &out, ev("u", "s", avro.EventRemoveFromCart, 700, item("i2"), price(30)))
	add(t, p, &out, ev("u", "s", avro.EventPurchase, 800, item("i2"), cat("shoes"), price(30), qty(1)))
	add(t, p, &out, ev("u", "s", avro.EventPurchase, 850, item("i9"), price(0.285))) // no category
	add(t, p, &out, ev("u", "s", avro.EventSearch, 900))
	add(t, p, &out, ev("u", "s", avro.EventPageView, 950))
	add(t, p, &out, ev("u", "s", avro.EventUnknown, 960, item("i4")))
	add(t, p, &out, ev("x", "y", avro.EventPageView, 40000))
	if len(out.aggs) != 1 || len(out.profiles) != 1 {
		t.Fatalf("records %v, want one aggregate and one profile", out.log)
	}
	a := out.aggs[0]
	want := &avro.BehaviorAggregate{
		UserID: "u", WindowStart: ms(0), WindowEnd: ms(30000),
		PageViews: 1, ProductViews: 4, Clicks: 1, CartAdds: 1, CartRemoves: 1, Purchases: 2, Searches: 1,
		DistinctItems:   5,
		CategoryViews:   map[string]int32{"shoes": 2, "hats": 1},
		CategoryClicks:  map[string]int32{"shoes": 1},
		CartAddValue:    60,
		CartRemoveValue: 30,
		PurchaseValue:   30.285,
		MinViewedPrice:  ptr(10.0), MeanViewedPrice: ptr(20.0), MaxViewedPrice: ptr(30.0),
		FirstEventTime: ms(100), LastEventTime: ms(960),
		BehaviorScore: 0.1*1 + 1*4 + 0.5*1 + 3*1 + 0.5*1 + 5*2 + 0.5*1,
		ItemIDs:       []string{"i1", "i2", "i3", "i9", "i4"},
	}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("aggregate\n got %+v\nwant %+v", a, want)
	}
	pu := out.profiles[0]
	wantP := &avro.ProfileUpdate{
		UserID: "u", WindowStart: ms(0), WindowEnd: ms(30000),
		CategoryViews:     map[string]int64{"shoes": 2, "hats": 1},
		CategoryPurchases: map[string]int64{"shoes": 1},
		SpendMinor:        3000 + 29, // 0.285 rounds half away from zero per event
		PurchaseCount:     2,
		PriceViewSumMinor: 1000 + 3000 + 2000,
		PriceViewCount:    3,
		LastSeen:          ms(960),
		LastCategory:      ptr("shoes"), // the purchase at 800 is the latest event with one
	}
	if !reflect.DeepEqual(pu, wantP) {
		t.Errorf("profile\n got %+v\nwant %+v", pu, wantP)
	}
}

func TestItemIDsCappedButDistinctExact(t *testing.T) {
	p := newPartition(t, DefaultSpec())
	var out sink
	for i := 0; i < 70; i++ {
		add(t, p, &out, ev("u", "s", avro.EventProductView, int64(i), item(string(rune('A'+i%26))+string(rune('a'+i/26)))))
		add(t, p, &out, ev("u", "s", avro.EventClick, int64(i), item(string(rune('A'+i%26))+string(rune('a'+i/26)))))
	}
	add(t, p, &out, ev("x", "y", avro.EventPageView, 50000))
	a := out.aggs[0]
	if a.DistinctItems != 70 || len(a.ItemIDs) != avro.MaxAggregateItemIDs || a.ItemIDs[0] != "Aa" || a.ItemIDs[49] != "Xb" {
		t.Errorf("distinct %d, %d item ids from %s to %s; want 70, 50, Aa … Xb", a.DistinctItems, len(a.ItemIDs), a.ItemIDs[0], a.ItemIDs[len(a.ItemIDs)-1])
	}
}

// last_category follows event time, not arrival order.
func TestLastCategoryByEventTime(t *testing.T) {
	p := newPartition(t, DefaultSpec())
	var out sink
	add(t, p, &out, ev("u", "s", avro.EventProductView, 5000, cat("late-in-time")))
	add(t, p, &out, ev("u", "s", avro.EventProductView, 1000, cat("early-in-time")))
	add(t, p, &out, ev("u", "s", avro.EventPageView, 6000)) // no category: keeps the previous
	add(t, p, &out, ev("x", "y", avro.EventPageView, 40000))
	if got := out.profiles[0].LastCategory; got == nil || *got != "late-in-time" {
		t.Errorf("last_category %v, want late-in-time", got)
	}
	if got := out.profiles[0].LastSeen; got != ms(6000) {
		t.Errorf("last_seen %v, want 6000", got)
	}
}

func TestEmitterErrorPropagates(t *testing.T) {
	p := newPartition(t, DefaultSpec())
	var out sink
	add(t, p, &out, ev("u", "s", avro.EventPageView, 0))
	out.fail = errSink
	pe, _ := Prepare(ev("u", "s", avro.EventPageView, 50000))
	if _, err := p.Add(pe, &out); !errors.Is(err, errSink) {
		t.Errorf("Add with a failing emitter = %v, want the emitter's error", err)
	}
}

func TestAdvanceToClosesIdleWindows(t *testing.T) {
	p := newPartition(t, DefaultSpec())
	var out sink
	add(t, p, &out, ev("u", "s", avro.EventPageView, 1000))
	if at, ok := p.NextClose(); !ok || at != ms(40000) {
		t.Fatalf("NextClose = %v, %v; want 40000", at, ok)
	}
	if err := p.AdvanceTo(ms(39999), &out); err != nil || len(out.aggs) != 0 {
		t.Fatalf("AdvanceTo(39999): %v, %v", err, out.log)
	}
	if err := p.AdvanceTo(ms(40000), &out); err != nil || len(out.aggs) != 1 {
		t.Fatalf("AdvanceTo(40000): %v, %v", err, out.log)
	}
	if err := p.AdvanceTo(ms(1), &out); err != nil {
		t.Fatalf("AdvanceTo into the past: %v", err)
	}
	if st, _ := p.StreamTime(); st != ms(40000) {
		t.Errorf("stream time moved back to %v", st)
	}
}

// Closed accumulators are reused; nothing of an earlier window may leak
// into a later one.
func TestRecycledWindowsStartEmpty(t *testing.T) {
	p := newPartition(t, DefaultSpec())
	var out sink
	var many []func(*avro.UserEvent)
	add(t, p, &out, ev("a", "s", avro.EventPurchase, 100, item("x"), cat("c1"), price(10)))
	for i := 0; i < 20; i++ { // past indexAt, so maps get built too
		many = append(many, item(string(rune('A'+i))), cat(string(rune('a'+i))))
		add(t, p, &out, ev("a", "s", avro.EventProductView, 200, many[len(many)-2], many[len(many)-1], price(float64(i))))
	}
	add(t, p, &out, ev("x", "y", avro.EventPageView, 45000)) // closes a's window
	add(t, p, &out, ev("b", "t", avro.EventClick, 45000))    // opens b's in a's old accumulator
	add(t, p, &out, ev("x", "y", avro.EventPageView, 90000))
	if n := len(p.freeB); n == 0 {
		t.Fatal("no accumulator was recycled")
	}
	var b *avro.BehaviorAggregate
	var bp *avro.ProfileUpdate
	for i, a := range out.aggs {
		if a.UserID == "b" {
			b, bp = a, out.profiles[i]
		}
	}
	if b == nil {
		t.Fatalf("no aggregate for b: %v", out.log)
	}
	want := &avro.BehaviorAggregate{UserID: "b", WindowStart: ms(30000), WindowEnd: ms(60000), Clicks: 1,
		CategoryViews: map[string]int32{}, CategoryClicks: map[string]int32{}, ItemIDs: []string{},
		FirstEventTime: ms(45000), LastEventTime: ms(45000), BehaviorScore: 0.5}
	if !reflect.DeepEqual(b, want) {
		t.Errorf("recycled window of b\n got %+v\nwant %+v", b, want)
	}
	if bp.SpendMinor != 0 || bp.PurchaseCount != 0 || len(bp.CategoryViews) != 0 || bp.LastCategory != nil || bp.PriceViewCount != 0 {
		t.Errorf("recycled profile of b carries old data: %+v", bp)
	}
}
