package rules

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Defaults of the built-ins' parameters.
const (
	DefaultDuplicateWindow = 10 * time.Minute
	DefaultClickWindow     = time.Second
	DefaultCapacity        = 1_000_000
	// minClickRetention keeps click state long enough for events that an
	// SDK flushes in a burst some seconds after they happened.
	minClickRetention = 10 * time.Second
)

// BotPatterns are the default bot_user_agent patterns, matched as
// case-insensitive substrings. Command-line tools (curl, wget) are not
// listed: they are how operators test the proxy, not crawlers.
var BotPatterns = []string{
	"bot", "crawl", "spider", "slurp", "headlesschrome", "phantomjs", "scrapy", "python-requests",
	"facebookexternalhit", "bingpreview", "lighthouse", "pingdom", "uptimerobot", "ahrefs", "semrush",
}

// itemEvents are the event types that are about one catalog item.
var itemEvents = map[string]bool{
	"PRODUCT_VIEW": true, "CLICK": true, "ADD_TO_CART": true, "REMOVE_FROM_CART": true, "PURCHASE": true,
}

// builtinFields are the event fields each built-in reads.
var builtinFields = map[string][]string{
	"duplicate_event_id": {"event_id"},
	"repeated_click":     {"event_type", "user_id", "item_id", "event_time"},
	"bot_user_agent":     {"user_agent"},
	"missing_ids":        {"event_id", "user_id", "session_id", "event_type", "item_id", "order_id"},
}

// outcome is what a built-in says about one event.
type outcome struct {
	hit      bool
	reason   string
	retry    bool
	original *Position
	claim    claim // set when claimed
	claimed  bool
}

type check interface {
	eval(ev *Event, req *Request, nowMS int64) outcome
}

// state keeps built-in state across reloads, by rule name.
type state struct {
	mu     sync.Mutex
	dedupe map[string]*windowMap[dedupeVal]
	clicks map[string]*windowMap[int64]
}

func newState() *state {
	return &state{dedupe: map[string]*windowMap[dedupeVal]{}, clicks: map[string]*windowMap[int64]{}}
}

func (st *state) dedupeMap(rule string, window time.Duration, capacity int) *windowMap[dedupeVal] {
	st.mu.Lock()
	defer st.mu.Unlock()
	if m, ok := st.dedupe[rule]; ok {
		m.configure(window.Milliseconds(), capacity)
		return m
	}
	m := newWindowMap[dedupeVal](window.Milliseconds(), capacity)
	st.dedupe[rule] = m
	return m
}

func (st *state) clickMap(rule string, retention time.Duration, capacity int) *windowMap[int64] {
	st.mu.Lock()
	defer st.mu.Unlock()
	if m, ok := st.clicks[rule]; ok {
		m.configure(retention.Milliseconds(), capacity)
		return m
	}
	m := newWindowMap[int64](retention.Milliseconds(), capacity)
	st.clicks[rule] = m
	return m
}

// newCheck builds the built-in a spec names.
func newCheck(s *ruleSpec, st *state) (check, error) {
	capacity := s.Capacity
	if capacity == 0 {
		capacity = DefaultCapacity
	}
	onlyFor := func(keys ...string) error {
		allowed := map[string]bool{}
		for _, k := range keys {
			allowed[k] = true
		}
		for k, set := range map[string]bool{"window": s.hasWindow, "capacity": s.Capacity != 0,
			"patterns": len(s.Patterns) > 0, "event_types": len(s.EventTypes) > 0} {
			if set && !allowed[k] {
				return fmt.Errorf("%s does not apply to builtin %s", k, s.Builtin)
			}
		}
		return nil
	}
	switch s.Builtin {
	case "duplicate_event_id":
		if err := onlyFor("window", "capacity"); err != nil {
			return nil, err
		}
		w := DefaultDuplicateWindow
		if s.hasWindow {
			w = s.window
		}
		return &duplicates{seen: st.dedupeMap(s.Name, w, capacity)}, nil
	case "repeated_click":
		if err := onlyFor("window", "capacity", "event_types"); err != nil {
			return nil, err
		}
		w := DefaultClickWindow
		if s.hasWindow {
			w = s.window
		}
		types := map[string]bool{"CLICK": true}
		if len(s.EventTypes) > 0 {
			types = map[string]bool{}
			for _, t := range s.EventTypes {
				types[t] = true
			}
		}
		return &repeatedClicks{windowMS: w.Milliseconds(), types: types,
			last: st.clickMap(s.Name, max(w, minClickRetention), capacity)}, nil
	case "bot_user_agent":
		if err := onlyFor("patterns"); err != nil {
			return nil, err
		}
		pats := BotPatterns
		if len(s.Patterns) > 0 {
			pats = s.Patterns
		}
		lower := make([]string, 0, len(pats))
		for _, p := range pats {
			if strings.TrimSpace(p) == "" {
				return nil, fmt.Errorf("patterns must not contain empty strings")
			}
			lower = append(lower, strings.ToLower(p))
		}
		return &botAgents{patterns: lower}, nil
	case "missing_ids":
		if err := onlyFor(); err != nil {
			return nil, err
		}
		return missingIDs{}, nil
	}
	return nil, fmt.Errorf("unknown builtin %q (want duplicate_event_id, repeated_click, bot_user_agent or missing_ids)", s.Builtin)
}

type dedupeVal struct {
	stored    bool
	partition int32
	offset    int64
}

type duplicates struct{ seen *windowMap[dedupeVal] }

func (d *duplicates) eval(ev *Event, _ *Request, now int64) outcome {
	id := ev.EventID
	if id == "" {
		return outcome{}
	}
	var out outcome
	key := keyOf(id)
	seq := d.seen.update(key, now, func(cur *windowEntry[dedupeVal]) (dedupeVal, bool, bool) {
		switch {
		case cur == nil:
			out.claimed = true
			return dedupeVal{}, true, false
		case cur.val.stored:
			out.hit, out.reason = true, "duplicate event_id "+id
			out.original = &Position{Partition: cur.val.partition, Offset: cur.val.offset}
		default:
			out.retry, out.reason = true, "an event with event_id "+id+" is being written right now; retry"
		}
		return cur.val, true, false
	})
	if out.claimed {
		out.claim = claim{m: d.seen, key: key, seq: seq, at: now}
	}
	return out
}

// claim is a pending duplicate-window entry for an event being written. It
// becomes a remembered event_id only when Kafka acknowledged the write.
type claim struct {
	m   *windowMap[dedupeVal]
	key key128
	seq uint64
	at  int64
}

func (c *claim) settle(stored bool, p Position) {
	if !stored {
		c.m.remove(c.key, c.seq, c.at)
		return
	}
	c.m.settle(c.key, c.seq, c.at, dedupeVal{stored: true, partition: p.Partition, offset: p.Offset})
}

type repeatedClicks struct {
	windowMS int64
	types    map[string]bool
	last     *windowMap[int64]
}

func (r *repeatedClicks) eval(ev *Event, _ *Request, now int64) outcome {
	typ, user, item := ev.EventType, ev.UserID, ev.ItemID
	if !r.types[typ] || user == "" || item == "" {
		return outcome{}
	}
	t := now
	if ev.HasEventTime {
		t = ev.EventTime
	}
	var out outcome
	r.last.update(keyOf(user+"\x00"+item+"\x00"+typ), now, func(cur *windowEntry[int64]) (int64, bool, bool) {
		if cur != nil {
			if d := t - cur.val; d < r.windowMS && d > -r.windowMS {
				out.hit = true
				out.reason = fmt.Sprintf("repeated %s by the same user on item %s within %d ms", typ, item, r.windowMS)
				return cur.val, true, false
			}
		}
		return t, true, true
	})
	return out
}

type botAgents struct {
	patterns []string
	verdicts uaCache
}

func (b *botAgents) eval(ev *Event, req *Request, _ int64) outcome {
	ua := ev.UserAgent
	if ua == "" {
		ua = req.UserAgent
	}
	if p := b.verdicts.match(ua, b.patterns); p != "" {
		return outcome{hit: true, reason: "bot user agent (matched " + p + ")"}
	}
	return outcome{}
}

func matchBot(ua string, patterns []string) string {
	if ua == "" {
		return ""
	}
	// Lower-case into a stack buffer once, then let bytes.Index (vectorised)
	// look for each pattern; user agents longer than the buffer are rare
	// and matched on their first 512 bytes.
	var buf [512]byte
	lower := buf[:0]
	for i := 0; i < len(ua) && i < len(buf); i++ {
		c := ua[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower = append(lower, c)
	}
	for _, p := range patterns {
		if bytes.Contains(lower, []byte(p)) { // short, non-escaping: no heap copy
			return p
		}
	}
	return ""
}

type missingIDs struct{}

func (missingIDs) eval(ev *Event, _ *Request, _ int64) outcome {
	switch {
	case blank(ev.EventID):
		return outcome{hit: true, reason: "missing event_id"}
	case blank(ev.UserID):
		return outcome{hit: true, reason: "missing user_id"}
	case blank(ev.SessionID):
		return outcome{hit: true, reason: "missing session_id"}
	}
	typ := ev.EventType
	if itemEvents[typ] && blank(ev.ItemID) {
		return outcome{hit: true, reason: "missing item_id on " + typ}
	}
	if typ == "PURCHASE" && blank(ev.OrderID) {
		return outcome{hit: true, reason: "missing order_id on PURCHASE"}
	}
	return outcome{}
}

// blank is strings.TrimSpace(s) == "" without scanning a non-blank string
// past its first character.
func blank(s string) bool {
	if s != "" && s[0] > ' ' && s[0] < 0x80 {
		return false
	}
	return strings.TrimSpace(s) == ""
}
