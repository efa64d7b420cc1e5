package aggregator

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/sidecars/aggregator/window"
)

// The output encoders below write the Avro binary encoding of the three
// governed output schemas directly, field by field in schema order, after
// the Confluent wire-format header. They replace hamba's reflection-based
// encoder on the hot path (several allocations and map iterators per
// record); avro_test.go checks that hamba decodes every encoding back to the
// value encoded, so they cannot drift from the schemas unnoticed. A schema
// change must be mirrored here; the test then fails until it is.

func appendLong(b []byte, v int64) []byte { return binary.AppendUvarint(b, uint64(v<<1)^uint64(v>>63)) }

func appendInt(b []byte, v int32) []byte { return appendLong(b, int64(v)) }

func appendString(b []byte, s string) []byte { return append(appendLong(b, int64(len(s))), s...) }

func appendDouble(b []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// appendTime writes a timestamp-millis, as hamba does: milliseconds since the
// epoch, sub-millisecond parts dropped.
func appendTime(b []byte, t time.Time) []byte { return appendLong(b, t.UnixMilli()) }

// appendOptDouble writes a ["null","double"] union.
func appendOptDouble(b []byte, v *float64) []byte {
	if v == nil {
		return append(b, 0)
	}
	return appendDouble(append(b, 2), *v)
}

func appendOptString(b []byte, v *string) []byte {
	if v == nil {
		return append(b, 0)
	}
	return appendString(append(b, 2), *v)
}

// Maps and arrays go out as one block followed by the empty end block.
// Avro does not order map entries; Go's iteration order is as good as any.

func appendIntMap(b []byte, m map[string]int32) []byte {
	if len(m) > 0 {
		b = appendLong(b, int64(len(m)))
		for k, v := range m {
			b = appendInt(appendString(b, k), v)
		}
	}
	return append(b, 0)
}

func appendLongMap(b []byte, m map[string]int64) []byte {
	if len(m) > 0 {
		b = appendLong(b, int64(len(m)))
		for k, v := range m {
			b = appendLong(appendString(b, k), v)
		}
	}
	return append(b, 0)
}

func appendStrings(b []byte, ss []string) []byte {
	if len(ss) > 0 {
		b = appendLong(b, int64(len(ss)))
		for _, s := range ss {
			b = appendString(b, s)
		}
	}
	return append(b, 0)
}

// appendIntCounts writes counts as a map<int>, values saturated as the
// records' int32 maps hold them.
func appendIntCounts(b []byte, c window.Counts) []byte {
	if c.Len() > 0 {
		b = appendLong(b, int64(c.Len()))
		for i, k := range c.Keys {
			b = appendInt(appendString(b, k), c.Int32(i))
		}
	}
	return append(b, 0)
}

func appendLongCounts(b []byte, c window.Counts) []byte {
	if c.Len() > 0 {
		b = appendLong(b, int64(c.Len()))
		for i, k := range c.Keys {
			b = appendLong(appendString(b, k), c.Values[i])
		}
	}
	return append(b, 0)
}

// Each record is written in three parts around its maps, so that the map
// and the Counts variants share everything else.

// appendAggregate writes a framed behavior_aggregate.avsc record.
func appendAggregate(b []byte, id int, a *avro.BehaviorAggregate) []byte {
	b = appendIntMap(appendIntMap(aggregateHead(b, id, a), a.CategoryViews), a.CategoryClicks)
	return aggregateTail(b, a)
}

// appendAggregateCounts is appendAggregate with the category maps given as
// Counts (see window.CountsEmitter).
func appendAggregateCounts(b []byte, id int, a *avro.BehaviorAggregate, views, clicks window.Counts) []byte {
	b = appendIntCounts(appendIntCounts(aggregateHead(b, id, a), views), clicks)
	return aggregateTail(b, a)
}

func aggregateHead(b []byte, id int, a *avro.BehaviorAggregate) []byte {
	b = serde.AppendHeader(b, id)
	b = appendString(b, a.UserID)
	b = appendTime(b, a.WindowStart)
	b = appendTime(b, a.WindowEnd)
	for _, n := range [...]int32{a.PageViews, a.ProductViews, a.Clicks, a.CartAdds, a.CartRemoves, a.Purchases, a.Searches, a.DistinctItems} {
		b = appendInt(b, n)
	}
	return b
}

func aggregateTail(b []byte, a *avro.BehaviorAggregate) []byte {
	b = appendDouble(b, a.CartAddValue)
	b = appendDouble(b, a.CartRemoveValue)
	b = appendDouble(b, a.PurchaseValue)
	b = appendOptDouble(b, a.MinViewedPrice)
	b = appendOptDouble(b, a.MeanViewedPrice)
	b = appendOptDouble(b, a.MaxViewedPrice)
	b = appendTime(b, a.FirstEventTime)
	b = appendTime(b, a.LastEventTime)
	b = appendDouble(b, a.BehaviorScore)
	return appendStrings(b, a.ItemIDs)
}

// appendProfile writes a framed profile_update.avsc record.
func appendProfile(b []byte, id int, p *avro.ProfileUpdate) []byte {
	b = appendLongMap(appendLongMap(profileHead(b, id, p), p.CategoryViews), p.CategoryPurchases)
	return profileTail(b, p)
}

// appendProfileCounts is appendProfile with the category maps as Counts.
func appendProfileCounts(b []byte, id int, p *avro.ProfileUpdate, views, purchases window.Counts) []byte {
	b = appendLongCounts(appendLongCounts(profileHead(b, id, p), views), purchases)
	return profileTail(b, p)
}

func profileHead(b []byte, id int, p *avro.ProfileUpdate) []byte {
	b = serde.AppendHeader(b, id)
	b = appendString(b, p.UserID)
	b = appendTime(b, p.WindowStart)
	return appendTime(b, p.WindowEnd)
}

func profileTail(b []byte, p *avro.ProfileUpdate) []byte {
	b = appendLong(b, p.SpendMinor)
	b = appendLong(b, p.PurchaseCount)
	b = appendLong(b, p.PriceViewSumMinor)
	b = appendLong(b, p.PriceViewCount)
	b = appendTime(b, p.LastSeen)
	return appendOptString(b, p.LastCategory)
}

// appendSession writes a framed session_features.avsc record.
func appendSession(b []byte, id int, s *avro.SessionFeatures) []byte {
	b = appendDouble(appendIntMap(sessionHead(b, id, s), s.CartItems), s.CartValue)
	return sessionTail(appendIntMap(b, s.Categories), s)
}

// appendSessionCounts is appendSession with the cart and category maps as
// Counts.
func appendSessionCounts(b []byte, id int, s *avro.SessionFeatures, cart, cats window.Counts) []byte {
	b = appendDouble(appendIntCounts(sessionHead(b, id, s), cart), s.CartValue)
	return sessionTail(appendIntCounts(b, cats), s)
}

func sessionHead(b []byte, id int, s *avro.SessionFeatures) []byte {
	b = serde.AppendHeader(b, id)
	b = appendString(b, s.SessionID)
	b = appendString(b, s.UserID)
	b = appendTime(b, s.StartedAt)
	b = appendTime(b, s.LastEventAt)
	for _, n := range [...]int32{s.EventCount, s.ProductViews, s.Clicks, s.CartAdds, s.CartRemoves, s.Purchases, s.Searches} {
		b = appendInt(b, n)
	}
	return appendStrings(b, s.RecentItems)
}

func sessionTail(b []byte, s *avro.SessionFeatures) []byte {
	b = appendLong(b, s.DurationMS)
	return appendBool(b, s.Ended)
}
