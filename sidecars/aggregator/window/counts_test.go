package window

import (
	"reflect"
	"testing"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

// countsSink is a CountsEmitter that rebuilds the map fields from the Counts
// and records into a sink, after checking that the Partition left them nil.
type countsSink struct {
	t *testing.T
	sink
}

func int32s(c Counts) map[string]int32 {
	m := map[string]int32{}
	for i, k := range c.Keys {
		m[k] = c.Int32(i)
	}
	return m
}

func int64s(c Counts) map[string]int64 {
	m := map[string]int64{}
	for i, k := range c.Keys {
		m[k] = c.Values[i]
	}
	return m
}

func (s *countsSink) AggregateCounts(a *avro.BehaviorAggregate, views, clicks Counts) error {
	if a.CategoryViews != nil || a.CategoryClicks != nil {
		s.t.Fatal("aggregate handed to a CountsEmitter has map fields")
	}
	a.CategoryViews, a.CategoryClicks = int32s(views), int32s(clicks)
	return s.Aggregate(a)
}

func (s *countsSink) ProfileCounts(p *avro.ProfileUpdate, views, purchases Counts) error {
	if p.CategoryViews != nil || p.CategoryPurchases != nil {
		s.t.Fatal("profile handed to a CountsEmitter has map fields")
	}
	p.CategoryViews, p.CategoryPurchases = int64s(views), int64s(purchases)
	return s.Profile(p)
}

func (s *countsSink) SessionCounts(f *avro.SessionFeatures, cart, cats Counts) error {
	if f.CartItems != nil || f.Categories != nil {
		s.t.Fatal("session handed to a CountsEmitter has map fields")
	}
	f.CartItems, f.Categories = int32s(cart), int32s(cats)
	return s.Session(f)
}

// A CountsEmitter receives, once its Counts are made maps again, exactly the
// records, in the same order, that a plain Emitter receives.
func TestCountsEmitterGetsTheSameRecords(t *testing.T) {
	for _, spec := range []Spec{shortSessions(), hopping()} {
		a, b := newPartition(t, spec), newPartition(t, spec)
		var plain sink
		views := &countsSink{t: t}
		for i, e := range randomLog(21, 3000) {
			add(t, a, &plain, e)
			add(t, b, views, e)
			if i%31 == 30 {
				if err := a.FlushSessions(&plain); err != nil {
					t.Fatal(err)
				}
				if err := b.Commit(views, func(k, v []byte) error { return nil }); err != nil {
					t.Fatal(err)
				}
			}
		}
		if len(plain.aggs) == 0 || len(plain.profiles) == 0 || len(plain.sessions) == 0 {
			t.Fatalf("weak log: %d aggregates, %d profiles, %d sessions", len(plain.aggs), len(plain.profiles), len(plain.sessions))
		}
		if !reflect.DeepEqual(plain.log, views.log) {
			t.Fatalf("emission order differs: %d records against %d", len(views.log), len(plain.log))
		}
		if !reflect.DeepEqual(plain.aggs, views.aggs) || !reflect.DeepEqual(plain.profiles, views.profiles) ||
			!reflect.DeepEqual(plain.sessions, views.sessions) {
			t.Fatal("records differ")
		}
	}
}

func TestCountsInt32Saturates(t *testing.T) {
	c := Counts{Keys: []string{"a", "b", "c"}, Values: []int64{1 << 40, -1 << 40, 7}}
	if c.Len() != 3 || c.Int32(0) != 1<<31-1 || c.Int32(1) != -1<<31 || c.Int32(2) != 7 {
		t.Fatalf("Int32 = %d %d %d", c.Int32(0), c.Int32(1), c.Int32(2))
	}
}
