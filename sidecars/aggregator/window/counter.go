package window

// counter is a small insertion-ordered map from string to a number. Most
// windows and sessions hold a handful of categories or items, where a
// linear scan beats a Go map and allocates far less; past indexAt entries
// it adds a map index. Insertion order also makes iteration, and so state
// encoding and float sums, deterministic.
type counter[V int64 | float64] struct {
	keys []string
	vals []V
	idx  map[string]int
}

const indexAt = 16

// fingerprint is a 64-bit FNV-1a hash of s. The session's price book and
// recently viewed items keep one per key next to the keys, so a lookup
// scans a dense slice of numbers and reads the bytes of the one key that
// matches, instead of chasing every key's bytes through memory: a session's
// item ids were allocated event by event, all over the heap.
func fingerprint(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// same is a == b that rejects most unequal keys of equal length (item ids
// of a catalog mostly share a length) on their last byte, before the
// runtime's comparison call. Linear scans of the small containers below
// spend most of their time on keys that do not match.
func same(a, b string) bool {
	return len(a) == len(b) && (len(a) == 0 || a[len(a)-1] == b[len(b)-1]) && a == b
}

func (c *counter[V]) find(k string) int {
	if c.idx != nil {
		if i, ok := c.idx[k]; ok {
			return i
		}
		return -1
	}
	for i, key := range c.keys {
		if same(key, k) {
			return i
		}
	}
	return -1
}

func (c *counter[V]) add(k string, d V) {
	if i := c.find(k); i >= 0 {
		c.vals[i] += d
		return
	}
	c.put(k, d)
}

// addCapped is add, except that a key not yet counted is dropped once c
// holds limit keys.
func (c *counter[V]) addCapped(k string, d V, limit int) {
	if i := c.find(k); i >= 0 {
		c.vals[i] += d
		return
	}
	if len(c.keys) < limit {
		c.put(k, d)
	}
}

func (c *counter[V]) set(k string, v V) {
	if i := c.find(k); i >= 0 {
		c.vals[i] = v
		return
	}
	c.put(k, v)
}

func (c *counter[V]) get(k string) (V, bool) {
	if i := c.find(k); i >= 0 {
		return c.vals[i], true
	}
	var zero V
	return zero, false
}

func (c *counter[V]) put(k string, v V) {
	c.keys = append(c.keys, k)
	c.vals = append(c.vals, v)
	switch {
	case c.idx != nil:
		c.idx[k] = len(c.keys) - 1
	case len(c.keys) > indexAt:
		c.reindex()
	}
}

// del removes k, keeping the order of the others.
func (c *counter[V]) del(k string) {
	i := c.find(k)
	if i < 0 {
		return
	}
	c.keys = append(c.keys[:i], c.keys[i+1:]...)
	c.vals = append(c.vals[:i], c.vals[i+1:]...)
	if c.idx != nil {
		c.reindex()
	}
}

func (c *counter[V]) reindex() {
	if len(c.keys) <= indexAt {
		c.idx = nil
		return
	}
	c.idx = make(map[string]int, len(c.keys))
	for i, k := range c.keys {
		c.idx[k] = i
	}
}

func (c *counter[V]) len() int { return len(c.keys) }

// reset empties c, keeping its capacity.
func (c *counter[V]) reset() {
	clear(c.keys)
	c.keys, c.vals, c.idx = c.keys[:0], c.vals[:0], nil
}

// int32Map copies the counter into m, cleared first (or a new map when m is
// nil), saturating at int32.
func int32Map(m map[string]int32, c *counter[int64]) map[string]int32 {
	if m == nil {
		m = make(map[string]int32, len(c.keys))
	}
	clear(m)
	for i, k := range c.keys {
		m[k] = clamp32(c.vals[i])
	}
	return m
}

func int64Map(m map[string]int64, c *counter[int64]) map[string]int64 {
	if m == nil {
		m = make(map[string]int64, len(c.keys))
	}
	clear(m)
	for i, k := range c.keys {
		m[k] = c.vals[i]
	}
	return m
}

func clamp32(v int64) int32 {
	switch {
	case v > 1<<31-1:
		return 1<<31 - 1
	case v < -1<<31:
		return -1 << 31
	}
	return int32(v)
}
