package converters

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	hamba "github.com/hamba/avro/v2"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
)

// TopicNameStrategy is the only subject name strategy supported: subjects
// are <topic>-key and <topic>-value.
const TopicNameStrategy = "io.confluent.kafka.serializers.subject.TopicNameStrategy"

// maxCachedWriters bounds the writer cache of a source that builds a new
// *Schema per record; the registry client still caches ids by text.
const maxCachedWriters = 1024

// AvroSpec is AvroConverter's config (the keys retailpulse honours; the
// prefix key.converter. or value.converter. is removed before parsing).
var AvroSpec = connectors.MustConfigSpec(
	connectors.ConfigKey{Name: "schema.registry.url", Type: connectors.TypeList, Required: true,
		Validators: []connectors.Validator{connectors.URLList()}, Importance: connectors.High,
		Documentation: "Comma-separated list of URLs for Schema Registry instances; the first one is used.",
		DisplayName:   "Schema Registry URL"},
	connectors.ConfigKey{Name: "basic.auth.credentials.source", Type: connectors.TypeString, Default: "URL",
		Validators: []connectors.Validator{connectors.OneOf("URL", "USER_INFO")}, Importance: connectors.Medium,
		Documentation: "Where HTTP basic credentials come from: USER_INFO (basic.auth.user.info) or URL (user info in the URL)."},
	connectors.ConfigKey{Name: "basic.auth.user.info", Type: connectors.TypePassword, Default: "", Importance: connectors.Medium,
		Documentation: "Basic credentials in the form user:password, used with basic.auth.credentials.source=USER_INFO."},
	connectors.ConfigKey{Name: "auto.register.schemas", Type: connectors.TypeBoolean, Default: true, Importance: connectors.Medium,
		Documentation: "Register the schema of written records under the topic's subject when it is not registered yet."},
	connectors.ConfigKey{Name: "use.latest.version", Type: connectors.TypeBoolean, Default: false, Importance: connectors.Low,
		Documentation: "Write with the latest registered schema of the subject instead of the record's own schema."},
	connectors.ConfigKey{Name: "key.subject.name.strategy", Type: connectors.TypeClass, Default: TopicNameStrategy,
		Validators: []connectors.Validator{connectors.OneOf(TopicNameStrategy)}, Importance: connectors.Medium,
		Documentation: "Subject naming for keys; only TopicNameStrategy is supported."},
	connectors.ConfigKey{Name: "value.subject.name.strategy", Type: connectors.TypeClass, Default: TopicNameStrategy,
		Validators: []connectors.Validator{connectors.OneOf(TopicNameStrategy)}, Importance: connectors.Medium,
		Documentation: "Subject naming for values; only TopicNameStrategy is supported."},
	connectors.ConfigKey{Name: "connect.meta.data", Type: connectors.TypeBoolean, Default: true, Importance: connectors.Low,
		Documentation: "Accepted for compatibility; Connect metadata is not written into Avro schemas."},
	connectors.ConfigKey{Name: "enhanced.avro.schema.support", Type: connectors.TypeBoolean, Default: false, Importance: connectors.Low,
		Documentation: "Accepted for compatibility; enum symbols and package names are always kept."},
)

// Avro is Confluent's AvroConverter on our schema registry: payloads are in
// the Confluent wire format (magic byte, schema id, Avro body). Decoding
// fetches the writer schema by id; encoding derives an Avro schema from the
// Connect schema and registers it under the topic's subject.
type Avro struct {
	client       *serde.Client
	des          *serde.Deserializer
	isKey        bool
	autoRegister bool
	useLatest    bool

	mu       sync.Mutex
	byID     map[int]*connectors.Schema // writer id -> Connect schema
	writers  map[*connectors.Schema]avroWriter
	latestBy map[string]avroWriter
}

type avroWriter struct {
	id     int
	schema hamba.Schema
}

// NewAvro returns an Avro converter bound to an existing registry client,
// for callers that share one client across converters.
func NewAvro(client *serde.Client, isKey bool) (*Avro, error) {
	a := &Avro{autoRegister: true}
	return a, a.init(client, isKey)
}

func (a *Avro) init(client *serde.Client, isKey bool) error {
	des, err := serde.NewDeserializer(client)
	if err != nil {
		return fmt.Errorf("configuring AvroConverter: %w", err)
	}
	a.client, a.des, a.isKey = client, des, isKey
	a.byID = map[int]*connectors.Schema{}
	a.writers = map[*connectors.Schema]avroWriter{}
	a.latestBy = map[string]avroWriter{}
	return nil
}

// Configure implements connectors.Converter.
func (a *Avro) Configure(cfg *connectors.Config, isKey bool) error {
	urls := cfg.List("schema.registry.url")
	u, err := url.Parse(urls[0])
	if err != nil {
		return fmt.Errorf("configuring AvroConverter: schema.registry.url: %w", err)
	}
	var opts []serde.ClientOption
	switch cfg.String("basic.auth.credentials.source") {
	case "USER_INFO":
		if info := cfg.Password("basic.auth.user.info"); info != "" {
			opts = append(opts, serde.WithBasicAuth(info))
		}
	case "URL":
		if u.User != nil {
			pass, _ := u.User.Password()
			opts = append(opts, serde.WithBasicAuth(u.User.Username()+":"+pass))
			u.User = nil
		}
	}
	client, err := serde.NewClient(strings.TrimRight(u.String(), "/"), opts...)
	if err != nil {
		return fmt.Errorf("configuring AvroConverter: %w", err)
	}
	a.autoRegister = cfg.Bool("auto.register.schemas")
	a.useLatest = cfg.Bool("use.latest.version")
	return a.init(client, isKey)
}

func (a *Avro) subject(topic string) string {
	if a.isKey {
		return topic + "-key"
	}
	return topic + "-value"
}

// ToConnect implements connectors.Converter.
func (a *Avro) ToConnect(ctx context.Context, topic string, _ []connectors.Header, data []byte) (*connectors.Schema, any, error) {
	if data == nil {
		return nil, nil, nil
	}
	id, _, err := serde.ParseHeader(data)
	if err != nil {
		return nil, nil, a.fail("converting data from topic %q with AvroConverter", topic, err)
	}
	cs, err := a.connectSchema(ctx, id)
	if err != nil {
		return nil, nil, a.fail("converting data from topic %q with AvroConverter", topic, err)
	}
	generic, err := a.des.DecodeGeneric(ctx, topic, data)
	if err != nil {
		return nil, nil, a.fail("converting data from topic %q with AvroConverter", topic, err)
	}
	writer, _, err := a.client.SchemaByID(ctx, id)
	if err != nil {
		return nil, nil, a.fail("converting data from topic %q with AvroConverter", topic, err)
	}
	v, err := toConnectValue(writer, cs, generic)
	if err != nil {
		return nil, nil, a.fail("converting data from topic %q with AvroConverter", topic, fmt.Errorf("schema id %d: %w", id, err))
	}
	return cs, v, nil
}

func (a *Avro) connectSchema(ctx context.Context, id int) (*connectors.Schema, error) {
	a.mu.Lock()
	cs, ok := a.byID[id]
	a.mu.Unlock()
	if ok {
		return cs, nil
	}
	writer, _, err := a.client.SchemaByID(ctx, id)
	if err != nil {
		return nil, err
	}
	cs, err = toConnectSchema(writer, map[string]bool{})
	if err != nil {
		return nil, fmt.Errorf("mapping schema id %d to connect: %w", id, err)
	}
	a.mu.Lock()
	a.byID[id] = cs
	a.mu.Unlock()
	return cs, nil
}

// FromConnect implements connectors.Converter.
func (a *Avro) FromConnect(ctx context.Context, topic string, _ []connectors.Header, schema *connectors.Schema, v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	w, err := a.writer(ctx, topic, schema, v)
	if err != nil {
		return nil, a.fail("converting value for topic %q with AvroConverter", topic, err)
	}
	av, err := toAvroValue(w.schema, v)
	if err != nil {
		return nil, a.fail("converting value for topic %q with AvroConverter", topic, err)
	}
	body, err := hamba.Marshal(w.schema, av)
	if err != nil {
		return nil, a.fail("converting value for topic %q with AvroConverter", topic,
			fmt.Errorf("%w: %v", connectors.ErrSchemaMismatch, err))
	}
	out := serde.AppendHeader(make([]byte, 0, 5+len(body)), w.id)
	return append(out, body...), nil
}

func (a *Avro) writer(ctx context.Context, topic string, schema *connectors.Schema, v any) (avroWriter, error) {
	subject := a.subject(topic)
	if a.useLatest {
		a.mu.Lock()
		w, ok := a.latestBy[subject]
		a.mu.Unlock()
		if ok {
			return w, nil
		}
		id, s, err := a.client.Latest(ctx, subject)
		if err != nil {
			return avroWriter{}, err
		}
		w = avroWriter{id: id, schema: s}
		a.mu.Lock()
		a.latestBy[subject] = w
		a.mu.Unlock()
		return w, nil
	}
	if schema == nil {
		inferred, err := inferSchema(v)
		if err != nil {
			return avroWriter{}, err
		}
		schema = inferred
	} else {
		if err := schema.Validate(v); err != nil {
			return avroWriter{}, err
		}
		a.mu.Lock()
		w, ok := a.writers[schema]
		a.mu.Unlock()
		if ok {
			return w, nil
		}
	}
	js, err := avroSchemaJSON(schema)
	if err != nil {
		return avroWriter{}, err
	}
	text, err := marshalSchema(js)
	if err != nil {
		return avroWriter{}, err
	}
	parsed, err := hamba.Parse(text)
	if err != nil {
		return avroWriter{}, fmt.Errorf("%w: derived avro schema: %v", ErrUnsupportedType, err)
	}
	var id int
	if a.autoRegister {
		id, err = a.client.Register(ctx, subject, text)
	} else {
		id, err = a.client.Lookup(ctx, subject, text)
	}
	if err != nil {
		return avroWriter{}, err
	}
	w := avroWriter{id: id, schema: parsed}
	// Schemas are cached by pointer: sources reuse one *Schema per shape,
	// and a schemaless value's inferred schema is cheap to rebuild.
	a.mu.Lock()
	if len(a.writers) >= maxCachedWriters {
		clear(a.writers)
	}
	a.writers[schema] = w
	a.mu.Unlock()
	return w, nil
}

// fail wraps err for one record. Registry outages are retriable, so
// errors.retry.timeout applies to them.
func (a *Avro) fail(format, topic string, err error) error {
	kind := connectors.ErrConversion
	if errors.Is(err, serde.ErrRegistryUnavailable) {
		kind = connectors.ErrRetriable
	}
	return fmt.Errorf(format+": %w: %w", topic, kind, err)
}
