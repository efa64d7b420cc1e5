package window

import (
	"reflect"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

func hopping() Spec {
	return Spec{Size: 30 * time.Second, Advance: 10 * time.Second, Grace: 5 * time.Second, SessionTimeout: time.Minute}
}

// With 30 s windows every 10 s, an event counts in three windows, while its
// profile delta goes to exactly one 10 s pane.
func TestHoppingWindows(t *testing.T) {
	p := newPartition(t, hopping())
	var out sink
	add(t, p, &out, ev("u", "s", avro.EventPurchase, 25000, price(1)))
	add(t, p, &out, ev("u", "s", avro.EventPageView, 31000))
	add(t, p, &out, ev("x", "y", avro.EventPageView, 100000))
	var starts []int64
	for _, a := range out.aggs {
		if a.UserID != "u" {
			continue
		}
		starts = append(starts, a.WindowStart.UnixMilli())
		if a.WindowEnd.Sub(a.WindowStart) != 30*time.Second {
			t.Errorf("window [%v, %v) is not 30 s long", a.WindowStart, a.WindowEnd)
		}
		wantPurchases := int32(0)
		if a.WindowStart.UnixMilli() <= 25000 {
			wantPurchases = 1
		}
		if a.Purchases != wantPurchases {
			t.Errorf("window at %v: %d purchases, want %d", a.WindowStart, a.Purchases, wantPurchases)
		}
	}
	if want := []int64{0, 10000, 20000, 30000}; !reflect.DeepEqual(starts, want) {
		t.Errorf("windows of u start at %v, want %v", starts, want)
	}
	var spend int64
	var panes []int64
	for _, pu := range out.profiles {
		if pu.UserID == "u" {
			spend += pu.SpendMinor
			panes = append(panes, pu.WindowStart.UnixMilli())
			if pu.WindowEnd.Sub(pu.WindowStart) != 10*time.Second {
				t.Errorf("profile pane [%v, %v) is not 10 s long", pu.WindowStart, pu.WindowEnd)
			}
		}
	}
	if spend != 100 || !reflect.DeepEqual(panes, []int64{20000, 30000}) {
		t.Errorf("profile panes %v with spend %d, want [20000 30000] and 100 (counted once)", panes, spend)
	}
}

// An event is late as soon as its pane has closed, which is when the
// earliest window holding it closes; before that it counts in all windows.
func TestHoppingLateness(t *testing.T) {
	p := newPartition(t, hopping())
	var out sink
	add(t, p, &out, ev("u", "s", avro.EventPageView, 0))
	add(t, p, &out, ev("x", "y", avro.EventPageView, 34999))
	if v := add(t, p, &out, ev("u", "s", avro.EventClick, 29999)); v != Accepted {
		t.Fatalf("event in pane [20000,30000) at stream time 34999: %v, want Accepted", v)
	}
	add(t, p, &out, ev("x", "y", avro.EventPageView, 35000)) // closes window [0,30000) and pane [20000,30000)
	if v := add(t, p, &out, ev("u", "s", avro.EventClick, 29999)); v != Late {
		t.Fatalf("event in closed pane: %v, want Late", v)
	}
	for _, a := range out.aggs {
		if a.UserID == "u" && a.WindowStart == ms(0) && a.Clicks != 1 {
			t.Errorf("window [0,30000) has %d clicks, want 1", a.Clicks)
		}
	}
}
