package loadgen

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestSyntheticSessionsAreWellFormed(t *testing.T) {
	s := newSynthetic(42, 0, 100, 50)
	types := map[string]int{}
	var e event
	for i := 0; i < 20000; i++ {
		s.next(&e, 1767225600000)
		types[e.typ]++
		for _, tagged := range []bool{false, true} {
			var m map[string]any
			if err := json.Unmarshal(e.appendJSON(nil, tagged), &m); err != nil {
				t.Fatalf("event %d is not JSON: %v\n%s", i, err, e.appendJSON(nil, tagged))
			}
			if tagged && len(m) != 18 {
				t.Fatalf("tagged event must carry all 18 fields, has %d", len(m))
			}
		}
		id := string(e.id[:])
		if len(id) != 36 || id[14] != '4' || e.user == "" || e.session == "" {
			t.Fatalf("event %d ids: %q user %q session %q", i, id, e.user, e.session)
		}
		switch e.typ {
		case "PRODUCT_VIEW", "CLICK", "ADD_TO_CART", "REMOVE_FROM_CART", "PURCHASE":
			if e.item == "" || !e.hasPrice || e.category == "" {
				t.Fatalf("%s without item or price: %+v", e.typ, e)
			}
		case "SEARCH":
			if e.query == "" {
				t.Fatalf("search without query")
			}
		case "PAGE_VIEW":
		default:
			t.Fatalf("unknown type %q", e.typ)
		}
		if e.typ == "PURCHASE" && e.orderID == "" {
			t.Fatal("purchase without order id")
		}
	}
	// A storefront's mix: views dominate, purchases are rare but present.
	if types["PRODUCT_VIEW"] < types["CLICK"] || types["CLICK"] < types["PURCHASE"] || types["PURCHASE"] == 0 ||
		types["SEARCH"] == 0 || types["REMOVE_FROM_CART"] == 0 || types["PAGE_VIEW"] == 0 {
		t.Fatalf("implausible mix: %v", types)
	}
}

func TestAppendStringEscapes(t *testing.T) {
	for _, s := range []string{"plain", `q"uote\back`, "ctl\x01\n", "ünï😀", "bad\xffutf8"} {
		var got string
		if err := json.Unmarshal(appendString(nil, s), &got); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if s != "bad\xffutf8" && got != s {
			t.Fatalf("%q round-tripped as %q", s, got)
		}
	}
}

// TestAppendStringFindsEveryEscape puts each byte that needs escaping at
// every position of a long string, where the eight-byte scan looks.
func TestAppendStringFindsEveryEscape(t *testing.T) {
	for _, special := range []string{`"`, `\`, "\x00", "\x1f", "\n", "é", " ", "~", "\x7f"} {
		for at := 0; at < 24; at++ {
			s := strings.Repeat("a", at) + special + strings.Repeat("b", 24-at)
			want, _ := json.Marshal(s)
			var got, back string
			if err := json.Unmarshal(appendString(nil, s), &got); err != nil || got != s {
				t.Fatalf("%q: round-tripped as %q, err %v", s, got, err)
			}
			_ = json.Unmarshal(want, &back)
			if back != got {
				t.Fatalf("%q: %q, encoding/json %q", s, got, back)
			}
		}
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 100000; i++ {
		// Uniform 1..100 ms: p50 ≈ 50 ms, p99 ≈ 99 ms.
		h.record(time.Duration(1+r.IntN(100)) * time.Millisecond)
	}
	for q, want := range map[float64]time.Duration{0.5: 50 * time.Millisecond, 0.99: 99 * time.Millisecond} {
		got := h.quantile(q)
		if d := float64(got-want) / float64(want); d < -0.05 || d > 0.05 {
			t.Errorf("p%v: got %s want about %s", q*100, got, want)
		}
	}
	if h.quantile(1) != 100*time.Millisecond {
		t.Errorf("max: %s", h.quantile(1))
	}
	snap := h.snapshot(true)
	if snap.total.Load() != 100000 || h.total.Load() != 0 || h.quantile(0.5) != 0 {
		t.Fatalf("snapshot/reset: %d %d", snap.total.Load(), h.total.Load())
	}
}

func TestRecordErrors(t *testing.T) {
	for body, want := range map[string]int{
		`{"offsets":[{"partition":1,"offset":2,"error_code":null},{"error_code":42203,"error":"x"}]}`: 1,
		`{"successes":[{"error_code":200},{"error_code":200}],"failures":[{"error_code":42203}]}`:     1,
		`{"error_code":200}`: 0,
	} {
		if got := recordErrors([]byte(body)); got != want {
			t.Errorf("%s: got %d want %d", body, got, want)
		}
	}
}
