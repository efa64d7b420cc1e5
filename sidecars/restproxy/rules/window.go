package rules

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

const windowShards = 32

// key128 identifies an entry by a 128-bit hash of its key: no pointers, so
// a million remembered event ids cost the garbage collector nothing to scan
// (string keys made marking the largest CPU cost of ingest), and at 2^-128
// per pair a collision is not a practical concern.
type key128 [2]uint64

var keySeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

func keyOf(s string) key128 {
	return key128{maphash.String(keySeeds[0], s), maphash.String(keySeeds[1], s)}
}

// windowMap remembers keys for a time window with a hard cap on entries, the
// state behind the duplicate and repeated-click built-ins. It is sharded by
// key hash so concurrent requests rarely share a lock. Entries leave in
// insertion order once older than the window; when a shard is full the
// oldest entry leaves early, which narrows the window under extreme load
// rather than letting memory grow. V must hold no pointers.
//
// Each shard keeps its entries in a ring in insertion order, and an index
// from key to the entry's sequence number. Changing an entry's value (a
// duplicate claim settling) then touches the ring only, and expiry reads
// the ring's head: a million remembered keys no longer cost five map
// operations per event, which was most of the duplicate rule's time.
type windowMap[V any] struct {
	windowMS atomic.Int64
	perShard atomic.Int64
	shards   [windowShards]windowShard[V]
}

type windowShard[V any] struct {
	mu  sync.Mutex
	idx map[key128]uint64 // key → sequence number of its live entry
	// ring[seq&(len(ring)-1)] holds the entry with sequence number seq,
	// for head <= seq < tail; len(ring) is a power of two.
	ring       []ringEntry[V]
	head, tail uint64
	live       int
	// cur holds the entry update shows its fn, so that handing fn a
	// pointer costs no allocation (it is only used under mu).
	cur windowEntry[V]
}

type windowEntry[V any] struct {
	at  int64 // ms; when the entry was (re)inserted
	val V
}

type ringEntry[V any] struct {
	key  key128
	live bool // false once replaced, removed or deleted
	windowEntry[V]
}

func newWindowMap[V any](windowMS int64, capacity int) *windowMap[V] {
	w := &windowMap[V]{}
	w.configure(windowMS, capacity)
	for i := range w.shards {
		w.shards[i].idx = map[key128]uint64{}
		w.shards[i].ring = make([]ringEntry[V], 16)
	}
	return w
}

// configure changes the window and capacity in place, so a reload that
// retunes a rule keeps what it has seen.
func (w *windowMap[V]) configure(windowMS int64, capacity int) {
	w.windowMS.Store(windowMS)
	w.perShard.Store(int64(max(capacity/windowShards, 1)))
}

func (w *windowMap[V]) shard(key key128) *windowShard[V] {
	return &w.shards[key[0]%windowShards]
}

// update runs fn under the key's shard lock with the live entry (nil when
// absent or expired). fn returns the entry's new value and whether to keep
// it; refresh restarts the entry's window. It returns the sequence number
// of the kept entry, which settle and remove take.
func (w *windowMap[V]) update(key key128, now int64, fn func(cur *windowEntry[V]) (val V, keep, refresh bool)) uint64 {
	s := w.shard(key)
	window := w.windowMS.Load()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(now, window, int(w.perShard.Load()))
	var cur *windowEntry[V]
	seq, ok := s.idx[key]
	e := s.at(seq)
	if ok {
		if now-e.at >= window {
			s.drop(key, e)
		} else {
			s.cur = e.windowEntry
			cur = &s.cur
		}
	}
	val, keep, refresh := fn(cur)
	switch {
	case !keep:
		if cur != nil {
			s.drop(key, e)
		}
		return 0
	case cur == nil || refresh:
		if cur != nil {
			e.live = false
			s.live--
		}
		return s.push(key, windowEntry[V]{at: now, val: val})
	default:
		e.val = val
		return seq
	}
}

// settle sets the value of entry seq if it is still key's entry inserted
// at at; an entry evicted or replaced meanwhile is left alone.
func (w *windowMap[V]) settle(key key128, seq uint64, at int64, val V) {
	s := w.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.entry(key, seq, at); e != nil {
		e.val = val
	}
}

// remove deletes entry seq if it is still key's entry inserted at at.
func (w *windowMap[V]) remove(key key128, seq uint64, at int64) {
	s := w.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.entry(key, seq, at); e != nil {
		s.drop(key, e)
	}
}

// len counts live and not yet expired entries (tests and metrics).
func (w *windowMap[V]) len() int {
	n := 0
	for i := range w.shards {
		s := &w.shards[i]
		s.mu.Lock()
		n += s.live
		s.mu.Unlock()
	}
	return n
}

func (s *windowShard[V]) at(seq uint64) *ringEntry[V] {
	return &s.ring[seq&uint64(len(s.ring)-1)]
}

// entry is the live entry seq when it still belongs to key and at.
func (s *windowShard[V]) entry(key key128, seq uint64, at int64) *ringEntry[V] {
	if seq < s.head || seq >= s.tail {
		return nil
	}
	if e := s.at(seq); e.live && e.key == key && e.at == at {
		return e
	}
	return nil
}

func (s *windowShard[V]) drop(key key128, e *ringEntry[V]) {
	e.live = false
	s.live--
	delete(s.idx, key)
}

func (s *windowShard[V]) push(key key128, we windowEntry[V]) uint64 {
	if s.tail-s.head == uint64(len(s.ring)) {
		grown := make([]ringEntry[V], 2*len(s.ring))
		for seq := s.head; seq < s.tail; seq++ {
			grown[seq&uint64(len(grown)-1)] = *s.at(seq)
		}
		s.ring = grown
	}
	seq := s.tail
	*s.at(seq) = ringEntry[V]{key: key, live: true, windowEntry: we}
	s.tail++
	s.live++
	s.idx[key] = seq
	return seq
}

func (s *windowShard[V]) expire(now, window int64, capacity int) {
	for s.head < s.tail {
		e := s.at(s.head)
		if e.live && now-e.at < window && s.live < capacity {
			break
		}
		// Dead entries (replaced or removed) are only skipped.
		if e.live {
			s.drop(e.key, e)
		}
		*e = ringEntry[V]{}
		s.head++
	}
	// A ring emptied by a burst shrinks back, so a quiet shard does not
	// keep the memory of its busiest minute.
	if n := len(s.ring); n > 1024 && s.tail-s.head < uint64(n/8) {
		small := make([]ringEntry[V], n/4)
		for seq := s.head; seq < s.tail; seq++ {
			small[seq&uint64(len(small)-1)] = *s.at(seq)
		}
		s.ring = small
	}
}
