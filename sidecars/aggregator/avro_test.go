package aggregator

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
)

// The hand-written codecs are checked against hamba through the governed
// schemas: whatever appendX writes, avro.Decode must read back as the value
// encoded, and whatever avro.Encode writes, decodeUserEvent must read as
// hamba does.

func randTime(r *rand.Rand) time.Time {
	return time.UnixMilli(r.Int64N(4e12) - 1e12).UTC()
}

func randStr(r *rand.Rand) string {
	b := make([]byte, r.IntN(70))
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return string(b)
}

func randOptF(r *rand.Rand) *float64 {
	if r.IntN(3) == 0 {
		return nil
	}
	v := r.NormFloat64() * 1e6
	return &v
}

func randOptS(r *rand.Rand) *string {
	if r.IntN(3) == 0 {
		return nil
	}
	s := randStr(r)
	return &s
}

func randMap[V int32 | int64](r *rand.Rand, big bool) map[string]V {
	m := map[string]V{}
	for range r.IntN(8) {
		v := V(r.Int32() - r.Int32())
		if big {
			v = V(r.Int64() - r.Int64())
		}
		m[randStr(r)] = v
	}
	return m
}

func randStrs(r *rand.Rand) []string {
	out := []string{}
	for range r.IntN(30) {
		out = append(out, randStr(r))
	}
	return out
}

func i32(r *rand.Rand) int32 { return r.Int32() - r.Int32() }

// roundTrip encodes v with enc, checks the wire header, decodes the body
// with hamba into got and compares.
func roundTrip[T any](t *testing.T, v *T, enc func([]byte, int, *T) []byte) {
	t.Helper()
	b := enc([]byte("junk"), 4242, v)[4:]
	id, body, err := serde.ParseHeader(b)
	if err != nil || id != 4242 {
		t.Fatalf("header: id %d, %v", id, err)
	}
	got := new(T)
	if err := avro.Decode(body, got); err != nil {
		t.Fatalf("hamba cannot decode %T: %v", v, err)
	}
	if !reflect.DeepEqual(got, v) {
		t.Fatalf("round trip of %T differs:\n got %+v\nwant %+v", v, got, v)
	}
}

func TestOutputEncodersMatchSchemas(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			roundTrip(t, &avro.BehaviorAggregate{
				UserID: randStr(r), WindowStart: randTime(r), WindowEnd: randTime(r),
				PageViews: i32(r), ProductViews: i32(r), Clicks: i32(r), CartAdds: i32(r), CartRemoves: i32(r),
				Purchases: i32(r), Searches: i32(r), DistinctItems: i32(r),
				CategoryViews: randMap[int32](r, false), CategoryClicks: randMap[int32](r, false),
				CartAddValue: r.NormFloat64(), CartRemoveValue: r.NormFloat64(), PurchaseValue: r.NormFloat64(),
				MinViewedPrice: randOptF(r), MeanViewedPrice: randOptF(r), MaxViewedPrice: randOptF(r),
				FirstEventTime: randTime(r), LastEventTime: randTime(r), BehaviorScore: r.Float64(), ItemIDs: randStrs(r),
			}, appendAggregate)
			roundTrip(t, &avro.ProfileUpdate{
				UserID: randStr(r), WindowStart: randTime(r), WindowEnd: randTime(r),
				CategoryViews: randMap[int64](r, true), CategoryPurchases: randMap[int64](r, true),
				SpendMinor: r.Int64() - r.Int64(), PurchaseCount: r.Int64N(1e9), PriceViewSumMinor: r.Int64(),
				PriceViewCount: -r.Int64(), LastSeen: randTime(r), LastCategory: randOptS(r),
			}, appendProfile)
			roundTrip(t, &avro.SessionFeatures{
				SessionID: randStr(r), UserID: randStr(r), StartedAt: randTime(r), LastEventAt: randTime(r),
				EventCount: i32(r), ProductViews: i32(r), Clicks: i32(r), CartAdds: i32(r), CartRemoves: i32(r),
				Purchases: i32(r), Searches: i32(r), RecentItems: randStrs(r), CartItems: randMap[int32](r, false),
				CartValue: r.NormFloat64(), Categories: randMap[int32](r, false), DurationMS: r.Int64() - r.Int64(),
				Ended: r.IntN(2) == 0,
			}, appendSession)
		})
	}
}

func randEvent(r *rand.Rand, i int) *avro.UserEvent {
	ev := &avro.UserEvent{
		EventID:   fmt.Sprintf("%08x-0000-4000-8000-%012x", i, r.Int64N(1<<48)),
		EventType: avro.EventTypes()[r.IntN(8)], UserID: randStr(r), SessionID: randStr(r), EventTime: randTime(r),
		Storefront: randOptS(r), ItemID: randOptS(r), Category: randOptS(r), Brand: randOptS(r), Price: randOptF(r),
		Currency: randOptS(r), OrderID: randOptS(r), SearchQuery: randOptS(r), PageURL: randOptS(r),
		Referrer: randOptS(r), UserAgent: randOptS(r), Attributes: map[string]string{},
	}
	if r.IntN(2) == 0 {
		q := i32(r)
		ev.Quantity = &q
	}
	for range r.IntN(4) {
		ev.Attributes[randStr(r)] = randStr(r)
	}
	return ev
}

func TestDecodeUserEventMatchesHamba(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 3000 {
		ev := randEvent(r, i)
		body, err := avro.Encode(ev)
		if err != nil {
			t.Fatal(err)
		}
		var got inputEvent
		if err := decodeUserEvent(body, &got); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		want := inputEvent{EventType: ev.EventType, UserID: ev.UserID, SessionID: ev.SessionID, EventTime: ev.EventTime,
			ItemID: ev.ItemID, Category: ev.Category, Price: ev.Price, Quantity: ev.Quantity, Currency: ev.Currency}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("event %d:\n got %+v\nwant %+v", i, got, want)
		}
		// Every strict prefix is truncated and must fail, never panic;
		// so must a trailing byte.
		for n := 0; n < len(body); n++ {
			if decodeUserEvent(body[:n], new(inputEvent)) == nil {
				t.Fatalf("event %d: %d of %d bytes decoded without error", i, n, len(body))
			}
		}
		if decodeUserEvent(append(body, 0), new(inputEvent)) == nil {
			t.Fatalf("event %d: trailing byte accepted", i)
		}
	}
}

func FuzzDecodeUserEvent(f *testing.F) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 20 {
		b, _ := avro.Encode(randEvent(r, i))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var got inputEvent
		if decodeUserEvent(b, &got) != nil {
			return
		}
		// What the fast path accepts, hamba must accept identically.
		var ev avro.UserEvent
		if err := avro.Decode(b, &ev); err != nil {
			t.Fatalf("fast decoder accepted what hamba refuses: %v", err)
		}
		if got.UserID != ev.UserID || got.EventType != ev.EventType || !got.EventTime.Equal(ev.EventTime) {
			t.Fatalf("fast decoder disagrees with hamba: %+v vs %+v", got, ev)
		}
	})
}

func BenchmarkEncodeAggregate(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	v := &avro.BehaviorAggregate{UserID: "u123", CategoryViews: map[string]int32{"electronics.smartphone": 2},
		CategoryClicks: map[string]int32{}, ItemIDs: []string{"1234", "5678"}, MinViewedPrice: randOptF(r)}
	var buf []byte
	for b.Loop() {
		buf = appendAggregate(buf[:0], 1, v)
	}
}

func BenchmarkDecodeUserEvent(b *testing.B) {
	body, _ := avro.Encode(randEvent(rand.New(rand.NewPCG(1, 2)), 1))
	for b.Loop() {
		var e inputEvent
		if err := decodeUserEvent(body, &e); err != nil {
			b.Fatal(err)
		}
	}
}
