package aggregator

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	hamba "github.com/hamba/avro/v2"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
)

// codecs holds what the hand-written Avro codecs need from the registry:
// the ids the output schemas are registered under, and which writer schema
// ids of the input decode exactly like the governed UserEvent schema.
type codecs struct {
	reg          serde.Registry
	autoRegister bool
	readerFP     [32]byte // canonical-form fingerprint of user_event.avsc

	outIDs atomic.Pointer[[numOutputs]int] // schema id by output, once all are resolved

	mu      sync.RWMutex
	fastIDs map[int]bool // writer schema id → decodable by decodeUserEvent
}

func newCodecs(reg serde.Registry, autoRegister bool) (*codecs, error) {
	in, _ := avro.ByName(avro.NameUserEvent)
	s, err := hamba.Parse(in.Text)
	if err != nil {
		return nil, fmt.Errorf("parsing the governed UserEvent schema: %w", err)
	}
	return &codecs{reg: reg, autoRegister: autoRegister, readerFP: s.Fingerprint(), fastIDs: map[int]bool{}}, nil
}

// resolveOutputs registers (or, without auto-registration, looks up) the
// output schemas under <topic>-value, as the registry serde would, once.
// A failure is an outage or a missing schema: the generation fails and is
// retried with backoff.
func (c *codecs) resolveOutputs(ctx context.Context, t Topics) error {
	if c.outIDs.Load() != nil {
		return nil
	}
	var ids [numOutputs]int
	for _, o := range []struct {
		out           output
		topic, schema string
	}{
		{outAggregate, t.Aggregates, avro.NameBehaviorAggregate},
		{outProfile, t.Profiles, avro.NameProfileUpdate},
		{outSession, t.Sessions, avro.NameSessionFeatures},
	} {
		s, _ := avro.ByName(o.schema)
		subject, _ := serde.TopicNameStrategy(o.topic, false)
		resolve := c.reg.Register
		if !c.autoRegister {
			resolve = c.reg.Lookup
		}
		id, err := resolve(ctx, subject, s.Text)
		if err != nil {
			return fmt.Errorf("resolving schema id of subject %s: %w", subject, err)
		}
		ids[o.out] = id
	}
	ids[outSessionEnd] = ids[outSession]
	c.outIDs.Store(&ids)
	return nil
}

// outID is the schema id of an output; resolveOutputs has succeeded before
// any task runs.
func (c *codecs) outID(o output) int { return c.outIDs.Load()[o] }

// fast reports whether records written with schema id can be read by
// decodeUserEvent: their writer schema has the governed schema's parsing
// canonical form, so the bytes are laid out exactly as it expects and
// schema resolution would change nothing. Registry errors answer false
// without caching; the registry serde then reports them properly.
func (c *codecs) fast(ctx context.Context, id int) bool {
	c.mu.RLock()
	ok, known := c.fastIDs[id]
	c.mu.RUnlock()
	if known {
		return ok
	}
	s, _, err := c.reg.SchemaByID(ctx, id)
	if err != nil {
		return false
	}
	ok = s.Fingerprint() == c.readerFP
	c.mu.Lock()
	c.fastIDs[id] = ok
	c.mu.Unlock()
	return ok
}
