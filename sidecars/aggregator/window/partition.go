package window

import (
	"fmt"
	"time"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

// Emitter receives the records a Partition produces. A record is only
// valid during the call: the Partition reuses it, maps and slices included,
// for the next one, so an Emitter that keeps records must copy them. An
// error aborts the call that triggered it; the Partition is then unusable,
// since part of its output may have gone out, and must be rebuilt from the
// changelog.
type Emitter interface {
	// Aggregate receives a closed window's BehaviorAggregate.
	Aggregate(*avro.BehaviorAggregate) error
	// Profile receives a closed pane's ProfileUpdate.
	Profile(*avro.ProfileUpdate) error
	// Session receives a SessionFeatures upsert; Ended is set on the last.
	Session(*avro.SessionFeatures) error
}

// Verdict says what Add did with an event.
type Verdict uint8

const (
	// Accepted means the event counts in its windows, pane and session.
	Accepted Verdict = iota
	// Late means the event's pane had closed: it counts nowhere and
	// belongs in the dead-letter topic.
	Late
)

// Partition is the aggregation state of one input partition. Stream time is
// the largest event time the partition has accepted; it alone decides when
// windows close and sessions end, so replaying the partition's log always
// yields the same records. A Partition is not safe for concurrent use.
type Partition struct {
	s       spec
	w       Weights
	users   map[string]*user
	timers  timers
	stream  int64
	started bool // stream is set
	pos     int64
	// Pending work: users whose changelog record is stale (by id, so a user
	// that closed and reopened is written once) and sessions with unsent
	// changes, in the order they changed.
	logged   map[string]struct{}
	metaDirt bool
	sessDirt []*session
	sessUser []*user

	openWindows, openSessions int
	rec                       scratch
	logBuf, keyBuf            []byte // reused by Changelog
	// Closed accumulators kept for reuse: a partition opens and closes a
	// window per active user every window, and reusing their slices saves
	// most of the allocation (and GC work) that costs.
	freeB []*behavior
	freeP []*profile
}

// NewPartition returns an empty partition state.
func NewPartition(s Spec, w Weights) (*Partition, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return &Partition{s: s.millis(), w: w, users: map[string]*user{}, logged: map[string]struct{}{}, pos: -1}, nil
}

// StreamTime returns the partition's stream time; ok is false before the
// first accepted event.
func (p *Partition) StreamTime() (t time.Time, ok bool) {
	return time.UnixMilli(p.stream).UTC(), p.started
}

// Position is the input offset the state has consumed up to (the next
// offset to read), -1 when unknown. The caller keeps it with SetPosition.
func (p *Partition) Position() int64 { return p.pos }

// SetPosition records that the state reflects the input up to offset next.
func (p *Partition) SetPosition(next int64) {
	if next != p.pos {
		p.pos, p.metaDirt = next, true
	}
}

// Open reports the open windows (behaviour windows, not panes), open
// sessions and users with state.
func (p *Partition) Open() (windows, sessions, users int) {
	return p.openWindows, p.openSessions, len(p.users)
}

// Add counts e, unless it is late, then closes whatever the stream time it
// brings has closed, sending the records to out.
func (p *Partition) Add(e Event, out Emitter) (Verdict, error) {
	if p.started && p.s.paneClose(e.time) <= p.stream {
		return Late, nil
	}
	u := p.users[e.user]
	if u == nil {
		u = &user{id: e.user}
		p.users[e.user] = u
	}
	for start := p.s.firstWindow(e.time); start <= e.time; start += p.s.adv {
		w := u.window(start)
		if w == nil {
			w = p.newBehavior(start)
			u.addWindow(w)
			p.openWindows++
			p.timers.arm(timer{at: p.s.windowClose(start), kind: timerWindow, u: u, start: start})
		}
		w.add(&e)
	}
	ps := p.s.paneStart(e.time)
	pn := u.pane(ps)
	if pn == nil {
		pn = p.newProfile(ps)
		u.addPane(pn)
		p.timers.arm(timer{at: ps + p.s.adv + p.s.grace, kind: timerPane, u: u, start: ps})
	}
	pn.add(&e)
	s := u.session(e.session)
	if s == nil {
		s = &session{id: e.session}
		u.sessions = append(u.sessions, s)
		p.openSessions++
		// Armed for the first event's close; firing re-arms while the
		// session keeps being extended.
		p.timers.arm(timer{at: p.s.sessionClose(e.time), kind: timerSession, u: u, s: s})
	}
	s.add(&e)
	p.markSession(u, s)
	p.markUser(u)
	if !p.started || e.time > p.stream {
		return Accepted, p.advance(e.time, out)
	}
	return Accepted, nil
}

// AdvanceTo moves stream time forward to t without an event, closing what
// that closes. Earlier times are ignored. It is how an idle partition's
// windows close on wall-clock time when the caller opts into that.
func (p *Partition) AdvanceTo(t time.Time, out Emitter) error {
	ms := t.UnixMilli()
	if p.started && ms <= p.stream {
		return nil
	}
	return p.advance(ms, out)
}

// NextClose returns the stream time at which the next window, pane or
// session is due, if any.
func (p *Partition) NextClose() (time.Time, bool) {
	at, ok := p.timers.next()
	return time.UnixMilli(at).UTC(), ok
}

func (p *Partition) advance(t int64, out Emitter) error {
	p.stream, p.started, p.metaDirt = t, true, true
	for {
		tm, ok := p.timers.due(t)
		if !ok {
			return nil
		}
		if err := p.fire(tm, out); err != nil {
			return err
		}
	}
}

func (p *Partition) fire(tm timer, out Emitter) error {
	u := tm.u
	switch tm.kind {
	case timerWindow:
		w := u.removeWindow(tm.start)
		if w == nil {
			return nil
		}
		p.openWindows--
		if err := p.emitAggregate(out, w, u.id); err != nil {
			return fmt.Errorf("emitting aggregate of user %q window %d: %w", u.id, tm.start, err)
		}
		p.recycleBehavior(w) // after the call: Counts views into it
	case timerPane:
		pn := u.removePane(tm.start)
		if pn == nil {
			return nil
		}
		if err := p.emitProfile(out, pn, u.id); err != nil {
			return fmt.Errorf("emitting profile update of user %q pane %d: %w", u.id, tm.start, err)
		}
		p.recycleProfile(pn)
	case timerSession:
		s := tm.s
		if s.ended {
			return nil
		}
		if at := p.s.sessionClose(s.last); at > p.stream {
			p.timers.arm(timer{at: at, kind: timerSession, u: u, s: s})
			return nil
		}
		s.ended, s.dirty = true, false
		u.removeSession(s)
		p.openSessions--
		if err := p.emitSession(out, s, u.id, true); err != nil {
			return fmt.Errorf("emitting final features of session %q: %w", s.id, err)
		}
	}
	p.markUser(u)
	if u.empty() && p.users[u.id] == u {
		delete(p.users, u.id)
	}
	return nil
}

func (p *Partition) markUser(u *user) {
	if !u.logged {
		u.logged = true
		p.logged[u.id] = struct{}{}
	}
}

func (p *Partition) markSession(u *user, s *session) {
	if !s.dirty {
		s.dirty = true
		p.sessDirt = append(p.sessDirt, s)
		p.sessUser = append(p.sessUser, u)
	}
}

// FlushSessions sends an upsert for every session changed since the last
// flush and not ended since. Sessions therefore update once per flush
// however many events they saw, in the order they first changed.
func (p *Partition) FlushSessions(out Emitter) error {
	for i, s := range p.sessDirt {
		if !s.dirty || s.ended {
			continue
		}
		s.dirty = false
		if err := p.emitSession(out, s, p.sessUser[i].id, false); err != nil {
			return fmt.Errorf("emitting features of session %q: %w", s.id, err)
		}
	}
	p.clearDirty()
	return nil
}

func (p *Partition) clearDirty() {
	clear(p.sessDirt)
	clear(p.sessUser)
	p.sessDirt, p.sessUser = p.sessDirt[:0], p.sessUser[:0]
}

// maxFree bounds the recycled accumulators a partition keeps.
const maxFree = 4096

func (p *Partition) newBehavior(start int64) *behavior {
	if n := len(p.freeB); n > 0 {
		b := p.freeB[n-1]
		p.freeB = p.freeB[:n-1]
		b.start = start
		return b
	}
	return &behavior{start: start}
}

// recycleBehavior keeps b for reuse once its record has been filled; the
// filled record copies everything it needs.
func (p *Partition) recycleBehavior(b *behavior) {
	if len(p.freeB) < maxFree {
		b.reset()
		p.freeB = append(p.freeB, b)
	}
}

func (p *Partition) newProfile(start int64) *profile {
	if n := len(p.freeP); n > 0 {
		pr := p.freeP[n-1]
		p.freeP = p.freeP[:n-1]
		pr.start = start
		return pr
	}
	return &profile{start: start}
}

func (p *Partition) recycleProfile(pr *profile) {
	if len(p.freeP) < maxFree {
		pr.reset()
		p.freeP = append(p.freeP, pr)
	}
}
