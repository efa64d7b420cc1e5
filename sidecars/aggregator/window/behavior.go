package window

import (
	"time"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

// Bounds on the state of one user, so that no storm of events (a crawler,
// a replay bug) can grow a window or session, and with it its changelog
// record, past what a Kafka record can hold; a changelog write that fails
// would stop the partition for good. Real shoppers stay far below them.
const (
	// MaxDistinctItems caps the distinct items tracked per window:
	// distinct_items is exact up to it and saturates there.
	MaxDistinctItems = 5000
	// MaxCategories caps the categories counted per window, pane and
	// session; further categories are not counted in the per-category maps.
	MaxCategories = 1000
	// MaxCartItems caps the distinct items in a session's cart; adding
	// another item beyond it leaves the cart unchanged.
	MaxCartItems = 1000
)

// strset is an insertion-ordered set of strings, scanned linearly while
// small like counter.
type strset struct {
	keys []string
	idx  map[string]struct{}
}

// add reports whether k was new.
func (s *strset) add(k string) bool {
	if s.idx != nil {
		if _, ok := s.idx[k]; ok {
			return false
		}
		s.idx[k] = struct{}{}
		s.keys = append(s.keys, k)
		return true
	}
	for _, key := range s.keys {
		if same(key, k) {
			return false
		}
	}
	s.keys = append(s.keys, k)
	if len(s.keys) > indexAt {
		s.idx = make(map[string]struct{}, len(s.keys))
		for _, key := range s.keys {
			s.idx[key] = struct{}{}
		}
	}
	return true
}

// reset empties s, keeping its capacity.
func (s *strset) reset() {
	clear(s.keys)
	s.keys, s.idx = s.keys[:0], nil
}

// behavior accumulates one user's BehaviorAggregate for one window.
type behavior struct {
	start      int64
	counts     [numTypes]int64
	items      strset // distinct item ids, first-seen order
	catViews   counter[int64]
	catClicks  counter[int64]
	cartAdd    float64
	cartRemove float64
	purchase   float64
	viewN      int64 // priced PRODUCT_VIEW events
	viewSum    float64
	viewMin    float64
	viewMax    float64
	first      int64
	last       int64
	seen       bool // first and last are set
}

// reset makes b a fresh accumulator for reuse, keeping slice capacity.
func (b *behavior) reset() {
	b.items.reset()
	b.catViews.reset()
	b.catClicks.reset()
	*b = behavior{items: b.items, catViews: b.catViews, catClicks: b.catClicks}
}

func (b *behavior) add(e *Event) {
	if e.typ != typeOther {
		b.counts[e.typ]++
	}
	if e.hasItem && len(b.items.keys) < MaxDistinctItems {
		b.items.add(e.item)
	}
	switch e.typ {
	case typeProductView:
		if e.hasCat {
			b.catViews.addCapped(e.category, 1, MaxCategories)
		}
		if e.hasPrice {
			if b.viewN == 0 || e.price < b.viewMin {
				b.viewMin = e.price
			}
			if b.viewN == 0 || e.price > b.viewMax {
				b.viewMax = e.price
			}
			b.viewN++
			b.viewSum += e.price
		}
	case typeClick:
		if e.hasCat {
			b.catClicks.addCapped(e.category, 1, MaxCategories)
		}
	case typeCartAdd:
		b.cartAdd += e.value()
	case typeCartRemove:
		b.cartRemove += e.value()
	case typePurchase:
		b.purchase += e.value()
	}
	if !b.seen || e.time < b.first {
		b.first = e.time
	}
	if !b.seen || e.time > b.last {
		b.last = e.time
	}
	b.seen = true
}

// fill writes the window's record into a, reusing a's maps and slices;
// without maps, the map fields are left nil (see CountsEmitter).
func (b *behavior) fill(a *avro.BehaviorAggregate, r *scratch, user string, size int64, w *Weights, maps bool) {
	n := len(b.items.keys)
	views, clicks := a.CategoryViews, a.CategoryClicks
	*a = avro.BehaviorAggregate{
		UserID:          user,
		WindowStart:     time.UnixMilli(b.start).UTC(),
		WindowEnd:       time.UnixMilli(b.start + size).UTC(),
		PageViews:       clamp32(b.counts[typePageView]),
		ProductViews:    clamp32(b.counts[typeProductView]),
		Clicks:          clamp32(b.counts[typeClick]),
		CartAdds:        clamp32(b.counts[typeCartAdd]),
		CartRemoves:     clamp32(b.counts[typeCartRemove]),
		Purchases:       clamp32(b.counts[typePurchase]),
		Searches:        clamp32(b.counts[typeSearch]),
		DistinctItems:   clamp32(int64(n)),
		CartAddValue:    b.cartAdd,
		CartRemoveValue: b.cartRemove,
		PurchaseValue:   b.purchase,
		FirstEventTime:  time.UnixMilli(b.first).UTC(),
		LastEventTime:   time.UnixMilli(b.last).UTC(),
		BehaviorScore:   w.score(&b.counts),
		ItemIDs:         append(a.ItemIDs[:0], b.items.keys[:min(n, avro.MaxAggregateItemIDs)]...),
	}
	if maps {
		a.CategoryViews, a.CategoryClicks = int32Map(views, &b.catViews), int32Map(clicks, &b.catClicks)
	}
	if b.viewN > 0 {
		r.minPrice, r.maxPrice, r.meanPrice = b.viewMin, b.viewMax, b.viewSum/float64(b.viewN)
		a.MinViewedPrice, a.MaxViewedPrice, a.MeanViewedPrice = &r.minPrice, &r.maxPrice, &r.meanPrice
	}
}

// profile accumulates one user's ProfileUpdate deltas for one pane. With
// tumbling windows a pane is the window; with hopping windows panes are the
// Advance-long slices, so that each event adds to a profile exactly once.
type profile struct {
	start        int64
	catViews     counter[int64]
	catPurchases counter[int64] // units
	spendMinor   int64
	purchases    int64
	viewSumMinor int64
	viewCount    int64
	lastSeen     int64
	lastCat      string
	lastCatTime  int64
	hasLastCat   bool
	seen         bool
}

// reset makes p a fresh accumulator for reuse, keeping slice capacity.
func (p *profile) reset() {
	p.catViews.reset()
	p.catPurchases.reset()
	*p = profile{catViews: p.catViews, catPurchases: p.catPurchases}
}

func (p *profile) add(e *Event) {
	switch e.typ {
	case typeProductView:
		if e.hasCat {
			p.catViews.addCapped(e.category, 1, MaxCategories)
		}
		if e.hasPrice {
			p.viewSumMinor += e.minor
			p.viewCount++
		}
	case typePurchase:
		p.purchases++
		if e.hasCat {
			p.catPurchases.addCapped(e.category, e.qty, MaxCategories)
		}
		p.spendMinor += e.minor
	}
	if !p.seen || e.time > p.lastSeen {
		p.lastSeen = e.time
	}
	p.seen = true
	// The latest event with a category wins; on equal times the one read
	// last does, as it would in a log replayed in order.
	if e.hasCat && (!p.hasLastCat || e.time >= p.lastCatTime) {
		p.lastCat, p.lastCatTime, p.hasLastCat = e.category, e.time, true
	}
}

// fill writes the pane's record into u, reusing u's maps; without maps,
// the map fields are left nil (see CountsEmitter).
func (p *profile) fill(u *avro.ProfileUpdate, r *scratch, user string, adv int64, maps bool) {
	views, purchases := u.CategoryViews, u.CategoryPurchases
	*u = avro.ProfileUpdate{
		UserID:            user,
		WindowStart:       time.UnixMilli(p.start).UTC(),
		WindowEnd:         time.UnixMilli(p.start + adv).UTC(),
		SpendMinor:        p.spendMinor,
		PurchaseCount:     p.purchases,
		PriceViewSumMinor: p.viewSumMinor,
		PriceViewCount:    p.viewCount,
		LastSeen:          time.UnixMilli(p.lastSeen).UTC(),
	}
	if maps {
		u.CategoryViews, u.CategoryPurchases = int64Map(views, &p.catViews), int64Map(purchases, &p.catPurchases)
	}
	if p.hasLastCat {
		r.lastCat = p.lastCat
		u.LastCategory = &r.lastCat
	}
}

// scratch holds the records a Partition hands to its Emitter, reused from
// one call to the next so emitting allocates next to nothing.
type scratch struct {
	agg                           avro.BehaviorAggregate
	prof                          avro.ProfileUpdate
	sess                          avro.SessionFeatures
	minPrice, maxPrice, meanPrice float64
	lastCat                       string
	order                         []int // cart sort order
}
