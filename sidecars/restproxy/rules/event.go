package rules

import "github.com/google/cel-go/interpreter"

// Event is what the built-ins read of one event, extracted by the caller in
// the same pass that validates the event, so that the common rule set needs
// no map of boxed values per event. A string field is "" when the event
// lacks it or holds something other than a string there; EventTime is set
// (HasEventTime) only when event_time is an integer.
type Event struct {
	EventID   string
	EventType string
	UserID    string
	SessionID string
	ItemID    string
	OrderID   string
	UserAgent string

	EventTime    int64
	HasEventTime bool

	// Fields returns the event as CEL sees it: records and maps as
	// map[string]any without null members, integers as int64, floats as
	// float64, enums as strings. It is called at most once per evaluation,
	// and only when a when-expression runs; the caller may return only the
	// fields Engine.Needs reports. Without it, expressions see the fields
	// above.
	Fields func() map[string]any
}

// EventOf extracts the built-ins' fields from an event map, for callers
// that hold the event as a map anyway.
func EventOf(ev map[string]any) Event {
	str := func(name string) string { s, _ := ev[name].(string); return s }
	e := Event{
		EventID: str("event_id"), EventType: str("event_type"), UserID: str("user_id"),
		SessionID: str("session_id"), ItemID: str("item_id"), OrderID: str("order_id"),
		UserAgent: str("user_agent"),
		Fields:    func() map[string]any { return ev },
	}
	e.EventTime, e.HasEventTime = ev["event_time"].(int64)
	return e
}

// fieldMap is the map fallback when no Fields function was given.
func (e *Event) fieldMap() map[string]any {
	m := make(map[string]any, 8)
	for name, v := range map[string]string{"event_id": e.EventID, "event_type": e.EventType, "user_id": e.UserID,
		"session_id": e.SessionID, "item_id": e.ItemID, "order_id": e.OrderID, "user_agent": e.UserAgent} {
		if v != "" {
			m[name] = v
		}
	}
	if e.HasEventTime {
		m["event_time"] = e.EventTime
	}
	return m
}

// activation hands CEL the two variables without building a map per event;
// the event map is built on first use, so rule sets whose expressions never
// run (or that have none) never build it.
type activation struct {
	ev      *Event
	event   map[string]any
	request any
}

func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case "event":
		if a.event == nil {
			if a.ev.Fields != nil {
				a.event = a.ev.Fields()
			}
			if a.event == nil {
				a.event = a.ev.fieldMap()
			}
		}
		return a.event, true
	case "request":
		return a.request, true
	}
	return nil, false
}

func (a *activation) Parent() interpreter.Activation { return nil }
