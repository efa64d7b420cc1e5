package window

// priceBook keeps the last price seen per item in a session, with the event
// sequence number at which it was seen, so that eviction past
// MaxSessionPrices can drop the least recently priced item cheaply and
// identically after a restore.
type priceBook struct {
	keys  []string
	fps   []uint64 // fingerprint of each key
	price []float64
	seen  []int64
	idx   map[string]int
}

// find returns the index of k, whose fingerprint is fp, or -1.
func (b *priceBook) find(k string, fp uint64) int {
	if b.idx != nil {
		if i, ok := b.idx[k]; ok {
			return i
		}
		return -1
	}
	for i, f := range b.fps {
		if f == fp && b.keys[i] == k {
			return i
		}
	}
	return -1
}

func (b *priceBook) get(k string) (float64, bool) {
	if i := b.find(k, fingerprint(k)); i >= 0 {
		return b.price[i], true
	}
	return 0, false
}

// note records price for item, whose fingerprint is fp, at event sequence
// seq. Past MaxSessionPrices it forgets the least recently priced item that
// is not in cart.
func (b *priceBook) note(item string, fp uint64, price float64, seq int64, cart *counter[int64]) {
	if i := b.find(item, fp); i >= 0 {
		b.price[i], b.seen[i] = price, seq
		return
	}
	b.put(item, fp, price, seq)
	if len(b.keys) <= MaxSessionPrices {
		return
	}
	victim := -1
	for i, k := range b.keys {
		if _, inCart := cart.get(k); inCart || k == item {
			continue
		}
		if victim < 0 || b.seen[i] < b.seen[victim] {
			victim = i
		}
	}
	if victim >= 0 {
		b.remove(victim)
	}
}

// firstCap is the capacity a session's per-item slices start with: most
// sessions price a few items, and starting at one would regrow each of
// them several times.
const firstCap = 4

func (b *priceBook) put(item string, fp uint64, price float64, seq int64) {
	if b.keys == nil {
		b.keys, b.fps = make([]string, 0, firstCap), make([]uint64, 0, firstCap)
		b.price, b.seen = make([]float64, 0, firstCap), make([]int64, 0, firstCap)
	}
	b.keys = append(b.keys, item)
	b.fps = append(b.fps, fp)
	b.price = append(b.price, price)
	b.seen = append(b.seen, seq)
	switch {
	case b.idx != nil:
		b.idx[item] = len(b.keys) - 1
	case len(b.keys) > indexAt:
		b.reindex()
	}
}

func (b *priceBook) remove(i int) {
	last := len(b.keys) - 1
	if b.idx != nil {
		delete(b.idx, b.keys[i])
		if i != last {
			b.idx[b.keys[last]] = i
		}
	}
	// Order does not matter here (eviction goes by seen), so swap-remove.
	b.keys[i], b.fps[i], b.price[i], b.seen[i] = b.keys[last], b.fps[last], b.price[last], b.seen[last]
	b.keys[last] = "" // drop the reference for the GC
	b.keys, b.fps, b.price, b.seen = b.keys[:last], b.fps[:last], b.price[:last], b.seen[:last]
}

func (b *priceBook) reindex() {
	if len(b.keys) <= indexAt {
		b.idx = nil
		return
	}
	b.idx = make(map[string]int, len(b.keys))
	for i, k := range b.keys {
		b.idx[k] = i
	}
}
