package aggregator_test

import (
	"math"
	"math/big"
	"sort"
	"strconv"
	"time"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

// The reference computes, independently of package window, what the
// aggregator must emit for a partitioned event log. It works in batch: it
// first decides which events are late, then groups the rest and computes
// every record from scratch. It supports tumbling windows only, which is
// what the integration tests run.

const (
	refSize    = int64(30000)
	refGrace   = int64(10000)
	refTimeout = int64(30 * 60 * 1000)
)

// record is one input record as produced: a decodable event or raw bytes.
type record struct {
	key   string
	ev    *avro.UserEvent // nil for raw
	raw   []byte          // sent as is when ev is nil (nil value = tombstone)
	label string          // why the record exists, for failure messages
}

type windowKey struct {
	user  string
	start int64
}

type sessionInstance struct {
	user, id string
	events   []*avro.UserEvent
	ended    bool
}

type expectation struct {
	aggs     map[windowKey]*avro.BehaviorAggregate
	profiles map[windowKey]*avro.ProfileUpdate
	sessions map[string][]*avro.SessionFeatures // per sessionKey, one per instance
	dlq      map[string]int                     // reason → count
}

func floorTo(t, step int64) int64 {
	q := t / step
	if t%step != 0 && t < 0 {
		q--
	}
	return q * step
}

func refPaneClose(t int64) int64 { return floorTo(t, refSize) + refSize + refGrace }

// refValid repeats the aggregator's documented input rules.
func refValid(r record) bool {
	e := r.ev
	if e == nil || r.key != e.UserID || e.UserID == "" || e.SessionID == "" {
		return false
	}
	if e.Price != nil && (math.IsNaN(*e.Price) || math.IsInf(*e.Price, 0) || *e.Price < 0) {
		return false
	}
	switch e.EventType {
	case avro.EventAddToCart, avro.EventRemoveFromCart, avro.EventPurchase:
		if e.Quantity != nil && *e.Quantity < 1 {
			return false
		}
	}
	return true
}

func refExpect(parts [][]record) *expectation {
	x := &expectation{
		aggs: map[windowKey]*avro.BehaviorAggregate{}, profiles: map[windowKey]*avro.ProfileUpdate{},
		sessions: map[string][]*avro.SessionFeatures{}, dlq: map[string]int{},
	}
	for _, log := range parts {
		refPartition(log, x)
	}
	return x
}

func refPartition(log []record, x *expectation) {
	var accepted []*avro.UserEvent
	var stBefore []int64 // stream time just before each accepted event
	st, started := int64(0), false
	for _, r := range log {
		switch {
		case r.ev == nil:
			x.dlq["undecodable"]++
			continue
		case !refValid(r):
			x.dlq["invalid"]++
			continue
		}
		t := r.ev.EventTime.UnixMilli()
		if started && refPaneClose(t) <= st {
			x.dlq["late"]++
			continue
		}
		stBefore = append(stBefore, st)
		if !started || t > st {
			st = t
		}
		if !started {
			stBefore[len(stBefore)-1] = math.MinInt64
		}
		started = true
		accepted = append(accepted, r.ev)
	}
	final := st

	windows := map[windowKey][]*avro.UserEvent{}
	for _, e := range accepted {
		k := windowKey{e.UserID, floorTo(e.EventTime.UnixMilli(), refSize)}
		windows[k] = append(windows[k], e)
	}
	for k, evs := range windows {
		if k.start+refSize+refGrace > final {
			continue // still open at the end of the log
		}
		x.aggs[k] = refAggregate(k, evs)
		x.profiles[k] = refProfile(k, evs)
	}

	// Sessions: an instance ends once stream time reaches the close of the
	// pane holding its last event + timeout; an event of the same id after
	// that starts a new instance.
	closeAt := func(last int64) int64 { return refPaneClose(last + refTimeout) }
	open := map[string]*sessionInstance{}
	var all []*sessionInstance
	for i, e := range accepted {
		k := e.UserID + "\x00" + e.SessionID
		inst := open[k]
		if inst != nil && closeAt(maxTime(inst.events)) <= stBefore[i] {
			inst.ended = true
			inst = nil
		}
		if inst == nil {
			inst = &sessionInstance{user: e.UserID, id: e.SessionID}
			open[k] = inst
			all = append(all, inst)
		}
		inst.events = append(inst.events, e)
	}
	for _, inst := range all {
		if closeAt(maxTime(inst.events)) <= final {
			inst.ended = true
		}
		k := sessionKey(inst.id, inst.user)
		x.sessions[k] = append(x.sessions[k], refSession(inst))
	}
}

func maxTime(evs []*avro.UserEvent) int64 {
	m := int64(math.MinInt64)
	for _, e := range evs {
		m = max(m, e.EventTime.UnixMilli())
	}
	return m
}

func units(e *avro.UserEvent) int64 {
	if e.Quantity == nil {
		return 1
	}
	return int64(*e.Quantity)
}

func refAggregate(k windowKey, evs []*avro.UserEvent) *avro.BehaviorAggregate {
	a := &avro.BehaviorAggregate{
		UserID: k.user, WindowStart: time.UnixMilli(k.start).UTC(), WindowEnd: time.UnixMilli(k.start + refSize).UTC(),
		CategoryViews: map[string]int32{}, CategoryClicks: map[string]int32{}, ItemIDs: []string{},
	}
	seen := map[string]bool{}
	var first, last int64 = math.MaxInt64, math.MinInt64
	var priced []float64
	for _, e := range evs {
		t := e.EventTime.UnixMilli()
		first, last = min(first, t), max(last, t)
		if e.ItemID != nil && !seen[*e.ItemID] {
			seen[*e.ItemID] = true
			if len(a.ItemIDs) < avro.MaxAggregateItemIDs {
				a.ItemIDs = append(a.ItemIDs, *e.ItemID)
			}
		}
		value := 0.0
		if e.Price != nil {
			value = *e.Price * float64(units(e))
		}
		switch e.EventType {
		case avro.EventPageView:
			a.PageViews++
		case avro.EventProductView:
			a.ProductViews++
			if e.Category != nil {
				a.CategoryViews[*e.Category]++
			}
			if e.Price != nil {
				priced = append(priced, *e.Price)
			}
		case avro.EventClick:
			a.Clicks++
			if e.Category != nil {
				a.CategoryClicks[*e.Category]++
			}
		case avro.EventAddToCart:
			a.CartAdds++
			a.CartAddValue += value
		case avro.EventRemoveFromCart:
			a.CartRemoves++
			a.CartRemoveValue += value
		case avro.EventPurchase:
			a.Purchases++
			a.PurchaseValue += value
		case avro.EventSearch:
			a.Searches++
		}
	}
	a.DistinctItems = int32(len(seen))
	a.FirstEventTime, a.LastEventTime = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
	if len(priced) > 0 {
		lo, hi, sum := priced[0], priced[0], 0.0
		for _, p := range priced {
			lo, hi, sum = min(lo, p), max(hi, p), sum+p
		}
		mean := sum / float64(len(priced))
		a.MinViewedPrice, a.MaxViewedPrice, a.MeanViewedPrice = &lo, &hi, &mean
	}
	a.BehaviorScore = 0.1*float64(a.PageViews) + 1*float64(a.ProductViews) + 0.5*float64(a.Clicks) +
		0.5*float64(a.Searches) + 3*float64(a.CartAdds) + 0.5*float64(a.CartRemoves) + 5*float64(a.Purchases)
	return a
}

// refMinor converts with exact rational arithmetic: the shortest decimal of
// the price, times units, in minor units, half away from zero.
func refMinor(price float64, qty int64, currency *string) int64 {
	exp := int64(2)
	if currency != nil {
		switch *currency {
		case "JPY", "KRW":
			exp = 0
		case "KWD", "BHD":
			exp = 3
		}
	}
	r, _ := new(big.Rat).SetString(strconv.FormatFloat(price, 'f', -1, 64))
	r.Mul(r, big.NewRat(qty, 1))
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(exp), nil)))
	r.Add(r, big.NewRat(1, 2))
	return new(big.Int).Quo(r.Num(), r.Denom()).Int64()
}

func refProfile(k windowKey, evs []*avro.UserEvent) *avro.ProfileUpdate {
	p := &avro.ProfileUpdate{
		UserID: k.user, WindowStart: time.UnixMilli(k.start).UTC(), WindowEnd: time.UnixMilli(k.start + refSize).UTC(),
		CategoryViews: map[string]int64{}, CategoryPurchases: map[string]int64{},
	}
	lastSeen, lastCatTime := int64(math.MinInt64), int64(math.MinInt64)
	for _, e := range evs {
		t := e.EventTime.UnixMilli()
		lastSeen = max(lastSeen, t)
		if e.Category != nil && t >= lastCatTime {
			c := *e.Category
			p.LastCategory, lastCatTime = &c, t
		}
		switch e.EventType {
		case avro.EventProductView:
			if e.Category != nil {
				p.CategoryViews[*e.Category]++
			}
			if e.Price != nil {
				p.PriceViewSumMinor += refMinor(*e.Price, 1, e.Currency)
				p.PriceViewCount++
			}
		case avro.EventPurchase:
			p.PurchaseCount++
			if e.Category != nil {
				p.CategoryPurchases[*e.Category] += units(e)
			}
			if e.Price != nil {
				p.SpendMinor += refMinor(*e.Price, units(e), e.Currency)
			}
		}
	}
	p.LastSeen = time.UnixMilli(lastSeen).UTC()
	return p
}

func refSession(inst *sessionInstance) *avro.SessionFeatures {
	f := &avro.SessionFeatures{
		SessionID: inst.id, UserID: inst.user, Ended: inst.ended,
		CartItems: map[string]int32{}, Categories: map[string]int32{}, RecentItems: []string{},
	}
	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	cart := map[string]int64{}
	lastPrice := map[string]float64{}
	for _, e := range inst.events {
		t := e.EventTime.UnixMilli()
		first, last = min(first, t), max(last, t)
		f.EventCount++
		if e.Category != nil {
			f.Categories[*e.Category]++
		}
		if e.ItemID != nil && e.Price != nil {
			lastPrice[*e.ItemID] = *e.Price
		}
		switch e.EventType {
		case avro.EventProductView:
			f.ProductViews++
			if e.ItemID != nil {
				f.RecentItems = moveToFront(f.RecentItems, *e.ItemID)
			}
		case avro.EventClick:
			f.Clicks++
		case avro.EventAddToCart:
			f.CartAdds++
			if e.ItemID != nil {
				cart[*e.ItemID] += units(e)
			}
		case avro.EventRemoveFromCart:
			f.CartRemoves++
			if e.ItemID != nil {
				cart[*e.ItemID] -= units(e)
				if cart[*e.ItemID] <= 0 {
					delete(cart, *e.ItemID)
				}
			}
		case avro.EventPurchase:
			f.Purchases++
		case avro.EventSearch:
			f.Searches++
		}
	}
	items := make([]string, 0, len(cart))
	for it, q := range cart {
		f.CartItems[it] = int32(q)
		items = append(items, it)
	}
	sort.Strings(items)
	for _, it := range items {
		if p, ok := lastPrice[it]; ok {
			f.CartValue += float64(cart[it]) * p
		}
	}
	f.StartedAt, f.LastEventAt = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
	f.DurationMS = last - first
	return f
}

func moveToFront(list []string, item string) []string {
	out := []string{item}
	for _, x := range list {
		if x != item {
			out = append(out, x)
		}
	}
	if len(out) > avro.MaxRecentItems {
		out = out[:avro.MaxRecentItems]
	}
	return out
}

// sessionKey identifies a session by id and user: the real data has
// session ids shared by two users, which are two sessions (on different
// partitions, so their records interleave unpredictably on the output).
func sessionKey(id, user string) string { return id + " of user " + user }
