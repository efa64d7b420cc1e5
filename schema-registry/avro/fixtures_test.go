package avro

import (
	"math"
	"time"
)

func ptr[T any](v T) *T { return &v }

// ms builds a timestamp the way a decoder returns it: UTC, millisecond
// precision, so reflect.DeepEqual can compare round trips.
func ms(unixMilli int64) time.Time { return time.UnixMilli(unixMilli).UTC() }

// goldenCase is one fixed record per schema. Each map holds at most one entry:
// Go map iteration order would otherwise make the golden bytes flaky (see the
// package doc); multi-entry maps are covered by the round-trip cases.
type goldenCase struct {
	stem  string // testdata/<stem>.golden.{bin,json}, same stem as the .avsc
	value any    // pointer to a record type
	zero  func() any
}

func goldenCases() []goldenCase {
	return []goldenCase{
		{"user_event", &UserEvent{
			EventID:     "0f8fad5b-d9cb-469f-a165-70867728950e",
			EventType:   EventPurchase,
			UserID:      "u-1001",
			SessionID:   "s-77f3",
			EventTime:   ms(1767225600123), // 2026-01-01T00:00:00.123Z
			Storefront:  ptr("web-us"),
			ItemID:      ptr("sku-42"),
			Category:    ptr("shoes/running"),
			Brand:       ptr("Fleetfoot"),
			Price:       ptr(89.99),
			Quantity:    ptr[int32](2),
			Currency:    ptr("USD"),
			OrderID:     ptr("o-5501"),
			SearchQuery: nil,
			PageURL:     ptr("https://shop.example/checkout/confirm"),
			Referrer:    nil,
			UserAgent:   ptr("Mozilla/5.0 (X11; Linux x86_64)"),
			Attributes:  map[string]string{"ab_arm": "ranker-b"},
		}, func() any { return new(UserEvent) }},
		{"behavior_aggregate", &BehaviorAggregate{
			UserID:          "u-1001",
			WindowStart:     ms(1767225600000),
			WindowEnd:       ms(1767225630000),
			PageViews:       3,
			ProductViews:    4,
			Clicks:          2,
			CartAdds:        1,
			CartRemoves:     0,
			Purchases:       1,
			Searches:        1,
			DistinctItems:   3,
			CategoryViews:   map[string]int32{"shoes/running": 4},
			CategoryClicks:  map[string]int32{},
			CartAddValue:    179.98,
			CartRemoveValue: 0,
			PurchaseValue:   179.98,
			MinViewedPrice:  ptr(49.5),
			MeanViewedPrice: ptr(72.2475),
			MaxViewedPrice:  ptr(89.99),
			FirstEventTime:  ms(1767225600123),
			LastEventTime:   ms(1767225629999),
			BehaviorScore:   12.75,
			ItemIDs:         []string{"sku-42", "sku-7", "sku-19"},
		}, func() any { return new(BehaviorAggregate) }},
		{"session_features", &SessionFeatures{
			SessionID:    "s-77f3",
			UserID:       "u-1001",
			StartedAt:    ms(1767225512000),
			LastEventAt:  ms(1767225629999),
			EventCount:   12,
			ProductViews: 4,
			Clicks:       2,
			CartAdds:     1,
			CartRemoves:  0,
			Purchases:    1,
			Searches:     1,
			RecentItems:  []string{"sku-42", "sku-19", "sku-7"},
			CartItems:    map[string]int32{"sku-42": 2},
			CartValue:    179.98,
			Categories:   map[string]int32{"shoes/running": 7},
			DurationMS:   117999,
			Ended:        false,
		}, func() any { return new(SessionFeatures) }},
		{"profile_update", &ProfileUpdate{
			UserID:            "u-1001",
			WindowStart:       ms(1767225600000),
			WindowEnd:         ms(1767225630000),
			CategoryViews:     map[string]int64{"shoes/running": 4},
			CategoryPurchases: map[string]int64{"shoes/running": 2},
			SpendMinor:        17998,
			PurchaseCount:     1,
			PriceViewSumMinor: 28899,
			PriceViewCount:    4,
			LastSeen:          ms(1767225629999),
			LastCategory:      ptr("shoes/running"),
		}, func() any { return new(ProfileUpdate) }},
		{"catalog_item", &CatalogItem{
			ItemID:    "sku-42",
			Title:     ptr("Fleetfoot Tempo 3 road running shoe"),
			Category:  "shoes/running",
			Brand:     nil,
			Price:     89.99,
			Currency:  "USD",
			Embedding: []float32{0.125, -0.5, 0.75, 1e-3},
			Available: true,
			UpdatedAt: ms(1767139200000),
		}, func() any { return new(CatalogItem) }},
	}
}

// roundTripCases covers what the golden cases do not: all-null optionals,
// empty and multi-entry collections, extreme numbers, odd strings and
// timestamps far from now.
func roundTripCases() map[string]any {
	huge := math.MaxFloat64
	return map[string]any{
		"user_event/minimal": &UserEvent{
			EventID:    "00000000-0000-0000-0000-000000000000",
			EventType:  EventPageView,
			UserID:     "",
			SessionID:  "",
			EventTime:  ms(0),
			Attributes: map[string]string{},
		},
		"user_event/extremes": &UserEvent{
			EventID:     "F47AC10B-58CC-4372-A567-0E02B2C3D479",
			EventType:   EventUnknown,
			UserID:      "ユーザー\u0000\U0001F6D2",
			SessionID:   string(make([]byte, 4096)),
			EventTime:   ms(-62135596800000), // 0001-01-01, time.Time's zero instant
			Storefront:  ptr(""),
			ItemID:      ptr("sku"),
			Price:       &huge,
			Quantity:    ptr[int32](math.MinInt32),
			Currency:    ptr("JPY"),
			SearchQuery: ptr("red \"shoes\" \\ size:44"),
			Attributes:  map[string]string{"a": "", "": "empty key", "ключ": "значение"},
		},
		"user_event/far_future": &UserEvent{
			EventID:    "0f8fad5b-d9cb-469f-a165-70867728950e",
			EventType:  EventSearch,
			UserID:     "u",
			SessionID:  "s",
			EventTime:  ms(253402300799999), // 9999-12-31T23:59:59.999Z
			Price:      ptr(math.SmallestNonzeroFloat64),
			Quantity:   ptr[int32](math.MaxInt32),
			Attributes: map[string]string{},
		},
		"behavior_aggregate/empty": &BehaviorAggregate{
			UserID:         "u",
			WindowStart:    ms(-30000),
			WindowEnd:      ms(0),
			CategoryViews:  map[string]int32{},
			CategoryClicks: map[string]int32{},
			ItemIDs:        []string{},
			FirstEventTime: ms(-1),
			LastEventTime:  ms(-1),
		},
		"behavior_aggregate/full": &BehaviorAggregate{
			UserID:          "u",
			WindowStart:     ms(1767225600000),
			WindowEnd:       ms(1767225630000),
			PageViews:       math.MaxInt32,
			DistinctItems:   MaxAggregateItemIDs + 1,
			CategoryViews:   map[string]int32{"a": 1, "b": 2, "c": math.MaxInt32},
			CategoryClicks:  map[string]int32{"a": -1, "z": 0},
			CartAddValue:    math.Inf(1),
			PurchaseValue:   -0.0,
			MinViewedPrice:  ptr(0.0),
			MeanViewedPrice: ptr(1e300),
			MaxViewedPrice:  ptr(math.Inf(1)),
			FirstEventTime:  ms(1767225600000),
			LastEventTime:   ms(1767225629999),
			BehaviorScore:   math.MaxFloat64,
			ItemIDs:         fill(MaxAggregateItemIDs, "sku-"),
		},
		"session_features/empty": &SessionFeatures{
			SessionID:   "s",
			UserID:      "u",
			StartedAt:   ms(1),
			RecentItems: []string{},
			CartItems:   map[string]int32{},
			Categories:  map[string]int32{},
			Ended:       true,
		},
		"session_features/full": &SessionFeatures{
			SessionID:   "s",
			UserID:      "u",
			StartedAt:   ms(1767225512000),
			LastEventAt: ms(1767225629999),
			RecentItems: fill(MaxRecentItems, "i"),
			CartItems:   map[string]int32{"x": 1, "y": 99, "z": math.MaxInt32},
			CartValue:   1e-9,
			Categories:  map[string]int32{"one": 1, "two": 2},
			DurationMS:  math.MaxInt64,
		},
		"profile_update/empty": &ProfileUpdate{
			UserID:            "u",
			CategoryViews:     map[string]int64{},
			CategoryPurchases: map[string]int64{},
		},
		"profile_update/extremes": &ProfileUpdate{
			UserID:            "u",
			WindowStart:       ms(1767225600000),
			WindowEnd:         ms(1767225630000),
			CategoryViews:     map[string]int64{"a": math.MaxInt64, "b": math.MinInt64, "c": 0},
			CategoryPurchases: map[string]int64{"a": 1, "b": -1},
			SpendMinor:        math.MinInt64,
			PurchaseCount:     math.MaxInt64,
			PriceViewSumMinor: -1,
			LastSeen:          ms(math.MaxInt64 / 1000),
			LastCategory:      ptr(""),
		},
		"catalog_item/minimal": &CatalogItem{
			ItemID:    "i",
			Category:  "",
			Currency:  "",
			Embedding: []float32{},
			UpdatedAt: ms(0),
		},
		"catalog_item/extremes": &CatalogItem{
			ItemID:    "i",
			Title:     ptr("t"),
			Brand:     ptr("b"),
			Price:     -math.MaxFloat64,
			Currency:  "EUR",
			Embedding: []float32{math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, float32(math.Inf(-1)), 0},
			Available: false,
			UpdatedAt: ms(-1),
		},
	}
}

func fill(n int, prefix string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	return out
}
