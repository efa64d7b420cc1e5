package window

import "fmt"

func decodeUser(id string, value []byte) (*user, error) {
	r := reader{b: value}
	r.version()
	u := &user{id: id}
	nw := r.length("windows")
	for i := 0; i < nw && r.err == nil; i++ {
		u.windows = append(u.windows, decodeBehavior(&r))
	}
	np := r.length("panes")
	for i := 0; i < np && r.err == nil; i++ {
		u.panes = append(u.panes, decodeProfile(&r))
	}
	ns := r.length("sessions")
	for i := 0; i < ns && r.err == nil; i++ {
		u.sessions = append(u.sessions, decodeSession(&r))
	}
	r.end()
	if r.err != nil {
		return nil, r.err
	}
	for i := 1; i < len(u.windows); i++ {
		if u.windows[i-1].start >= u.windows[i].start {
			return nil, fmt.Errorf("%w: field windows: starts out of order", ErrCorruptState)
		}
	}
	for i := 1; i < len(u.panes); i++ {
		if u.panes[i-1].start >= u.panes[i].start {
			return nil, fmt.Errorf("%w: field panes: starts out of order", ErrCorruptState)
		}
	}
	return u, nil
}

func decodeBehavior(r *reader) *behavior {
	b := &behavior{seen: true}
	b.start = r.i("window.start")
	for j := range b.counts {
		b.counts[j] = r.n("window.counts")
	}
	for _, k := range r.strs("window.items") {
		if !b.items.add(k) && r.err == nil {
			r.fail("window.items", fmt.Sprintf("duplicate item %q", k))
		}
	}
	r.counter("window.category_views", &b.catViews)
	r.counter("window.category_clicks", &b.catClicks)
	b.cartAdd = r.f("window.cart_add_value")
	b.cartRemove = r.f("window.cart_remove_value")
	b.purchase = r.f("window.purchase_value")
	b.viewN = r.n("window.priced_views")
	b.viewSum = r.f("window.viewed_price_sum")
	b.viewMin = r.f("window.viewed_price_min")
	b.viewMax = r.f("window.viewed_price_max")
	b.first = r.i("window.first_event_time")
	b.last = r.i("window.last_event_time")
	return b
}

func decodeProfile(r *reader) *profile {
	p := &profile{seen: true}
	p.start = r.i("pane.start")
	r.counter("pane.category_views", &p.catViews)
	r.counter("pane.category_purchases", &p.catPurchases)
	p.spendMinor = r.i("pane.spend_minor")
	p.purchases = r.n("pane.purchase_count")
	p.viewSumMinor = r.i("pane.price_view_sum_minor")
	p.viewCount = r.n("pane.price_view_count")
	p.lastSeen = r.i("pane.last_seen")
	if p.hasLastCat = r.bool("pane.has_last_category"); p.hasLastCat {
		p.lastCat = r.s("pane.last_category")
		p.lastCatTime = r.i("pane.last_category_time")
	}
	return p
}

func decodeSession(r *reader) *session {
	s := &session{}
	s.id = r.s("session.id")
	s.started = r.i("session.started_at")
	s.last = r.i("session.last_event_at")
	s.events = r.n("session.event_count")
	for j := range s.counts {
		s.counts[j] = r.n("session.counts")
	}
	s.recent = r.strs("session.recent_items")
	for _, k := range s.recent {
		s.recentF = append(s.recentF, fingerprint(k))
	}
	r.counter("session.cart_items", &s.cart)
	n := r.length("session.prices")
	for j := 0; j < n && r.err == nil; j++ {
		k := r.s("session.prices.item")
		v := r.f("session.prices.price")
		seen := r.n("session.prices.seen")
		if r.err == nil {
			fp := fingerprint(k)
			if s.prices.find(k, fp) >= 0 {
				r.fail("session.prices", fmt.Sprintf("duplicate item %q", k))
				break
			}
			s.prices.put(k, fp, v, seen)
		}
	}
	r.counter("session.categories", &s.cats)
	return s
}
