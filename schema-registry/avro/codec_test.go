package avro

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func newOf(v any) any { return reflect.New(reflect.TypeOf(v).Elem()).Interface() }

func TestRoundTrip(t *testing.T) {
	cases := roundTripCases()
	for _, g := range goldenCases() {
		cases[g.stem+"/golden"] = g.value
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			b, err := Encode(want)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			got := newOf(want)
			if err := Decode(b, got); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip changed the value\n got: %+v\nwant: %+v", got, want)
			}
			// Value and pointer must encode alike (lengths only: map
			// order may differ between the two calls).
			b2, err := Encode(reflect.ValueOf(want).Elem().Interface())
			if err != nil {
				t.Fatalf("Encode by value: %v", err)
			}
			if len(b2) != len(b) {
				t.Errorf("encoding by value gave %d bytes, by pointer %d", len(b2), len(b))
			}
		})
	}
}

func TestNilCollectionsEncodeEmpty(t *testing.T) {
	// Producers may leave maps and slices nil; on the wire that is the
	// empty collection, and decoding yields non-nil empty ones.
	in := &SessionFeatures{SessionID: "s", UserID: "u", StartedAt: ms(5), LastEventAt: ms(6)}
	b, err := Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	var out SessionFeatures
	if err := Decode(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.CartItems == nil || len(out.CartItems) != 0 || out.Categories == nil || len(out.Categories) != 0 {
		t.Errorf("maps decoded as %#v and %#v, want empty non-nil", out.CartItems, out.Categories)
	}
	if out.RecentItems == nil || len(out.RecentItems) != 0 {
		t.Errorf("empty array decoded as %#v, want empty non-nil", out.RecentItems)
	}
}

func TestDecodeIntoReusedValue(t *testing.T) {
	b, err := Encode(&ProfileUpdate{UserID: "new", CategoryViews: map[string]int64{"b": 2}})
	if err != nil {
		t.Fatal(err)
	}
	reused := ProfileUpdate{
		UserID:        "old",
		CategoryViews: map[string]int64{"a": 1},
		LastCategory:  ptr("stale"),
	}
	if err := Decode(b, &reused); err != nil {
		t.Fatal(err)
	}
	if reused.UserID != "new" || len(reused.CategoryViews) != 1 || reused.CategoryViews["b"] != 2 || reused.LastCategory != nil {
		t.Errorf("decoding into a reused value kept old state: %+v", reused)
	}
}

func TestNaNSurvives(t *testing.T) {
	in := &CatalogItem{ItemID: "i", Price: math.NaN(), Embedding: []float32{float32(math.NaN())}, UpdatedAt: ms(0)}
	b, err := Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	var out CatalogItem
	if err := Decode(b, &out); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(out.Price) || len(out.Embedding) != 1 || !math.IsNaN(float64(out.Embedding[0])) {
		t.Errorf("NaN did not survive: price %v embedding %v", out.Price, out.Embedding)
	}
}

func TestTimestampsTruncateToMillisAndDecodeAsUTC(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	now := time.Now()
	cases := []struct {
		in   time.Time
		want int64 // Unix milliseconds after the round trip
	}{
		{time.Date(2026, 1, 1, 1, 0, 0, 123_999_999, berlin), 1767225600123},
		{time.Unix(0, -1), -1},         // 1 ns before the epoch floors to -1 ms
		{time.Unix(0, -1_000_001), -2}, // never rounds toward zero
		{time.Unix(-1, 999_000_000), -1},
		{now, now.UnixMilli()}, // local zone and monotonic reading are dropped
	}
	for _, c := range cases {
		in := &CatalogItem{ItemID: "i", UpdatedAt: c.in}
		b, err := Encode(in)
		if err != nil {
			t.Fatal(err)
		}
		var out CatalogItem
		if err := Decode(b, &out); err != nil {
			t.Fatal(err)
		}
		if got := out.UpdatedAt.UnixMilli(); got != c.want {
			t.Errorf("%v: decoded %d ms, want %d", c.in, got, c.want)
		}
		if out.UpdatedAt.Location() != time.UTC {
			t.Errorf("%v: decoded in %v, want UTC", c.in, out.UpdatedAt.Location())
		}
		if !reflect.DeepEqual(out.UpdatedAt, ms(c.want)) {
			t.Errorf("%v: decoded %#v, want %#v", c.in, out.UpdatedAt, ms(c.want))
		}
	}
}

func validEvent() *UserEvent {
	return &UserEvent{
		EventID:   "0f8fad5b-d9cb-469f-a165-70867728950e",
		EventType: EventClick,
		UserID:    "u",
		SessionID: "s",
		EventTime: ms(1),
	}
}

func TestEncodeRejects(t *testing.T) {
	var nilEvent *UserEvent
	cases := []struct {
		name    string
		v       any
		is      error
		mention string
	}{
		{"unsupported type", struct{}{}, ErrUnsupportedType, "struct {}"},
		{"nil interface", nil, ErrUnsupportedType, "<nil>"},
		{"nil pointer", nilEvent, ErrUnsupportedType, "nil *avro.UserEvent"},
		{"pointer to pointer", &nilEvent, ErrUnsupportedType, "**avro.UserEvent"},
		{"empty event type", func() any { e := validEvent(); e.EventType = ""; return e }(), ErrInvalidField, "field event_type"},
		{"unknown event type", func() any { e := validEvent(); e.EventType = "WISHLIST_ADD"; return *e }(), ErrInvalidField, `"WISHLIST_ADD"`},
		{"empty event id", func() any { e := validEvent(); e.EventID = ""; return e }(), ErrInvalidField, "field event_id"},
		{"braced uuid", func() any { e := validEvent(); e.EventID = "{" + e.EventID[1:35] + "}"; return e }(), ErrInvalidField, "field event_id"},
		{"uuid without dashes", func() any { e := validEvent(); e.EventID = strings.ReplaceAll(e.EventID, "-", "") + "abcd"; return e }(), ErrInvalidField, "field event_id"},
		{"non-hex uuid", func() any { e := validEvent(); e.EventID = "0f8fad5b-d9cb-469f-a165-70867728950g"; return e }(), ErrInvalidField, "field event_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := Encode(c.v)
			if !errors.Is(err, c.is) {
				t.Fatalf("Encode error = %v, want %v", err, c.is)
			}
			if b != nil {
				t.Errorf("Encode returned %d bytes alongside the error", len(b))
			}
			if !strings.Contains(err.Error(), c.mention) {
				t.Errorf("error %q does not mention %q", err, c.mention)
			}
		})
	}
}

func TestDecodeRejectsBadTargets(t *testing.T) {
	b, err := Encode(validEvent())
	if err != nil {
		t.Fatal(err)
	}
	var nilEvent *UserEvent
	for name, v := range map[string]any{
		"value not pointer": UserEvent{},
		"nil pointer":       nilEvent,
		"foreign type":      new(string),
		"nil":               nil,
	} {
		if err := Decode(b, v); !errors.Is(err, ErrUnsupportedType) {
			t.Errorf("%s: Decode error = %v, want ErrUnsupportedType", name, err)
		}
	}
}

// TestDecodeRejectsDamagedInput checks that every truncation of every golden
// record fails cleanly, and so does one extra byte: a record with trailing
// bytes was almost certainly written with a different schema.
func TestDecodeRejectsDamagedInput(t *testing.T) {
	for _, g := range goldenCases() {
		b, err := Encode(g.value)
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n < len(b); n++ {
			if err := Decode(b[:n], g.zero()); err == nil {
				t.Errorf("%s: decoding the first %d of %d bytes succeeded", g.stem, n, len(b))
			}
		}
		if err := Decode(append(bytes.Clone(b), 0), g.zero()); !errors.Is(err, ErrTrailingBytes) {
			t.Errorf("%s: decoding with a trailing byte: error = %v, want ErrTrailingBytes", g.stem, err)
		}
	}
}

func TestDecodeRejectsHostileCounts(t *testing.T) {
	prefix := []byte{
		0x02, 'i', // item_id "i"
		0x00,                   // title null
		0x00,                   // category ""
		0x00,                   // brand null
		0, 0, 0, 0, 0, 0, 0, 0, // price 0.0
		0x00, // currency ""
	}
	cases := map[string][]byte{
		// 2^40 floats claimed in a handful of bytes: must not allocate.
		"huge array count": append(bytes.Clone(prefix), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01),
		// Negative count means a byte-size follows; lie about both.
		"negative count": append(bytes.Clone(prefix), 0x01, 0x7f),
		// Valid count, too few bytes.
		"short array": append(bytes.Clone(prefix), 0x04, 0, 0, 0x80, 0x3f),
	}
	for name, data := range cases {
		var out CatalogItem
		if err := Decode(data, &out); err == nil {
			t.Errorf("%s: Decode succeeded", name)
		}
	}

	// A union branch index outside the union and an enum index outside the
	// symbols must both be refused.
	b, err := Encode(validEvent())
	if err != nil {
		t.Fatal(err)
	}
	// Layout of validEvent: event_id is 1 length byte + 36, then the enum
	// index, "u" and "s" (2 bytes each), event_time (1 byte), storefront.
	for name, at := range map[string]int{"enum index": 37, "union index": 43} {
		bad := bytes.Clone(b)
		bad[at] = 0x7e // zig-zag 63
		var ev UserEvent
		if err := Decode(bad, &ev); err == nil {
			t.Errorf("%s 63 decoded", name)
		}
	}
}

func TestSchemaOf(t *testing.T) {
	for _, g := range goldenCases() {
		s, err := SchemaOf(g.value)
		if err != nil {
			t.Fatalf("SchemaOf(%T): %v", g.value, err)
		}
		if strings.TrimSuffix(s.File, ".avsc") != g.stem {
			t.Errorf("SchemaOf(%T) = %s, want %s.avsc", g.value, s.File, g.stem)
		}
	}
	if _, err := SchemaOf(42); !errors.Is(err, ErrUnsupportedType) {
		t.Errorf("SchemaOf(42) error = %v", err)
	}
}

// TestConcurrentUse lets -race check the lazy parse and the shared codec.
func TestConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, g := range goldenCases() {
				b, err := Encode(g.value)
				if err != nil {
					t.Error(err)
					return
				}
				if err := Decode(b, g.zero()); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func FuzzDecodeUserEvent(f *testing.F) {
	for _, g := range goldenCases() {
		if b, err := Encode(g.value); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var ev UserEvent
		if err := Decode(data, &ev); err != nil {
			return
		}
		// Whatever decodes must encode again, unless Encode refuses a field
		// on purpose. Input may use overlong varints or several blocks, so
		// compare the second generation with the first, not with data.
		b1, err := Encode(&ev)
		if err != nil {
			if !errors.Is(err, ErrInvalidField) {
				t.Fatalf("decoded value does not re-encode: %v", err)
			}
			return
		}
		var again UserEvent
		if err := Decode(b1, &again); err != nil {
			t.Fatalf("re-encoded bytes do not decode: %v", err)
		}
		b2, err := Encode(&again)
		if err != nil {
			t.Fatalf("second re-encode: %v", err)
		}
		if len(ev.Attributes) <= 1 && !bytes.Equal(b1, b2) {
			t.Fatalf("encoding is not stable:\n%x\n%x", b1, b2)
		}
	})
}

func BenchmarkEncodeUserEvent(b *testing.B) {
	ev := goldenCases()[0].value
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(ev); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeUserEvent(b *testing.B) {
	data, err := Encode(goldenCases()[0].value)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var ev UserEvent
		if err := Decode(data, &ev); err != nil {
			b.Fatal(err)
		}
	}
}
