package window

type timerKind uint8

const (
	timerWindow timerKind = iota
	timerPane
	timerSession
)

// timer fires when stream time reaches at. Window and pane close times never
// move, so their timers are exact. A session's close time moves with every
// event, so its timer is checked when it fires and re-armed if the session
// has been extended meanwhile: one heap entry per session, not per event.
type timer struct {
	at    int64
	seq   uint64 // ties fire in arming order, so output order is reproducible
	kind  timerKind
	u     *user
	start int64    // window or pane start
	s     *session // session timers
}

func (a *timer) before(b *timer) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

// timers is a binary min-heap of timers. It is written out rather than
// built on container/heap, whose interface boxing costs an allocation per
// push on the hot path.
type timers struct {
	h   []timer
	seq uint64
}

func (t *timers) arm(tm timer) {
	t.seq++
	tm.seq = t.seq
	t.h = append(t.h, tm)
	i := len(t.h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !t.h[i].before(&t.h[parent]) {
			break
		}
		t.h[i], t.h[parent] = t.h[parent], t.h[i]
		i = parent
	}
}

// due pops the earliest timer if it is due at stream time now.
func (t *timers) due(now int64) (timer, bool) {
	if len(t.h) == 0 || t.h[0].at > now {
		return timer{}, false
	}
	top := t.h[0]
	last := len(t.h) - 1
	t.h[0] = t.h[last]
	t.h[last] = timer{} // drop references for the GC
	t.h = t.h[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(t.h) && t.h[l].before(&t.h[m]) {
			m = l
		}
		if r < len(t.h) && t.h[r].before(&t.h[m]) {
			m = r
		}
		if m == i {
			break
		}
		t.h[i], t.h[m] = t.h[m], t.h[i]
		i = m
	}
	return top, true
}

// next returns the earliest arming time, if any.
func (t *timers) next() (int64, bool) {
	if len(t.h) == 0 {
		return 0, false
	}
	return t.h[0].at, true
}

func (t *timers) reset() { t.h, t.seq = nil, 0 }
