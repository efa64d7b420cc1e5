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
type windowMap[V any] struct {
	windowMS atomic.Int64
	perShard atomic.Int64
	shards   [windowShards]windowShard[V]
}

type windowShard[V any] struct {
	mu   sync.Mutex
	m    map[key128]windowEntry[V]
	fifo []fifoItem
	head int
}

type windowEntry[V any] struct {
	at  int64 // ms; when the entry was (re)inserted
	val V
}

type fifoItem struct {
	key key128
	at  int64
}

func newWindowMap[V any](windowMS int64, capacity int) *windowMap[V] {
	w := &windowMap[V]{}
	w.configure(windowMS, capacity)
	for i := range w.shards {
		w.shards[i].m = map[key128]windowEntry[V]{}
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
// it; refresh restarts the entry's window.
func (w *windowMap[V]) update(key key128, now int64, fn func(cur *windowEntry[V]) (val V, keep, refresh bool)) {
	s := w.shard(key)
	window := w.windowMS.Load()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(now, window, int(w.perShard.Load()))
	var cur *windowEntry[V]
	if e, ok := s.m[key]; ok {
		if now-e.at >= window {
			delete(s.m, key)
		} else {
			cur = &e
		}
	}
	val, keep, refresh := fn(cur)
	switch {
	case !keep:
		if cur != nil {
			delete(s.m, key)
		}
	case cur == nil || refresh:
		s.m[key] = windowEntry[V]{at: now, val: val}
		s.fifo = append(s.fifo, fifoItem{key: key, at: now})
	default:
		s.m[key] = windowEntry[V]{at: cur.at, val: val}
	}
}

// remove deletes key if it is still the entry inserted at at.
func (w *windowMap[V]) remove(key key128, at int64) {
	s := w.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[key]; ok && e.at == at {
		delete(s.m, key)
	}
}

// len counts live and not yet expired entries (tests and metrics).
func (w *windowMap[V]) len() int {
	n := 0
	for i := range w.shards {
		s := &w.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

func (s *windowShard[V]) expire(now, window int64, capacity int) {
	for s.head < len(s.fifo) {
		it := s.fifo[s.head]
		if now-it.at < window && len(s.m) < capacity {
			break
		}
		// The fifo may hold an older insertion of a key that was refreshed
		// since; only the matching insertion removes the entry.
		if e, ok := s.m[it.key]; ok && e.at == it.at {
			delete(s.m, it.key)
		}
		s.fifo[s.head] = fifoItem{}
		s.head++
	}
	if s.head > 1024 && s.head*2 > len(s.fifo) {
		n := copy(s.fifo, s.fifo[s.head:])
		clear(s.fifo[n:])
		s.fifo, s.head = s.fifo[:n], 0
	}
}
