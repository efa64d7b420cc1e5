package window

import (
	"fmt"
	"sort"
)

// Changelog keys: "m" holds the partition's stream time and position, "u"
// followed by a user id holds that user's open windows, panes and sessions.
// Every record of a partition goes to the changelog partition with the
// same number, so keys never collide across partitions.
const (
	metaKey    = "m"
	userPrefix = 'u'
)

// Changelog hands fn one record per user whose state changed since the last
// call, a nil value (a tombstone) for users with nothing open any more, and
// the meta record when stream time or position moved. Keys and values are
// only valid during the call.
func (p *Partition) Changelog(fn func(key, value []byte) error) error {
	w := writer{b: p.logBuf[:0]}
	defer func() { p.logBuf = w.b[:0] }()
	key := p.keyBuf[:0]
	defer func() { p.keyBuf = key[:0] }()
	for id := range p.logged {
		delete(p.logged, id)
		key = append(append(key[:0], userPrefix), id...)
		u := p.users[id]
		if u == nil {
			if err := fn(key, nil); err != nil {
				return err
			}
			continue
		}
		u.logged = false
		w.b = w.b[:0]
		encodeUser(&w, u)
		if err := fn(key, w.b); err != nil {
			return err
		}
	}
	if p.metaDirt {
		p.metaDirt = false
		w.b = append(w.b[:0], stateVersion)
		w.bool(p.started)
		w.i(p.stream)
		w.i(p.pos)
		return fn(append(key[:0], metaKey...), w.b)
	}
	return nil
}

// Restore applies one changelog record read back from the changelog; later
// records of a key replace earlier ones, a nil value deletes. Call
// FinishRestore once the changelog partition has been read to its end and
// before anything else.
func (p *Partition) Restore(key, value []byte) error {
	switch {
	case string(key) == metaKey:
		r := reader{b: value}
		r.version()
		started := r.bool("started")
		stream := r.i("stream_time")
		pos := r.i("position")
		r.end()
		if r.err != nil {
			return fmt.Errorf("restoring key %q: %w", key, r.err)
		}
		p.started, p.stream, p.pos = started, stream, pos
	case len(key) > 1 && key[0] == userPrefix:
		id := string(key[1:])
		if value == nil {
			delete(p.users, id)
			return nil
		}
		u, err := decodeUser(id, value)
		if err != nil {
			return fmt.Errorf("restoring key %q: %w", key, err)
		}
		p.users[id] = u
	default:
		return fmt.Errorf("restoring key %q: %w: unknown key", key, ErrCorruptState)
	}
	return nil
}

// FinishRestore arms the timers of the restored state. Users are taken in
// id order so that records closing at the same stream time come out in the
// same order on every restore.
func (p *Partition) FinishRestore() {
	p.timers.reset()
	p.openWindows, p.openSessions = 0, 0
	ids := make([]string, 0, len(p.users))
	for id := range p.users {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		u := p.users[id]
		for _, w := range u.windows {
			p.timers.arm(timer{at: p.s.windowClose(w.start), kind: timerWindow, u: u, start: w.start})
			p.openWindows++
		}
		for _, pn := range u.panes {
			p.timers.arm(timer{at: pn.start + p.s.adv + p.s.grace, kind: timerPane, u: u, start: pn.start})
		}
		for _, s := range u.sessions {
			p.timers.arm(timer{at: p.s.sessionClose(s.last), kind: timerSession, u: u, s: s})
			p.openSessions++
		}
	}
}

func encodeUser(w *writer, u *user) {
	w.b = append(w.b, stateVersion)
	w.u(uint64(len(u.windows)))
	for _, b := range u.windows {
		w.i(b.start)
		for _, c := range b.counts {
			w.u(uint64(c))
		}
		w.strs(b.items.keys)
		w.counter(&b.catViews)
		w.counter(&b.catClicks)
		w.f(b.cartAdd)
		w.f(b.cartRemove)
		w.f(b.purchase)
		w.u(uint64(b.viewN))
		w.f(b.viewSum)
		w.f(b.viewMin)
		w.f(b.viewMax)
		w.i(b.first)
		w.i(b.last)
	}
	w.u(uint64(len(u.panes)))
	for _, p := range u.panes {
		w.i(p.start)
		w.counter(&p.catViews)
		w.counter(&p.catPurchases)
		w.i(p.spendMinor)
		w.u(uint64(p.purchases))
		w.i(p.viewSumMinor)
		w.u(uint64(p.viewCount))
		w.i(p.lastSeen)
		w.bool(p.hasLastCat)
		if p.hasLastCat {
			w.s(p.lastCat)
			w.i(p.lastCatTime)
		}
	}
	w.u(uint64(len(u.sessions)))
	for _, s := range u.sessions {
		w.s(s.id)
		w.i(s.started)
		w.i(s.last)
		w.u(uint64(s.events))
		for _, c := range s.counts {
			w.u(uint64(c))
		}
		w.strs(s.recent)
		w.counter(&s.cart)
		w.u(uint64(len(s.prices.keys)))
		for i, k := range s.prices.keys {
			w.s(k)
			w.f(s.prices.price[i])
			w.u(uint64(s.prices.seen[i]))
		}
		w.counter(&s.cats)
	}
}
