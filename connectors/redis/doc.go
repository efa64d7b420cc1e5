// Package redis is the RedisSink connector: the hot feature tier. It writes
// the aggregator's per-user window features (topic recommendation-input,
// Avro BehaviorAggregate) into one Redis hash per user, where the
// recommender reads them with a single HGETALL.
//
// The class is io.retailpulse.connect.redis.RedisSinkConnector, alias
// RedisSink. Declare it in connectors/builtin with Plugin().
//
// # What a record becomes
//
// Each record is one atomic update of the hash named by redis.key.pattern
// (default rp:user:{key}; placeholders are source expressions, see below):
//
//   - every field listed by redis.fields (default: every top-level field of
//     the value) is set to its rendered value; a null value deletes the
//     hash field, so the hash always shows the latest record, not a blend.
//     redis.fields=features=value instead writes the whole value as one
//     JSON field, which costs Redis less than half as much per record;
//   - every map listed by redis.rolling.maps is added into the hash (an
//     integer or float sum), one hash field per map key under a prefix
//     (default category_views=cat_views:,category_clicks=cat_clicks:), which
//     gives the rolling per-category counts over the hash's lifetime;
//   - the record's watermark (redis.watermark, default value.window_end) is
//     stored in the hash field _wm:<topic> (_wm:<topic>:<partition> for the
//     offset watermark);
//   - the key's TTL is set to redis.ttl.seconds (default 3600), so a user
//     who stops producing windows drops out of the hot tier an hour later.
//
// A record whose watermark is not greater than the stored one is skipped
// as a whole. The comparison and the update run in one Lua script, so a
// replay after a crash or a rewind of the consumer group never makes an
// older window overwrite a newer one and never counts a window twice into
// the rolling maps. A tombstone (null value) deletes the key when
// redis.tombstone.delete is true.
//
// # Source expressions
//
// key, key.<path>, value, value.<path>, header.<name>, topic, partition,
// offset, timestamp; a bare <path> means value.<path>. Paths walk struct
// fields and map keys separated by dots.
//
// # Rendering
//
// Strings and bytes are written as they are, integers in decimal, floats in
// the shortest form that reads back exactly (no exponent), booleans as
// true/false, timestamps as epoch milliseconds, decimals as plain decimal
// text, maps, structs and arrays as JSON.
//
// # Per-topic settings
//
// redis.key.pattern, redis.fields, redis.fields.exclude, redis.rolling.maps,
// redis.watermark, redis.ttl.seconds and redis.tombstone.delete can be
// overridden for one topic with topic.<topic>.<key>, for example
// topic.session-features.redis.key.pattern=rp:session:{key}.
//
// # Delivery
//
// Put writes its whole batch before returning, in pipelines of at most
// redis.batch.size records sent by redis.pipeline.lanes concurrent lanes (a
// record's lane follows from its key, so one hash's updates stay in order);
// Flush has nothing left to do. A pipeline carries one script call per 32
// records (per hash slot in Cluster mode, where a call's keys must share a
// slot): entering a script costs Redis several microseconds, about what
// a small record's writes cost, and 32 records keep a call under a
// millisecond, short enough for the readers of the hashes. Within a call every record is still applied, skipped or refused
// on its own, in record order. Connection
// failures and transient server states (LOADING, BUSY, TRYAGAIN, OOM, ...)
// fail the batch with connectors.ErrRetriable, so the worker retries it
// (errors.retry.timeout); replaying is safe because every update is
// idempotent. A record that cannot be mapped or that Redis refuses
// (WRONGTYPE, a counter or watermark field that is not a number) goes
// through the ErrantRecordReporter, which applies errors.tolerance and the
// dead letter queue; the other records of its call are written regardless.
package redis
