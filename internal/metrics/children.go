package metrics

import "sync"

// Children caches the children of a metric vector by a comparable key, so a
// hot path skips WithLabelValues' label hashing and lookup, which cost more
// than the update itself on a single-event request. A child is still made
// on first use, so /metrics shows the same series as without the cache.
// Keys must be as bounded as the label values they stand for (routes,
// existing topics).
type Children[K comparable, V any] struct {
	m    sync.Map
	make func(K) V
}

// NewChildren caches the children make returns, one per key.
func NewChildren[K comparable, V any](make func(K) V) *Children[K, V] {
	return &Children[K, V]{make: make}
}

// Get returns k's child, making it on first use.
func (c *Children[K, V]) Get(k K) V {
	if v, ok := c.m.Load(k); ok {
		return v.(V)
	}
	v, _ := c.m.LoadOrStore(k, c.make(k))
	return v.(V)
}
