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
	for id := range p.logged {
		if err := p.logUser(id, fn); err != nil {
			return err
		}
	}
	return p.logMeta(fn)
}

// Commit is FlushSessions followed by Changelog, interleaved: right after a
// session's upsert, its user's changelog record is written, while the
// session's state is still in the processor's cache (reading a user's state
// is mostly cache misses with many users). Session upserts go out in the
// order FlushSessions sends them; changelog records in no particular order,
// as from Changelog. An error from out is wrapped as FlushSessions wraps it;
// one from fn is returned as is.
func (p *Partition) Commit(out Emitter, fn func(key, value []byte) error) error {
	for i, s := range p.sessDirt {
		if !s.dirty || s.ended {
			continue
		}
		s.dirty = false
		u := p.sessUser[i]
		if err := p.emitSession(out, s, u.id, false); err != nil {
			return fmt.Errorf("emitting features of session %q: %w", s.id, err)
		}
		// u is live (an ended session is skipped above, and users only go
		// once their sessions ended), so its record is written here once.
		if u.logged {
			if err := p.logUser(u.id, fn); err != nil {
				return err
			}
		}
	}
	p.clearDirty()
	return p.Changelog(fn)
}

// logUser writes the changelog record of user id, which is pending.
func (p *Partition) logUser(id string, fn func(key, value []byte) error) error {
	delete(p.logged, id)
	p.keyBuf = append(append(p.keyBuf[:0], userPrefix), id...)
	u := p.users[id]
	if u == nil {
		return fn(p.keyBuf, nil)
	}
	u.logged = false
	p.logBuf = appendUser(p.logBuf[:0], u)
	return fn(p.keyBuf, p.logBuf)
}

func (p *Partition) logMeta(fn func(key, value []byte) error) error {
	if !p.metaDirt {
		return nil
	}
	p.metaDirt = false
	b := appendBool(append(p.logBuf[:0], stateVersion), p.started)
	p.logBuf = appendI(appendI(b, p.stream), p.pos)
	return fn(append(p.keyBuf[:0], metaKey...), p.logBuf)
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

// appendUser appends the changelog value of u: everything FinishRestore
// and the accumulators need to carry on as if never interrupted.
func appendUser(b []byte, u *user) []byte {
	b = append(b, stateVersion)
	b = appendU(b, uint64(len(u.windows)))
	for _, w := range u.windows {
		b = appendI(b, w.start)
		for _, c := range w.counts {
			b = appendU(b, uint64(c))
		}
		b = appendStrs(b, w.items.keys)
		b = appendCounter(b, &w.catViews)
		b = appendCounter(b, &w.catClicks)
		b = appendF(b, w.cartAdd)
		b = appendF(b, w.cartRemove)
		b = appendF(b, w.purchase)
		b = appendU(b, uint64(w.viewN))
		b = appendF(b, w.viewSum)
		b = appendF(b, w.viewMin)
		b = appendF(b, w.viewMax)
		b = appendI(b, w.first)
		b = appendI(b, w.last)
	}
	b = appendU(b, uint64(len(u.panes)))
	for _, p := range u.panes {
		b = appendI(b, p.start)
		b = appendCounter(b, &p.catViews)
		b = appendCounter(b, &p.catPurchases)
		b = appendI(b, p.spendMinor)
		b = appendU(b, uint64(p.purchases))
		b = appendI(b, p.viewSumMinor)
		b = appendU(b, uint64(p.viewCount))
		b = appendI(b, p.lastSeen)
		b = appendBool(b, p.hasLastCat)
		if p.hasLastCat {
			b = appendS(b, p.lastCat)
			b = appendI(b, p.lastCatTime)
		}
	}
	b = appendU(b, uint64(len(u.sessions)))
	for _, s := range u.sessions {
		b = appendS(b, s.id)
		b = appendI(b, s.started)
		b = appendI(b, s.last)
		b = appendU(b, uint64(s.events))
		for _, c := range s.counts {
			b = appendU(b, uint64(c))
		}
		b = appendStrs(b, s.recent)
		b = appendCounter(b, &s.cart)
		b = appendU(b, uint64(len(s.prices.keys)))
		for i, k := range s.prices.keys {
			b = appendS(b, k)
			b = appendF(b, s.prices.price[i])
			b = appendU(b, uint64(s.prices.seen[i]))
		}
		b = appendCounter(b, &s.cats)
	}
	return b
}
