package window

import (
	"fmt"
	"time"
)

// Defaults of the blueprint's window contract.
const (
	DefaultSize           = 30 * time.Second
	DefaultGrace          = 10 * time.Second
	DefaultSessionTimeout = 30 * time.Minute
)

// Spec is the window contract of one aggregator. All durations must be whole
// milliseconds, because event times are.
type Spec struct {
	// Size is the length of a behaviour window. Windows are aligned to the
	// Unix epoch: window k covers [k*Advance, k*Advance+Size).
	Size time.Duration
	// Advance is the hop between window starts. Advance == Size gives
	// tumbling windows; a smaller Advance, which must divide Size, gives
	// hopping windows in which every event counts Size/Advance times.
	Advance time.Duration
	// Grace is how far behind the partition's stream time an event may be
	// and still count. A window closes once stream time reaches its end plus
	// Grace.
	Grace time.Duration
	// SessionTimeout is the inactivity after which a session ends.
	SessionTimeout time.Duration
}

// DefaultSpec returns 30 s tumbling windows, 10 s grace and 30 min sessions.
func DefaultSpec() Spec {
	return Spec{Size: DefaultSize, Advance: DefaultSize, Grace: DefaultGrace, SessionTimeout: DefaultSessionTimeout}
}

// Hopping reports whether windows overlap.
func (s Spec) Hopping() bool { return s.Advance != s.Size }

// Validate reports the first setting that is out of range, by name.
func (s Spec) Validate() error {
	check := func(name string, d time.Duration, allowZero bool) error {
		switch {
		case d < 0 || (d == 0 && !allowZero):
			return fmt.Errorf("%w: %s must be positive, got %s", ErrInvalidSpec, name, d)
		case d%time.Millisecond != 0:
			return fmt.Errorf("%w: %s must be whole milliseconds, got %s", ErrInvalidSpec, name, d)
		}
		return nil
	}
	for _, c := range []struct {
		name string
		d    time.Duration
		zero bool
	}{{"window size", s.Size, false}, {"window advance", s.Advance, false}, {"grace", s.Grace, true}, {"session timeout", s.SessionTimeout, false}} {
		if err := check(c.name, c.d, c.zero); err != nil {
			return err
		}
	}
	if s.Advance > s.Size || s.Size%s.Advance != 0 {
		return fmt.Errorf("%w: window advance %s must divide window size %s", ErrInvalidSpec, s.Advance, s.Size)
	}
	return nil
}

// spec is Spec in milliseconds, the unit of event times.
type spec struct {
	size, adv, grace, timeout int64
	hops                      int64 // windows per event: size / adv
}

func (s Spec) millis() spec {
	ms := func(d time.Duration) int64 { return d.Milliseconds() }
	return spec{size: ms(s.Size), adv: ms(s.Advance), grace: ms(s.Grace), timeout: ms(s.SessionTimeout), hops: ms(s.Size) / ms(s.Advance)}
}

// floorDiv rounds towards negative infinity, so windows stay aligned for
// event times before the epoch too.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// paneStart is the start of the Advance-long slice of time that holds t.
// Panes tile the time line; every window is a run of hops panes.
func (s spec) paneStart(t int64) int64 { return floorDiv(t, s.adv) * s.adv }

// paneClose is the stream time at which the pane holding t closes. It is
// also when the earliest-ending window holding t closes, because Advance
// divides Size: an event is late exactly when this has passed, and then it
// counts nowhere; otherwise every window holding it is still open.
func (s spec) paneClose(t int64) int64 { return s.paneStart(t) + s.adv + s.grace }

// windowClose is when the window starting at start closes.
func (s spec) windowClose(start int64) int64 { return start + s.size + s.grace }

// firstWindow is the start of the oldest window holding t; the others
// follow every adv up to paneStart(t).
func (s spec) firstWindow(t int64) int64 { return s.paneStart(t) - (s.hops-1)*s.adv }

// sessionClose is when a session whose latest event is at last ends: once
// the pane holding last+timeout has closed, no event that could still
// extend the session can count any more.
func (s spec) sessionClose(last int64) int64 { return s.paneClose(last + s.timeout) }
