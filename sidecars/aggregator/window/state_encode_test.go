package window

import (
	"bytes"
	"encoding/binary"
	"math"
	"reflect"
	"testing"
)

// legacyWriter and legacyEncodeUser are the changelog encoder as it was
// before the append-style rewrite, kept to pin the format: appendUser must
// write the same bytes, so changelogs written by either build restore in
// the other.
type legacyWriter struct{ b []byte }

func (w *legacyWriter) u(v uint64)  { w.b = binary.AppendUvarint(w.b, v) }
func (w *legacyWriter) i(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *legacyWriter) f(v float64) { w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(v)) }
func (w *legacyWriter) s(v string) {
	w.u(uint64(len(v)))
	w.b = append(w.b, v...)
}

func (w *legacyWriter) bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

func (w *legacyWriter) counter(c *counter[int64]) {
	w.u(uint64(len(c.keys)))
	for i, k := range c.keys {
		w.s(k)
		w.i(c.vals[i])
	}
}

func (w *legacyWriter) strs(ss []string) {
	w.u(uint64(len(ss)))
	for _, s := range ss {
		w.s(s)
	}
}

func legacyEncodeUser(w *legacyWriter, u *user) {
	w.b = append(w.b, stateVersion)
	w.u(uint64(len(u.windows)))
	for _, b := range u.windows {
		w.i(b.start)
		for _, c := range b.counts {
			w.u(uint64(c))
		}
		w.strs(b.items.keys)
		w.counter(&b.catViews)
		w.counter(&b.catClicks)
		w.f(b.cartAdd)
		w.f(b.cartRemove)
		w.f(b.purchase)
		w.u(uint64(b.viewN))
		w.f(b.viewSum)
		w.f(b.viewMin)
		w.f(b.viewMax)
		w.i(b.first)
		w.i(b.last)
	}
	w.u(uint64(len(u.panes)))
	for _, p := range u.panes {
		w.i(p.start)
		w.counter(&p.catViews)
		w.counter(&p.catPurchases)
		w.i(p.spendMinor)
		w.u(uint64(p.purchases))
		w.i(p.viewSumMinor)
		w.u(uint64(p.viewCount))
		w.i(p.lastSeen)
		w.bool(p.hasLastCat)
		if p.hasLastCat {
			w.s(p.lastCat)
			w.i(p.lastCatTime)
		}
	}
	w.u(uint64(len(u.sessions)))
	for _, s := range u.sessions {
		w.s(s.id)
		w.i(s.started)
		w.i(s.last)
		w.u(uint64(s.events))
		for _, c := range s.counts {
			w.u(uint64(c))
		}
		w.strs(s.recent)
		w.counter(&s.cart)
		w.u(uint64(len(s.prices.keys)))
		for i, k := range s.prices.keys {
			w.s(k)
			w.f(s.prices.price[i])
			w.u(uint64(s.prices.seen[i]))
		}
		w.counter(&s.cats)
	}
}

// The append-style encoder writes byte for byte what the previous encoder
// wrote, for every user state a long random log passes through, and what it
// writes decodes back to the same state.
func TestAppendUserMatchesLegacyEncoder(t *testing.T) {
	for _, spec := range []Spec{shortSessions(), hopping()} {
		p := newPartition(t, spec)
		var out sink
		checked := 0
		for i, e := range randomLog(11, 4000) {
			add(t, p, &out, e)
			if i%13 != 0 {
				continue
			}
			for id, u := range p.users {
				var w legacyWriter
				legacyEncodeUser(&w, u)
				got := appendUser(nil, u)
				if !bytes.Equal(got, w.b) {
					t.Fatalf("user %s after event %d: appendUser wrote\n%x\nlegacy encoder wrote\n%x", id, i, got, w.b)
				}
				back, err := decodeUser(id, got)
				if err != nil {
					t.Fatalf("user %s after event %d: decoding: %v", id, i, err)
				}
				if again := appendUser(nil, back); !bytes.Equal(again, got) {
					t.Fatalf("user %s after event %d: re-encoding the decoded state differs", id, i)
				}
				checked++
			}
		}
		if checked < 1000 {
			t.Fatalf("only %d user states checked", checked)
		}
	}
}

// The varint writers agree with encoding/binary on the values at every
// length boundary.
func TestAppendVarints(t *testing.T) {
	var us []uint64
	for sh := 0; sh < 64; sh++ {
		us = append(us, 1<<sh-1, 1<<sh, 1<<sh+1)
	}
	us = append(us, 0, math.MaxUint64)
	for _, v := range us {
		if got, want := appendU(nil, v), binary.AppendUvarint(nil, v); !bytes.Equal(got, want) {
			t.Errorf("appendU(%d) = %x, want %x", v, got, want)
		}
		i := int64(v)
		if got, want := appendI(nil, i), binary.AppendVarint(nil, i); !bytes.Equal(got, want) {
			t.Errorf("appendI(%d) = %x, want %x", i, got, want)
		}
	}
	r := reader{b: appendI(appendF(appendS(nil, "héllo"), -0.5), math.MinInt64)}
	if s, f, i := r.s("s"), r.f("f"), r.i("i"); s != "héllo" || f != -0.5 || i != math.MinInt64 || r.err != nil {
		t.Fatalf("round trip: %q %v %d %v", s, f, i, r.err)
	}
	if !reflect.DeepEqual(appendBool(appendBool(nil, true), false), []byte{1, 0}) {
		t.Fatal("appendBool")
	}
}

// Commit sends the same session upserts, in the same order, and writes the
// same changelog as FlushSessions followed by Changelog.
func TestCommitEqualsFlushThenChangelog(t *testing.T) {
	for _, spec := range []Spec{shortSessions(), hopping()} {
		a, b := newPartition(t, spec), newPartition(t, spec)
		var outA, outB sink
		logA, logB := map[string][]byte{}, map[string][]byte{}
		collect := func(m map[string][]byte) func(k, v []byte) error {
			return func(k, v []byte) error {
				if _, dup := m[string(k)]; dup {
					t.Fatalf("key %q written twice in one commit", k)
				}
				m[string(k)] = append([]byte(nil), v...)
				return nil
			}
		}
		commits := 0
		for i, e := range randomLog(5, 3000) {
			add(t, a, &outA, e)
			add(t, b, &outB, e)
			a.SetPosition(int64(i + 1))
			b.SetPosition(int64(i + 1))
			if i%29 != 28 {
				continue
			}
			clear(logA)
			clear(logB)
			if err := a.FlushSessions(&outA); err != nil {
				t.Fatal(err)
			}
			if err := a.Changelog(collect(logA)); err != nil {
				t.Fatal(err)
			}
			if err := b.Commit(&outB, collect(logB)); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(logA, logB) {
				t.Fatalf("commit after event %d: changelogs differ: %d keys against %d", i, len(logB), len(logA))
			}
			commits++
		}
		if !reflect.DeepEqual(outA.log, outB.log) || len(outA.sessions) == 0 {
			t.Fatalf("emitted %d records with Commit, %d without (%d sessions), or their order differs", len(outB.log), len(outA.log), len(outA.sessions))
		}
		if !reflect.DeepEqual(outA.sessions, outB.sessions) {
			t.Fatal("session records differ")
		}
		if commits < 50 {
			t.Fatalf("only %d commits", commits)
		}
	}
}
