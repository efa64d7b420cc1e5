// Package serde is the Confluent-compatible Avro serde every retailpulse
// producer and consumer uses: the wire format, a caching Schema Registry
// client and an Avro Serializer/Deserializer on hamba/avro.
//
// # Wire format
//
// A payload is the magic byte 0x00, the schema id as a big-endian int32, then
// the bare Avro binary body. AppendHeader and ParseHeader handle the header
// without allocating.
//
// # Registry client
//
// Client talks to the registry through github.com/riferrei/srclient, which
// supplies the REST calls, JSON shapes, path escaping and the error body
// decoding. srclient alone falls short for a hot consumer path, so Client
// adds what it lacks:
//
//   - context: srclient builds requests with context.Background(). Each
//     call here gets its own srclient bound to a transport that carries the
//     caller's context and the operation timeout.
//   - caching: srclient caches "latest" forever (no TTL), re-registers on
//     every CreateSchema, does not collapse concurrent misses and caches
//     goavro codecs rather than hamba schemas. Client keeps its own caches
//     (see Client) with singleflight and a TTL for Latest.
//   - errors: srclient's error keeps error_code but loses the HTTP status,
//     and a non-JSON error body becomes a bare string. A transport wrapper
//     records the status, and every failure becomes a *RegistryError that
//     unwraps to a sentinel (ErrUnauthorized, ErrSchemaNotFound, ...).
//   - options: srclient silently ignores credentials with an empty user or
//     password and mutates the *http.Client it is given in SetTimeout.
//     Client validates options at construction and never touches the
//     caller's http.Client.
//
// A registration costs two HTTP calls through srclient (POST then GET by id),
// paid once per subject and schema per process. Schema references and
// non-Avro schema types are refused with ErrUnsupportedSchema.
//
// # Serializer and Deserializer
//
//	c, err := serde.NewClient("http://localhost:8081", serde.WithBasicAuth("svc:secret"))
//	ser, err := serde.NewSerializer(c, serde.WithSchema(userEventAvsc))
//	b, err := ser.Serialize(ctx, "user-events", &ev)
//	des, err := serde.NewDeserializer(c, serde.WithReaderSchema(userEventAvsc))
//	err = des.Deserialize(ctx, "user-events", b, &ev)
//
// The Serializer uses TopicNameStrategy ("<topic>-value", or "<topic>-key"
// with WithKeySubject) and either a fixed schema, registered once per subject,
// or the subject's latest schema (WithUseLatest). The Deserializer fetches the
// writer schema by the id in the header and, given a reader schema, applies
// Avro schema resolution, so records from older and newer producers decode
// into the same Go type. Errors name the topic, the schema id and the cause.
//
// Package serdetest holds an in-memory fake registry for tests.
package serde
