package serde

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	hamba "github.com/hamba/avro/v2"
	"github.com/riferrei/srclient"
	"go.uber.org/zap"
)

type schemaEntry struct {
	schema hamba.Schema
	text   string
}

// subjectSchema keys the id cache. schema is the compacted JSON text, so
// whitespace does not matter but field order and attributes do, which is
// also how the registry decides identity.
type subjectSchema struct {
	subject, schema string
}

type latestEntry struct {
	id      int
	schema  hamba.Schema
	expires time.Time
}

// SchemaByID returns the schema registered under id. Answers are cached for
// the life of the client; concurrent misses for one id make one HTTP call.
func (c *Client) SchemaByID(ctx context.Context, id int) (hamba.Schema, string, error) {
	if !validID(id) {
		return nil, "", fmt.Errorf("fetching schema id %d: %w %d", id, ErrInvalidSchemaID, id)
	}
	if e, ok := c.cachedID(id); ok {
		return e.schema, e.text, nil
	}
	op := "fetching schema id " + strconv.Itoa(id)
	v, err := c.flight(ctx, op, "id\x00"+strconv.Itoa(id), func(ctx context.Context) (any, error) {
		if e, ok := c.cachedID(id); ok {
			return e, nil
		}
		var s *srclient.Schema
		if err := c.call(ctx, op, func(sc *srclient.SchemaRegistryClient) (err error) {
			s, err = sc.GetSchema(id)
			return err
		}); err != nil {
			return nil, err
		}
		e, err := entryFrom(op, s)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.byID[id] = e
		c.mu.Unlock()
		c.log.Debug("fetched schema from registry", zap.Int("schema_id", id))
		return e, nil
	})
	if err != nil {
		return nil, "", err
	}
	e := v.(schemaEntry)
	return e.schema, e.text, nil
}

// Register registers schemaText under subject, or finds it already there,
// and returns its id. The answer is cached per (subject, schema text up to
// whitespace), so each schema costs one registration per process. The text
// is parsed locally first, so an invalid schema fails without a round trip.
func (c *Client) Register(ctx context.Context, subject, schemaText string) (int, error) {
	return c.idFor(ctx, "registering", subject, schemaText,
		func(sc *srclient.SchemaRegistryClient) (*srclient.Schema, error) {
			return sc.CreateSchema(subject, schemaText, srclient.Avro)
		})
}

// Lookup returns the id of schemaText under subject without registering it
// (ErrSchemaNotFound or ErrSubjectNotFound when absent). It shares the id
// cache with Register.
func (c *Client) Lookup(ctx context.Context, subject, schemaText string) (int, error) {
	return c.idFor(ctx, "looking up", subject, schemaText,
		func(sc *srclient.SchemaRegistryClient) (*srclient.Schema, error) {
			return sc.LookupSchema(subject, schemaText, srclient.Avro)
		})
}

func (c *Client) idFor(ctx context.Context, verb, subject, text string,
	do func(*srclient.SchemaRegistryClient) (*srclient.Schema, error),
) (int, error) {
	op := fmt.Sprintf("%s schema under subject %q", verb, subject)
	if subject == "" {
		return 0, fmt.Errorf("%s: %w", op, ErrEmptySubject)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(text)); err != nil {
		return 0, fmt.Errorf("%s: %w: schema text is not JSON: %v", op, ErrInvalidSchema, err)
	}
	key := subjectSchema{subject: subject, schema: compact.String()}
	c.mu.RLock()
	id, ok := c.ids[key]
	c.mu.RUnlock()
	if ok {
		return id, nil
	}
	parsed, err := parseSchema(text)
	if err != nil {
		return 0, fmt.Errorf("%s: %w: %v", op, ErrInvalidSchema, err)
	}
	v, err := c.flight(ctx, op, verb+"\x00"+subject+"\x00"+key.schema, func(ctx context.Context) (any, error) {
		c.mu.RLock()
		id, ok := c.ids[key]
		c.mu.RUnlock()
		if ok {
			return id, nil
		}
		var s *srclient.Schema
		if err := c.call(ctx, op, func(sc *srclient.SchemaRegistryClient) (err error) {
			s, err = do(sc)
			return err
		}); err != nil {
			return nil, err
		}
		if !validID(s.ID()) {
			return nil, &RegistryError{Op: op, StatusCode: 200, Message: fmt.Sprintf("answer carries id %d, outside 1..2^31-1", s.ID()), kind: ErrRegistryResponse}
		}
		c.mu.Lock()
		c.ids[key] = s.ID()
		if _, ok := c.byID[s.ID()]; !ok {
			c.byID[s.ID()] = schemaEntry{schema: parsed, text: text}
		}
		c.mu.Unlock()
		c.log.Debug("resolved schema id from registry", zap.String("subject", subject), zap.Int("schema_id", s.ID()))
		return s.ID(), nil
	})
	if err != nil {
		return 0, err
	}
	return v.(int), nil
}

// Latest returns the latest version under subject. Answers are cached for
// the latest TTL, so a new version is picked up within that time.
func (c *Client) Latest(ctx context.Context, subject string) (int, hamba.Schema, error) {
	op := fmt.Sprintf("fetching latest schema of subject %q", subject)
	if subject == "" {
		return 0, nil, fmt.Errorf("%s: %w", op, ErrEmptySubject)
	}
	if c.latestTTL > 0 {
		c.mu.RLock()
		e, ok := c.latest[subject]
		c.mu.RUnlock()
		if ok && c.now().Before(e.expires) {
			return e.id, e.schema, nil
		}
	}
	v, err := c.flight(ctx, op, "latest\x00"+subject, func(ctx context.Context) (any, error) {
		var s *srclient.Schema
		if err := c.call(ctx, op, func(sc *srclient.SchemaRegistryClient) (err error) {
			s, err = sc.GetLatestSchema(subject)
			return err
		}); err != nil {
			return nil, err
		}
		id := s.ID()
		if !validID(id) {
			return nil, &RegistryError{Op: op, StatusCode: 200, Message: fmt.Sprintf("answer carries id %d, outside 1..2^31-1", id), kind: ErrRegistryResponse}
		}
		e, ok := c.cachedID(id)
		if !ok {
			var err error
			if e, err = entryFrom(op, s); err != nil {
				return nil, err
			}
		}
		c.mu.Lock()
		c.byID[id] = e
		if c.latestTTL > 0 {
			c.latest[subject] = latestEntry{id: id, schema: e.schema, expires: c.now().Add(c.latestTTL)}
		}
		c.mu.Unlock()
		c.log.Debug("fetched latest schema from registry", zap.String("subject", subject), zap.Int("schema_id", id))
		return latestEntry{id: id, schema: e.schema}, nil
	})
	if err != nil {
		return 0, nil, err
	}
	e := v.(latestEntry)
	return e.id, e.schema, nil
}

func (c *Client) cachedID(id int) (schemaEntry, bool) {
	c.mu.RLock()
	e, ok := c.byID[id]
	c.mu.RUnlock()
	return e, ok
}

// flight runs fn once for all concurrent callers with the same key. fn runs
// under the client timeout on a context detached from the first caller's
// cancellation, so one impatient caller cannot fail the others; each caller
// still returns as soon as its own ctx is done.
func (c *Client) flight(ctx context.Context, op, key string, fn func(context.Context) (any, error)) (any, error) {
	ch := c.flights.DoChan(key, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
		defer cancel()
		return fn(fctx)
	})
	select {
	case r := <-ch:
		return r.Val, r.Err
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: %w", op, context.Cause(ctx))
	}
}

// entryFrom checks and parses a schema the registry returned.
func entryFrom(op string, s *srclient.Schema) (schemaEntry, error) {
	if st := s.SchemaType(); st != nil && *st != srclient.Avro {
		return schemaEntry{}, fmt.Errorf("%s: %w: schema type %s, only AVRO is supported", op, ErrUnsupportedSchema, *st)
	}
	if refs := s.References(); len(refs) > 0 {
		return schemaEntry{}, fmt.Errorf("%s: %w: schema has %d references (first %q from subject %q), references are not supported",
			op, ErrUnsupportedSchema, len(refs), refs[0].Name, refs[0].Subject)
	}
	parsed, err := parseSchema(s.Schema())
	if err != nil {
		return schemaEntry{}, fmt.Errorf("%s: %w: registry returned a schema that does not parse: %v", op, ErrInvalidSchema, err)
	}
	return schemaEntry{schema: parsed, text: s.Schema()}, nil
}

// parseSchema parses with a private name cache. hamba.Parse would use the
// process-wide cache, where a named type from one schema could silently
// satisfy an undefined reference in another, and where two versions of the
// same record would overwrite each other.
func parseSchema(text string) (hamba.Schema, error) {
	return hamba.ParseWithCache(text, "", &hamba.SchemaCache{})
}
