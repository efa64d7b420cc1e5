package avro

import "time"

// EventType mirrors the Avro enum io.retailpulse.avro.EventType.
//
// A record decoded with a newer writer schema can carry a symbol this package
// does not know yet; it arrives as its plain string. Treat anything for which
// Valid is false like EventUnknown.
type EventType string

// EventType symbols, in schema order.
const (
	EventPageView       EventType = "PAGE_VIEW"
	EventProductView    EventType = "PRODUCT_VIEW"
	EventClick          EventType = "CLICK"
	EventAddToCart      EventType = "ADD_TO_CART"
	EventRemoveFromCart EventType = "REMOVE_FROM_CART"
	EventPurchase       EventType = "PURCHASE"
	EventSearch         EventType = "SEARCH"
	// EventUnknown is the enum's default symbol: readers resolve symbols they
	// do not know to it. Producers should not emit it.
	EventUnknown EventType = "UNKNOWN"
)

// EventTypes returns every symbol in schema order, EventUnknown last.
func EventTypes() []EventType {
	return []EventType{
		EventPageView, EventProductView, EventClick, EventAddToCart,
		EventRemoveFromCart, EventPurchase, EventSearch, EventUnknown,
	}
}

// Valid reports whether t is one of the symbols of this schema version.
func (t EventType) Valid() bool {
	switch t {
	case EventPageView, EventProductView, EventClick, EventAddToCart,
		EventRemoveFromCart, EventPurchase, EventSearch, EventUnknown:
		return true
	}
	return false
}

// UserEvent mirrors user_event.avsc; see the schema docs for field semantics.
// Nil pointers encode as Avro null.
type UserEvent struct {
	EventID     string            `avro:"event_id"`
	EventType   EventType         `avro:"event_type"`
	UserID      string            `avro:"user_id"`
	SessionID   string            `avro:"session_id"`
	EventTime   time.Time         `avro:"event_time"`
	Storefront  *string           `avro:"storefront"`
	ItemID      *string           `avro:"item_id"`
	Category    *string           `avro:"category"`
	Brand       *string           `avro:"brand"`
	Price       *float64          `avro:"price"`
	Quantity    *int32            `avro:"quantity"`
	Currency    *string           `avro:"currency"`
	OrderID     *string           `avro:"order_id"`
	SearchQuery *string           `avro:"search_query"`
	PageURL     *string           `avro:"page_url"`
	Referrer    *string           `avro:"referrer"`
	UserAgent   *string           `avro:"user_agent"`
	Attributes  map[string]string `avro:"attributes"`
}

// BehaviorAggregate mirrors behavior_aggregate.avsc: one user's activity in
// one closed window.
type BehaviorAggregate struct {
	UserID          string           `avro:"user_id"`
	WindowStart     time.Time        `avro:"window_start"`
	WindowEnd       time.Time        `avro:"window_end"`
	PageViews       int32            `avro:"page_views"`
	ProductViews    int32            `avro:"product_views"`
	Clicks          int32            `avro:"clicks"`
	CartAdds        int32            `avro:"cart_adds"`
	CartRemoves     int32            `avro:"cart_removes"`
	Purchases       int32            `avro:"purchases"`
	Searches        int32            `avro:"searches"`
	DistinctItems   int32            `avro:"distinct_items"`
	CategoryViews   map[string]int32 `avro:"category_views"`
	CategoryClicks  map[string]int32 `avro:"category_clicks"`
	CartAddValue    float64          `avro:"cart_add_value"`
	CartRemoveValue float64          `avro:"cart_remove_value"`
	PurchaseValue   float64          `avro:"purchase_value"`
	MinViewedPrice  *float64         `avro:"min_viewed_price"`
	MeanViewedPrice *float64         `avro:"mean_viewed_price"`
	MaxViewedPrice  *float64         `avro:"max_viewed_price"`
	FirstEventTime  time.Time        `avro:"first_event_time"`
	LastEventTime   time.Time        `avro:"last_event_time"`
	BehaviorScore   float64          `avro:"behavior_score"`
	// ItemIDs holds at most MaxAggregateItemIDs entries.
	ItemIDs []string `avro:"item_ids"`
}

// SessionFeatures mirrors session_features.avsc: session totals so far.
type SessionFeatures struct {
	SessionID    string    `avro:"session_id"`
	UserID       string    `avro:"user_id"`
	StartedAt    time.Time `avro:"started_at"`
	LastEventAt  time.Time `avro:"last_event_at"`
	EventCount   int32     `avro:"event_count"`
	ProductViews int32     `avro:"product_views"`
	Clicks       int32     `avro:"clicks"`
	CartAdds     int32     `avro:"cart_adds"`
	CartRemoves  int32     `avro:"cart_removes"`
	Purchases    int32     `avro:"purchases"`
	Searches     int32     `avro:"searches"`
	// RecentItems holds at most MaxRecentItems entries, most recent first.
	RecentItems []string         `avro:"recent_items"`
	CartItems   map[string]int32 `avro:"cart_items"`
	CartValue   float64          `avro:"cart_value"`
	Categories  map[string]int32 `avro:"categories"`
	DurationMS  int64            `avro:"duration_ms"`
	Ended       bool             `avro:"ended"`
}

// ProfileUpdate mirrors profile_update.avsc: deltas to add to a stored
// profile. Money is in minor currency units.
type ProfileUpdate struct {
	UserID            string           `avro:"user_id"`
	WindowStart       time.Time        `avro:"window_start"`
	WindowEnd         time.Time        `avro:"window_end"`
	CategoryViews     map[string]int64 `avro:"category_views"`
	CategoryPurchases map[string]int64 `avro:"category_purchases"`
	SpendMinor        int64            `avro:"spend_minor"`
	PurchaseCount     int64            `avro:"purchase_count"`
	PriceViewSumMinor int64            `avro:"price_view_sum_minor"`
	PriceViewCount    int64            `avro:"price_view_count"`
	LastSeen          time.Time        `avro:"last_seen"`
	LastCategory      *string          `avro:"last_category"`
}

// CatalogItem mirrors catalog_item.avsc: the current state of one item.
type CatalogItem struct {
	ItemID    string    `avro:"item_id"`
	Title     *string   `avro:"title"`
	Category  string    `avro:"category"`
	Brand     *string   `avro:"brand"`
	Price     float64   `avro:"price"`
	Currency  string    `avro:"currency"`
	Embedding []float32 `avro:"embedding"`
	Available bool      `avro:"available"`
	UpdatedAt time.Time `avro:"updated_at"`
}
