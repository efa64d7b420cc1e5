package restproxy

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	hamba "github.com/hamba/avro/v2"
	"golang.org/x/sync/singleflight"

	"github.com/retailpulse/retailpulse/schema-registry/serde"
)

// resolvedSchema is a registry schema ready for conversion.
type resolvedSchema struct {
	id      int
	version int // 0 when the request did not need it
	subject string
	node    *avroNode
}

// schemaStore resolves the schema a record names (raw text, id, version or
// a subject's latest) through the registry and caches the compiled form by
// id. ids are immutable in a registry, so compiled nodes never expire;
// "latest" answers expire after latestTTL so a new version is picked up.
type schemaStore struct {
	reg       serde.Registry
	versions  *versionClient
	latestTTL time.Duration
	now       func() time.Time
	flights   singleflight.Group

	mu      sync.RWMutex
	nodes   map[int]*avroNode
	members map[subjectID]bool
	latest  map[string]latestAnswer
}

type subjectID struct {
	subject string
	id      int
}

type latestAnswer struct {
	schema  *resolvedSchema
	expires time.Time
}

func newSchemaStore(reg serde.Registry, versions *versionClient, latestTTL time.Duration) *schemaStore {
	return &schemaStore{
		reg: reg, versions: versions, latestTTL: latestTTL, now: time.Now,
		nodes: map[int]*avroNode{}, members: map[subjectID]bool{}, latest: map[string]latestAnswer{},
	}
}

// byID resolves a schema id, checking that it is registered under subject
// (Confluent's TopicNameStrategy validation; Karapace #658): a schema id
// taken from another topic's subject is refused.
func (s *schemaStore) byID(ctx context.Context, subject string, id int) (*resolvedSchema, error) {
	node, err := s.node(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.checkMember(ctx, subject, id); err != nil {
		return nil, err
	}
	return &resolvedSchema{id: id, subject: subject, node: node}, nil
}

// register registers schemaText under subject (or finds it) as upstream
// does for key_schema/value_schema. With lookupOnly the schema must already
// be registered: governed topics never take new schemas from the edge.
func (s *schemaStore) register(ctx context.Context, subject, text string, lookupOnly bool) (*resolvedSchema, error) {
	resolve := s.reg.Register
	if lookupOnly {
		resolve = s.reg.Lookup
	}
	id, err := resolve(ctx, subject, text)
	if err != nil {
		if lookupOnly && (errors.Is(err, serde.ErrSchemaNotFound) || errors.Is(err, serde.ErrSubjectNotFound)) {
			return nil, errUnprocessable(codeInvalidSchema,
				"Invalid schema: the given schema is not registered under subject %s, and this topic accepts only registered schemas", subject)
		}
		return nil, registryError(fmt.Sprintf("registering schema under subject %s", subject), err)
	}
	node, err := s.node(ctx, id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.members[subjectID{subject, id}] = true
	s.mu.Unlock()
	return &resolvedSchema{id: id, subject: subject, node: node}, nil
}

// cachedLatest returns the subject's last known latest version, even when
// expired, without asking the registry; nil when there is none. It is a
// guess (see preconv), checked against what the request resolves.
func (s *schemaStore) cachedLatest(subject string) *resolvedSchema {
	s.mu.RLock()
	a := s.latest[subject]
	s.mu.RUnlock()
	return a.schema
}

// latestOf returns the subject's latest version, cached for latestTTL.
func (s *schemaStore) latestOf(ctx context.Context, subject string) (*resolvedSchema, error) {
	s.mu.RLock()
	a, ok := s.latest[subject]
	s.mu.RUnlock()
	if ok && s.now().Before(a.expires) {
		return a.schema, nil
	}
	v, err, _ := s.flights.Do("latest\x00"+subject, func() (any, error) {
		return s.fetchVersion(ctx, subject, "latest")
	})
	if err != nil {
		return nil, err
	}
	rs := v.(*resolvedSchema)
	s.mu.Lock()
	s.latest[subject] = latestAnswer{schema: rs, expires: s.now().Add(s.latestTTL)}
	s.members[subjectID{subject, rs.id}] = true
	s.mu.Unlock()
	return rs, nil
}

// version resolves subject version v (v3 schema_version).
func (s *schemaStore) version(ctx context.Context, subject string, v int) (*resolvedSchema, error) {
	return s.fetchVersion(ctx, subject, strconv.Itoa(v))
}

func (s *schemaStore) fetchVersion(ctx context.Context, subject, version string) (*resolvedSchema, error) {
	ans, err := s.versions.get(ctx, subject, version)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	node, ok := s.nodes[ans.ID]
	s.mu.RUnlock()
	if !ok {
		parsed, err := hamba.ParseWithCache(ans.Schema, "", &hamba.SchemaCache{})
		if err != nil {
			return nil, errUnprocessable(codeInvalidSchema, "Invalid schema: subject %s version %s does not parse: %v", subject, version, err)
		}
		if node, err = s.compile(ans.ID, parsed); err != nil {
			return nil, err
		}
	}
	return &resolvedSchema{id: ans.ID, version: ans.Version, subject: subject, node: node}, nil
}

func (s *schemaStore) node(ctx context.Context, id int) (*avroNode, error) {
	s.mu.RLock()
	n, ok := s.nodes[id]
	s.mu.RUnlock()
	if ok {
		return n, nil
	}
	parsed, _, err := s.reg.SchemaByID(ctx, id)
	if err != nil {
		if errors.Is(err, serde.ErrSchemaNotFound) || errors.Is(err, serde.ErrInvalidSchemaID) {
			return nil, errUnprocessable(codeInvalidSchema, "Invalid schema: schema id %d is not registered", id)
		}
		return nil, registryError(fmt.Sprintf("fetching schema id %d", id), err)
	}
	return s.compile(id, parsed)
}

func (s *schemaStore) compile(id int, parsed hamba.Schema) (*avroNode, error) {
	n, err := compileAvro(parsed)
	if err != nil {
		return nil, errUnprocessable(codeInvalidSchema, "Invalid schema: schema id %d: %v", id, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.nodes[id]; ok {
		return prev, nil
	}
	s.nodes[id] = n
	return n, nil
}

func (s *schemaStore) checkMember(ctx context.Context, subject string, id int) error {
	key := subjectID{subject, id}
	s.mu.RLock()
	ok := s.members[key]
	s.mu.RUnlock()
	if ok {
		return nil
	}
	_, text, err := s.reg.SchemaByID(ctx, id)
	if err != nil {
		return registryError(fmt.Sprintf("fetching schema id %d", id), err)
	}
	got, err := s.reg.Lookup(ctx, subject, text)
	switch {
	case errors.Is(err, serde.ErrSchemaNotFound) || errors.Is(err, serde.ErrSubjectNotFound) || err == nil && got != id:
		return errUnprocessable(codeInvalidSchema,
			"Invalid schema. format = AVRO, schema_id = %d is not registered under subject %s (TopicNameStrategy)", id, subject)
	case err != nil:
		return registryError(fmt.Sprintf("looking up schema id %d under subject %s", id, subject), err)
	}
	s.mu.Lock()
	s.members[key] = true
	s.mu.Unlock()
	return nil
}

// registryError maps a registry failure to the REST Proxy answer: the
// client's fault (bad or unknown schema) is 422, an unreachable registry is
// a retriable 503, anything else a 500.
func registryError(op string, err error) *apiError {
	switch {
	case errors.Is(err, serde.ErrInvalidSchema), errors.Is(err, serde.ErrIncompatibleSchema),
		errors.Is(err, serde.ErrUnsupportedSchema):
		return errUnprocessable(codeInvalidSchema, "Invalid schema: %s: %v", op, err)
	case errors.Is(err, serde.ErrSubjectNotFound), errors.Is(err, serde.ErrSchemaNotFound):
		return errUnprocessable(codeInvalidSchema, "Invalid schema: %s: %v", op, err)
	case errors.Is(err, serde.ErrRegistryUnavailable), errors.Is(err, context.DeadlineExceeded):
		return errUnavailable(codeRegistryUnavailable, "Schema registry unavailable: %s: %v", op, err)
	}
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	return newAPIError(500, 500, "%s: %v", op, err)
}
