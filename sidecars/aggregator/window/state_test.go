package window

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

// randomLog is a seeded stream that exercises everything: several users and
// sessions, out-of-order events within and beyond grace, long pauses that
// end sessions, every event type, prices in two currencies, quantities.
func randomLog(seed uint64, n int) []*avro.UserEvent {
	r := rand.New(rand.NewPCG(seed, 99))
	types := avro.EventTypes()
	var out []*avro.UserEvent
	now := int64(1_700_000_000_000)
	for i := 0; i < n; i++ {
		now += int64(r.IntN(3000))
		if r.IntN(200) == 0 {
			now += int64(r.IntN(40 * 60 * 1000)) // a pause that ends sessions
		}
		t := now
		if r.IntN(10) == 0 {
			t -= int64(r.IntN(60000)) // out of order, sometimes late
		}
		u := fmt.Sprint("user", r.IntN(12))
		e := ev(u, fmt.Sprint(u, "-s", r.IntN(2)), types[r.IntN(len(types))], t)
		if r.IntN(4) > 0 {
			id := fmt.Sprint("item", r.IntN(40))
			e.ItemID = &id
		}
		if r.IntN(3) > 0 {
			c := fmt.Sprint("cat", r.IntN(5))
			e.Category = &c
		}
		if r.IntN(3) > 0 {
			p := float64(r.IntN(100000)) / 100
			e.Price = &p
			cur := []string{"USD", "JPY"}[r.IntN(2)]
			e.Currency = &cur
		}
		if r.IntN(3) == 0 {
			q := int32(1 + r.IntN(4))
			e.Quantity = &q
		}
		out = append(out, e)
	}
	return out
}

// byKey groups emitted records per output kind and key, in order: the
// contract a restore must keep (records of different keys may interleave
// differently).
func byKey(s *sink) map[string][]any {
	m := map[string][]any{}
	for _, a := range s.aggs {
		m["agg/"+a.UserID] = append(m["agg/"+a.UserID], a)
	}
	for _, p := range s.profiles {
		m["profile/"+p.UserID] = append(m["profile/"+p.UserID], p)
	}
	for _, f := range s.sessions {
		m["session/"+f.SessionID] = append(m["session/"+f.SessionID], f)
	}
	return m
}

// run feeds log to p, flushing sessions every flushEvery events and, when
// checkpoint is set, replacing p by a partition restored from its changelog
// at every flush. It returns what was emitted and the late count.
func run(t *testing.T, spec Spec, log []*avro.UserEvent, flushEvery int, checkpoint bool) (*sink, int) {
	t.Helper()
	p := newPartition(t, spec)
	store := map[string][]byte{} // the compacted changelog
	var out sink
	late := 0
	for i, e := range log {
		if add(t, p, &out, e) == Late {
			late++
		}
		p.SetPosition(int64(i + 1))
		if (i+1)%flushEvery != 0 {
			continue
		}
		if !checkpoint {
			if err := p.FlushSessions(&out); err != nil {
				t.Fatal(err)
			}
			continue
		}
		// The aggregator's commit: session upserts and changelog in one pass.
		if err := p.Commit(&out, func(k, v []byte) error {
			if v == nil {
				delete(store, string(k))
			} else {
				store[string(k)] = append([]byte(nil), v...)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		p = newPartition(t, spec)
		for k, v := range store {
			if err := p.Restore([]byte(k), v); err != nil {
				t.Fatalf("restoring %q: %v", k, err)
			}
		}
		p.FinishRestore()
		if p.Position() != int64(i+1) {
			t.Fatalf("restored position %d, want %d", p.Position(), i+1)
		}
	}
	return &out, late
}

// Restoring from the changelog at every commit point and carrying on gives
// exactly the records of an uninterrupted run, per key and in order.
func TestRestoreIsExact(t *testing.T) {
	for _, spec := range []Spec{shortSessions(), hopping()} {
		for seed := uint64(1); seed <= 4; seed++ {
			t.Run(fmt.Sprintf("hopping=%v/seed=%d", spec.Hopping(), seed), func(t *testing.T) {
				log := randomLog(seed, 3000)
				want, wantLate := run(t, spec, log, 37, false)
				got, gotLate := run(t, spec, log, 37, true)
				if wantLate == 0 || len(want.aggs) == 0 || len(want.sessions) == 0 {
					t.Fatalf("weak log: %d late, %d aggregates, %d sessions", wantLate, len(want.aggs), len(want.sessions))
				}
				if gotLate != wantLate {
					t.Errorf("late events: %d with restores, %d without", gotLate, wantLate)
				}
				w, g := byKey(want), byKey(got)
				if len(w) != len(g) {
					t.Errorf("%d keys with restores, %d without", len(g), len(w))
				}
				for k, recs := range w {
					if !reflect.DeepEqual(recs, g[k]) {
						t.Errorf("key %s differs after restore:\n got %d records\nwant %d records", k, len(g[k]), len(recs))
					}
				}
			})
		}
	}
}

// Users with nothing open are tombstoned, so a compacted changelog only
// holds live state.
func TestChangelogTombstonesClosedUsers(t *testing.T) {
	p := newPartition(t, shortSessions())
	var out sink
	add(t, p, &out, ev("u", "s", avro.EventPageView, 0))
	got := map[string]bool{} // key → has value
	collect := func(k, v []byte) error { got[string(k)] = v != nil; return nil }
	if err := p.Changelog(collect); err != nil {
		t.Fatal(err)
	}
	if !got["uu"] || !got["m"] {
		t.Fatalf("first changelog %v, want user u and meta", got)
	}
	clear(got)
	add(t, p, &out, ev("x", "y", avro.EventPageView, 10*time.Minute.Milliseconds()))
	if err := p.Changelog(collect); err != nil {
		t.Fatal(err)
	}
	if v, ok := got["uu"]; !ok || v {
		t.Fatalf("after u's window and session closed: %v, want a tombstone for u", got)
	}
}

func TestRestoreRefusesCorruptState(t *testing.T) {
	p := newPartition(t, shortSessions())
	var out sink
	for _, e := range randomLog(7, 50) {
		add(t, p, &out, e)
	}
	var key string
	var val []byte
	if err := p.Changelog(func(k, v []byte) error {
		if string(k) != metaKey && v != nil && len(v) > len(val) {
			key, val = string(k), append([]byte(nil), v...)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		key, val []byte
	}{
		"truncated":       {[]byte(key), val[:len(val)/2]},
		"trailing bytes":  {[]byte(key), append(append([]byte(nil), val...), 0)},
		"unknown version": {[]byte(key), append([]byte{9}, val[1:]...)},
		"empty value":     {[]byte(key), []byte{}},
		"unknown key":     {[]byte("zzz"), val},
		"bad meta":        {[]byte(metaKey), []byte{stateVersion, 7}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			q := newPartition(t, shortSessions())
			if err := q.Restore(c.key, c.val); !errors.Is(err, ErrCorruptState) {
				t.Fatalf("Restore = %v, want ErrCorruptState", err)
			}
		})
	}
}

func FuzzRestore(f *testing.F) {
	p, _ := NewPartition(shortSessions(), DefaultWeights())
	var out sink
	for _, e := range randomLog(3, 200) {
		pe, _ := Prepare(e)
		_, _ = p.Add(pe, &out)
	}
	_ = p.Changelog(func(k, v []byte) error {
		f.Add(append([]byte(nil), k...), append([]byte(nil), v...))
		return nil
	})
	f.Fuzz(func(t *testing.T, key, value []byte) {
		q, _ := NewPartition(shortSessions(), DefaultWeights())
		if err := q.Restore(key, value); err != nil {
			return
		}
		q.FinishRestore()
		var out sink
		// Whatever decoded must be usable: closing everything must not panic.
		_ = q.AdvanceTo(time.UnixMilli(1<<50), &out)
		_ = q.FlushSessions(&out)
	})
}
