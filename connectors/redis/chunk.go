package redis

import "strconv"

// chunk is the records of one pipelined round trip, encoded as entries of
// applyScript: a hash name and that record's run of ARGV.
//
// Rendered text (keys, numbers, JSON) is appended to one byte arena and
// turned into strings by seal with a single copy, so encoding a record
// allocates nothing per field. Entries and arguments are appended in
// record order; rollback drops a record that failed half-way.
type chunk struct {
	index  []int    // position in the put batch, per entry
	keys   []string // hash of each entry
	bounds []int    // entry e's ARGV is args[bounds[e]:bounds[e+1]]
	args   []string
	arena  []byte
	spans  []span
	// call is reused for the argument lists handed to go-redis.
	call []any
}

// span is text of the arena that becomes args[arg] (or keys[arg] when key
// is set) once sealed.
type span struct {
	arg      int
	from, to int
	key      bool
}

// mark is the state of a chunk before a record, for rollback.
type mark struct{ entries, args, arena, spans int }

func newChunk() *chunk { return &chunk{bounds: []int{0}} }

func (c *chunk) len() int { return len(c.keys) }

func (c *chunk) reset() {
	c.index, c.keys, c.bounds = c.index[:0], c.keys[:0], append(c.bounds[:0], 0)
	c.args, c.arena, c.spans = c.args[:0], c.arena[:0], c.spans[:0]
	clear(c.call)
	c.call = c.call[:0]
}

func (c *chunk) mark() mark { return mark{len(c.keys), len(c.args), len(c.arena), len(c.spans)} }

func (c *chunk) rollback(m mark) {
	c.index, c.keys, c.bounds = c.index[:m.entries], c.keys[:m.entries], c.bounds[:m.entries+1]
	c.args, c.arena, c.spans = c.args[:m.args], c.arena[:m.arena], c.spans[:m.spans]
}

// begin starts the entry of record index for the hash named key.
func (c *chunk) begin(index int, key []byte) {
	c.index = append(c.index, index)
	c.spans = append(c.spans, span{arg: len(c.keys), from: len(c.arena), to: len(c.arena) + len(key), key: true})
	c.arena = append(c.arena, key...)
	c.keys = append(c.keys, "")
}

// end closes the current entry.
func (c *chunk) end() { c.bounds = append(c.bounds, len(c.args)) }

// add appends an argument that is already a string.
func (c *chunk) add(s string) { c.args = append(c.args, s) }

// reserve appends a placeholder argument and returns its position.
func (c *chunk) reserve() int {
	c.args = append(c.args, "")
	return len(c.args) - 1
}

// text starts an argument rendered into the arena; finish closes it.
func (c *chunk) text() int { return len(c.arena) }

func (c *chunk) finish(from int) {
	c.spans = append(c.spans, span{arg: len(c.args), from: from, to: len(c.arena)})
	c.args = append(c.args, "")
}

// setText makes the reserved argument at pos the arena text from..end.
func (c *chunk) setText(pos, from int) {
	c.spans = append(c.spans, span{arg: pos, from: from, to: len(c.arena)})
}

func (c *chunk) addInt(n int64) {
	from := c.text()
	c.arena = strconv.AppendInt(c.arena, n, 10)
	c.finish(from)
}

// seal turns the arena into the strings of keys and arguments.
func (c *chunk) seal() {
	text := string(c.arena)
	for _, s := range c.spans {
		if s.key {
			c.keys[s.arg] = text[s.from:s.to]
		} else {
			c.args[s.arg] = text[s.from:s.to]
		}
	}
}
