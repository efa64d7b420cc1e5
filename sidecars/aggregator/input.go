package aggregator

import (
	"time"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

// inputEvent is the part of a UserEvent the aggregator uses. Decoding into
// it (through the same serde and reader schema) skips the fields nothing
// here reads, such as page_url, user_agent and attributes, which are the
// bulk of a real storefront event, instead of allocating them per record.
type inputEvent struct {
	EventType avro.EventType `avro:"event_type"`
	UserID    string         `avro:"user_id"`
	SessionID string         `avro:"session_id"`
	EventTime time.Time      `avro:"event_time"`
	ItemID    *string        `avro:"item_id"`
	Category  *string        `avro:"category"`
	Price     *float64       `avro:"price"`
	Quantity  *int32         `avro:"quantity"`
	Currency  *string        `avro:"currency"`
}

// userEvent views e as the UserEvent window.Prepare takes; the fields not
// decoded stay zero, which Prepare does not read.
func (e *inputEvent) userEvent() avro.UserEvent {
	return avro.UserEvent{
		EventType: e.EventType, UserID: e.UserID, SessionID: e.SessionID, EventTime: e.EventTime,
		ItemID: e.ItemID, Category: e.Category, Price: e.Price, Quantity: e.Quantity, Currency: e.Currency,
	}
}
