package window

import (
	"fmt"
	"math"
	"time"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

// Event types as array indexes; typeOther covers UNKNOWN and symbols of
// newer schema versions, which count as activity but in no per-type field.
const (
	typePageView = iota
	typeProductView
	typeClick
	typeCartAdd
	typeCartRemove
	typePurchase
	typeSearch
	numTypes
	typeOther = -1
)

func typeIndex(t avro.EventType) int {
	switch t {
	case avro.EventPageView:
		return typePageView
	case avro.EventProductView:
		return typeProductView
	case avro.EventClick:
		return typeClick
	case avro.EventAddToCart:
		return typeCartAdd
	case avro.EventRemoveFromCart:
		return typeCartRemove
	case avro.EventPurchase:
		return typePurchase
	case avro.EventSearch:
		return typeSearch
	}
	return typeOther
}

// Event is a UserEvent checked and reduced to what the windows need. Build
// it with Prepare.
type Event struct {
	typ      int
	time     int64 // event_time, ms since the epoch
	user     string
	session  string
	item     string // "" when item_id is null
	itemFP   uint64 // fingerprint of item
	category string // "" when category is null
	hasItem  bool
	hasCat   bool
	hasPrice bool
	price    float64
	qty      int64 // units; null counts as 1
	// minor is price×qty in minor units for PURCHASE (spend) and price in
	// minor units for PRODUCT_VIEW (price sensitivity), rounded half away
	// from zero; zero otherwise.
	minor int64
}

// Time returns the event time.
func (e Event) Time() time.Time { return time.UnixMilli(e.time).UTC() }

// User returns the user id the event belongs to.
func (e Event) User() string { return e.user }

// Prepare checks ev and reduces it to an Event. It refuses what would make
// an aggregate wrong or undefined, naming the field: an empty user_id or
// session_id, a negative or non-finite price, a quantity below 1 on a cart
// or purchase event, or a value whose minor units overflow int64.
func Prepare(ev *avro.UserEvent) (Event, error) {
	if ev == nil {
		return Event{}, fmt.Errorf("%w: event is nil", ErrInvalidEvent)
	}
	e := Event{
		typ:     typeIndex(ev.EventType),
		time:    ev.EventTime.UnixMilli(),
		user:    ev.UserID,
		session: ev.SessionID,
		qty:     1,
	}
	if e.user == "" {
		return Event{}, fmt.Errorf("%w: field user_id is empty", ErrInvalidEvent)
	}
	if e.session == "" {
		return Event{}, fmt.Errorf("%w: field session_id is empty", ErrInvalidEvent)
	}
	if ev.ItemID != nil {
		e.item, e.hasItem = *ev.ItemID, true
		e.itemFP = fingerprint(e.item)
	}
	if ev.Category != nil {
		e.category, e.hasCat = *ev.Category, true
	}
	if ev.Price != nil {
		p := *ev.Price
		if math.IsNaN(p) || math.IsInf(p, 0) || p < 0 {
			return Event{}, fmt.Errorf("%w: field price is %v, want a finite non-negative number", ErrInvalidEvent, p)
		}
		e.price, e.hasPrice = p, true
	}
	if ev.Quantity != nil && (e.typ == typeCartAdd || e.typ == typeCartRemove || e.typ == typePurchase) {
		if *ev.Quantity < 1 {
			return Event{}, fmt.Errorf("%w: field quantity is %d on a %s event, want at least 1", ErrInvalidEvent, *ev.Quantity, ev.EventType)
		}
		e.qty = int64(*ev.Quantity)
	}
	if e.hasPrice && (e.typ == typePurchase || e.typ == typeProductView) {
		exp := currencyExponent(ev.Currency)
		m, ok := toMinor(e.price, e.qty, exp)
		if !ok {
			return Event{}, fmt.Errorf("%w: field price %v × quantity %d does not fit in int64 minor units", ErrInvalidEvent, e.price, e.qty)
		}
		e.minor = m
	}
	return e, nil
}

// value is price × quantity in major units, 0 without a price.
func (e *Event) value() float64 {
	if !e.hasPrice {
		return 0
	}
	return e.price * float64(e.qty)
}
