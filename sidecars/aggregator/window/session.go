package window

import (
	"sort"
	"time"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

// MaxSessionPrices caps how many items' last-seen prices a session keeps
// for cart_value. Beyond it the least recently priced items that are not in
// the cart are forgotten, so a crawler's endless session cannot grow state
// (and its changelog record) without bound.
const MaxSessionPrices = 256

// session accumulates the running SessionFeatures of one session.
type session struct {
	id      string
	started int64 // smallest event_time seen
	last    int64 // largest event_time seen
	events  int64
	counts  [numTypes]int64
	recent  []string       // viewed item ids, most recent first, ≤ avro.MaxRecentItems
	cart    counter[int64] // item → units
	prices  priceBook
	cats    counter[int64]
	// dirty marks a change not yet emitted as an upsert; ended marks a
	// session whose final record went out, so stale timers skip it.
	dirty bool
	ended bool
}

func (s *session) add(e *Event) {
	if s.events == 0 || e.time < s.started {
		s.started = e.time
	}
	if s.events == 0 || e.time > s.last {
		s.last = e.time
	}
	s.events++
	if e.typ != typeOther {
		s.counts[e.typ]++
	}
	if e.hasCat {
		s.cats.addCapped(e.category, 1, MaxCategories)
	}
	if e.hasItem && e.hasPrice {
		s.prices.note(e.item, e.price, s.events, &s.cart)
	}
	if !e.hasItem {
		return
	}
	switch e.typ {
	case typeProductView:
		s.touchRecent(e.item)
	case typeCartAdd:
		s.cart.addCapped(e.item, e.qty, MaxCartItems)
	case typeCartRemove:
		if q, ok := s.cart.get(e.item); ok {
			if q -= e.qty; q > 0 {
				s.cart.set(e.item, q)
			} else {
				s.cart.del(e.item)
			}
		}
	}
}

func (s *session) touchRecent(item string) {
	i := 0
	for ; i < len(s.recent); i++ {
		if s.recent[i] == item {
			break
		}
	}
	switch {
	case i < len(s.recent): // seen: move to front
	case len(s.recent) < avro.MaxRecentItems:
		s.recent = append(s.recent, "")
	default: // full: drop the oldest
		i = len(s.recent) - 1
	}
	copy(s.recent[1:i+1], s.recent[:i])
	s.recent[0] = item
}

// cartValue sums units × last price over the cart in item-id order, so the
// float result does not depend on insertion or map order.
func (s *session) cartValue() float64 {
	if s.cart.len() == 0 {
		return 0
	}
	order := make([]int, s.cart.len())
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return s.cart.keys[order[a]] < s.cart.keys[order[b]] })
	var v float64
	for _, i := range order {
		if p, ok := s.prices.get(s.cart.keys[i]); ok {
			v += float64(s.cart.vals[i]) * p
		}
	}
	return v
}

// fill writes the session's record into f, reusing f's maps and slices.
func (s *session) fill(f *avro.SessionFeatures, user string, ended bool) {
	*f = avro.SessionFeatures{
		SessionID:    s.id,
		UserID:       user,
		StartedAt:    time.UnixMilli(s.started).UTC(),
		LastEventAt:  time.UnixMilli(s.last).UTC(),
		EventCount:   clamp32(s.events),
		ProductViews: clamp32(s.counts[typeProductView]),
		Clicks:       clamp32(s.counts[typeClick]),
		CartAdds:     clamp32(s.counts[typeCartAdd]),
		CartRemoves:  clamp32(s.counts[typeCartRemove]),
		Purchases:    clamp32(s.counts[typePurchase]),
		Searches:     clamp32(s.counts[typeSearch]),
		RecentItems:  append(f.RecentItems[:0], s.recent...),
		CartItems:    int32Map(f.CartItems, &s.cart),
		CartValue:    s.cartValue(),
		Categories:   int32Map(f.Categories, &s.cats),
		DurationMS:   s.last - s.started,
		Ended:        ended,
	}
}
