package rules

import (
	"hash/maphash"
	"strings"
	"sync/atomic"
)

// uaSlots is the number of remembered user agents per bot rule. A storefront
// sees few distinct agents at a time (a session repeats its own), so a small
// direct-mapped table answers most events without matching any pattern.
const uaSlots = 1024

// uaMaxLen bounds what the cache copies, so that hostile agents cannot make
// it hold more than uaSlots*uaMaxLen bytes.
const uaMaxLen = 512

// uaCache remembers bot_user_agent verdicts by user agent. It is lock-free:
// each slot holds an immutable verdict, replaced whole, so a racing reader
// sees an old or a new verdict, both correct for their agent.
type uaCache struct {
	slots [uaSlots]atomic.Pointer[uaVerdict]
}

type uaVerdict struct {
	ua      string
	pattern string // the matched pattern, "" for no match
}

var uaSeed = maphash.MakeSeed()

// match is matchBot(ua, patterns), remembered. patterns must be the same on
// every call (one cache per rule).
func (c *uaCache) match(ua string, patterns []string) string {
	if ua == "" {
		return ""
	}
	if len(ua) > uaMaxLen {
		return matchBot(ua, patterns)
	}
	slot := &c.slots[maphash.String(uaSeed, ua)%uaSlots]
	if v := slot.Load(); v != nil && v.ua == ua {
		return v.pattern
	}
	p := matchBot(ua, patterns)
	// The agent usually points into a request body: keep a copy, never the
	// body.
	slot.Store(&uaVerdict{ua: strings.Clone(ua), pattern: p})
	return p
}
