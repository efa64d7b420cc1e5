package rules

import (
	"strconv"
	"testing"
)

// TestWindowMapRing drives one map through growth, settles, removals,
// refreshes, expiry and shrinking, checking it against a plain model.
func TestWindowMapRing(t *testing.T) {
	const window = 1000
	w := newWindowMap[int](window, 1<<20)
	type ref struct {
		seq uint64
		at  int64
	}
	refs := map[string]ref{}
	model := map[string]int{} // live value per key
	put := func(k string, now int64, val int, refresh bool) {
		seq := w.update(keyOf(k), now, func(cur *windowEntry[int]) (int, bool, bool) { return val, true, refresh })
		if old, ok := refs[k]; !ok || refresh || now-old.at >= window {
			refs[k] = ref{seq, now}
		}
		model[k] = val
	}
	for i := range 5000 {
		put("k"+strconv.Itoa(i), int64(i/10), i, false)
	}
	for i := 0; i < 5000; i += 7 {
		r := refs["k"+strconv.Itoa(i)]
		w.settle(keyOf("k"+strconv.Itoa(i)), r.seq, r.at, -i)
		model["k"+strconv.Itoa(i)] = -i
	}
	for i := 1; i < 5000; i += 11 {
		k := "k" + strconv.Itoa(i)
		r := refs[k]
		w.remove(keyOf(k), r.seq, r.at)
		w.remove(keyOf(k), r.seq, r.at) // twice: a no-op
		delete(model, k)
	}
	// A refreshed key moves to the ring's tail; settling its old entry
	// must not touch the new one.
	old := refs["k2"]
	put("k2", 900, 2, true)
	w.settle(keyOf("k2"), old.seq, old.at, 99)
	if n := w.len(); n != len(model) {
		t.Fatalf("len %d, model %d", n, len(model))
	}
	for k, want := range model {
		got, found := 0, false
		w.update(keyOf(k), 450, func(cur *windowEntry[int]) (int, bool, bool) {
			if cur != nil {
				got, found = cur.val, true
			}
			return got, found, false
		})
		if !found || got != want {
			t.Fatalf("%s: got %d (found %v), want %d", k, got, found, want)
		}
	}
	// Everything but k2 (refreshed at 900) expires by 1500; shards expire
	// on their own updates, so touch them all.
	for i := range 50 * windowShards {
		w.update(keyOf("probe"+strconv.Itoa(i)), 1500, func(*windowEntry[int]) (int, bool, bool) { return 0, false, false })
	}
	if n := w.len(); n != 1 {
		t.Fatalf("%d entries left after the window, want 1", n)
	}
	for i := range w.shards {
		if s := &w.shards[i]; len(s.ring) > 1024 {
			t.Fatalf("shard %d kept a ring of %d after emptying", i, len(s.ring))
		}
	}
}
