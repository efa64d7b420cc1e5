package window

import (
	"slices"
	"strings"
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
	recentF []uint64       // fingerprints of recent
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
		s.prices.note(e.item, e.itemFP, e.price, s.events, &s.cart)
	}
	if !e.hasItem {
		return
	}
	switch e.typ {
	case typeProductView:
		s.touchRecent(e.item, e.itemFP)
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

// touchRecent moves item, whose fingerprint is fp, to the front of the
// recently viewed items.
func (s *session) touchRecent(item string, fp uint64) {
	i := 0
	for ; i < len(s.recentF); i++ {
		if s.recentF[i] == fp && s.recent[i] == item {
			break
		}
	}
	switch {
	case i < len(s.recent): // seen: move to front
	case s.recent == nil:
		s.recent, s.recentF = make([]string, 1, firstCap), make([]uint64, 1, firstCap)
	case len(s.recent) < avro.MaxRecentItems:
		s.recent = append(s.recent, "")
		s.recentF = append(s.recentF, 0)
	default: // full: drop the oldest
		i = len(s.recent) - 1
	}
	copy(s.recent[1:i+1], s.recent[:i])
	copy(s.recentF[1:i+1], s.recentF[:i])
	s.recent[0], s.recentF[0] = item, fp
}

// cartValue sums units × last price over the cart in item-id order, so the
// float result does not depend on insertion or map order. order is scratch
// space for the sort, reused across calls.
func (s *session) cartValue(order *[]int) float64 {
	if s.cart.len() == 0 {
		return 0
	}
	o := (*order)[:0]
	for i := range s.cart.keys {
		o = append(o, i)
	}
	*order = o
	keys := s.cart.keys
	slices.SortFunc(o, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	var v float64
	for _, i := range o {
		if p, ok := s.prices.get(s.cart.keys[i]); ok {
			v += float64(s.cart.vals[i]) * p
		}
	}
	return v
}

// fill writes the session's record into f, reusing f's maps and slices;
// without maps, the map fields are left nil (see CountsEmitter).
func (s *session) fill(f *avro.SessionFeatures, r *scratch, user string, ended, maps bool) {
	cart, cats := f.CartItems, f.Categories
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
		CartValue:    s.cartValue(&r.order),
		DurationMS:   s.last - s.started,
		Ended:        ended,
	}
	if maps {
		f.CartItems, f.Categories = int32Map(cart, &s.cart), int32Map(cats, &s.cats)
	}
}
