package aggregator

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/sidecars/aggregator/window"
)

// countsOf turns a record's map into the Counts a Partition would pass.
func countsOf[V int32 | int64](m map[string]V) window.Counts {
	var c window.Counts
	for k, v := range m {
		c.Keys = append(c.Keys, k)
		c.Values = append(c.Values, int64(v))
	}
	return c
}

// decodeBody checks the wire header of b and decodes its body with hamba.
func decodeBody[T any](t *testing.T, b []byte) *T {
	t.Helper()
	id, body, err := serde.ParseHeader(b)
	if err != nil || id != 4242 {
		t.Fatalf("header: id %d, %v", id, err)
	}
	got := new(T)
	if err := avro.Decode(body, got); err != nil {
		t.Fatalf("hamba cannot decode %T: %v", got, err)
	}
	return got
}

// The Counts encoders write records that hamba reads back as the record
// with its maps, exactly like the map encoders' records.
func TestCountsEncodersMatchMapEncoders(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	for i := range 2000 {
		a := &avro.BehaviorAggregate{
			UserID: randStr(r), WindowStart: randTime(r), WindowEnd: randTime(r),
			PageViews: i32(r), ProductViews: i32(r), Clicks: i32(r), CartAdds: i32(r), CartRemoves: i32(r),
			Purchases: i32(r), Searches: i32(r), DistinctItems: i32(r),
			CartAddValue: r.NormFloat64(), CartRemoveValue: r.NormFloat64(), PurchaseValue: r.NormFloat64(),
			MinViewedPrice: randOptF(r), MeanViewedPrice: randOptF(r), MaxViewedPrice: randOptF(r),
			FirstEventTime: randTime(r), LastEventTime: randTime(r), BehaviorScore: r.Float64(), ItemIDs: randStrs(r),
		}
		views, clicks := randMap[int32](r, false), randMap[int32](r, false)
		b := appendAggregateCounts(nil, 4242, a, countsOf(views), countsOf(clicks))
		a.CategoryViews, a.CategoryClicks = views, clicks
		if got := decodeBody[avro.BehaviorAggregate](t, b); !reflect.DeepEqual(got, a) {
			t.Fatalf("aggregate %d:\n got %+v\nwant %+v", i, got, a)
		}

		p := &avro.ProfileUpdate{
			UserID: randStr(r), WindowStart: randTime(r), WindowEnd: randTime(r),
			SpendMinor: r.Int64() - r.Int64(), PurchaseCount: r.Int64N(1e9), PriceViewSumMinor: r.Int64(),
			PriceViewCount: -r.Int64(), LastSeen: randTime(r), LastCategory: randOptS(r),
		}
		pv, pp := randMap[int64](r, true), randMap[int64](r, true)
		b = appendProfileCounts(nil, 4242, p, countsOf(pv), countsOf(pp))
		p.CategoryViews, p.CategoryPurchases = pv, pp
		if got := decodeBody[avro.ProfileUpdate](t, b); !reflect.DeepEqual(got, p) {
			t.Fatalf("profile %d:\n got %+v\nwant %+v", i, got, p)
		}

		s := &avro.SessionFeatures{
			SessionID: randStr(r), UserID: randStr(r), StartedAt: randTime(r), LastEventAt: randTime(r),
			EventCount: i32(r), ProductViews: i32(r), Clicks: i32(r), CartAdds: i32(r), CartRemoves: i32(r),
			Purchases: i32(r), Searches: i32(r), RecentItems: randStrs(r), CartValue: r.NormFloat64(),
			DurationMS: r.Int64() - r.Int64(), Ended: r.IntN(2) == 0,
		}
		cart, cats := randMap[int32](r, false), randMap[int32](r, false)
		b = appendSessionCounts(nil, 4242, s, countsOf(cart), countsOf(cats))
		s.CartItems, s.Categories = cart, cats
		if got := decodeBody[avro.SessionFeatures](t, b); !reflect.DeepEqual(got, s) {
			t.Fatalf("session %d:\n got %+v\nwant %+v", i, got, s)
		}
	}
}

// Counts beyond int32 saturate in the int32 maps, as the map fields do.
func TestIntCountsSaturate(t *testing.T) {
	c := window.Counts{Keys: []string{"hi", "lo"}, Values: []int64{1 << 40, -1 << 40}}
	b := appendAggregateCounts(nil, 4242, &avro.BehaviorAggregate{}, c, window.Counts{})
	got := decodeBody[avro.BehaviorAggregate](t, b)
	want := map[string]int32{"hi": math.MaxInt32, "lo": math.MinInt32}
	if !reflect.DeepEqual(got.CategoryViews, want) || len(got.CategoryClicks) != 0 {
		t.Fatalf("category maps %v and %v, want %v and none", got.CategoryViews, got.CategoryClicks, want)
	}
}
