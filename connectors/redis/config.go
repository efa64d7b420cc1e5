package redis

import (
	"fmt"
	"net"
	"strconv"

	"github.com/retailpulse/retailpulse/connectors"
)

// Class, alias and version of the connector.
const (
	Class   = "io.retailpulse.connect.redis.RedisSinkConnector"
	Alias   = "RedisSink"
	Version = "1.0.0"
)

// Config keys. The mapping keys (key pattern to tombstone delete) can be
// overridden per topic as topic.<topic>.<key>.
const (
	HostsConfig            = "redis.hosts"
	ClientModeConfig       = "redis.client.mode"
	DatabaseConfig         = "redis.database"
	UsernameConfig         = "redis.username"
	PasswordConfig         = "redis.password"
	SSLEnabledConfig       = "redis.ssl.enabled"
	SSLCAPathConfig        = "redis.ssl.ca.path"
	SSLCertPathConfig      = "redis.ssl.cert.path"
	SSLKeyPathConfig       = "redis.ssl.key.path"
	SSLServerNameConfig    = "redis.ssl.server.name"
	SSLInsecureConfig      = "redis.ssl.insecure.skip.verify"
	ConnectTimeoutConfig   = "redis.connect.timeout.ms"
	OperationTimeoutConfig = "redis.operation.timeout.ms"
	PoolSizeConfig         = "redis.pool.size"
	MaxRetriesConfig       = "redis.max.retries"
	BatchSizeConfig        = "redis.batch.size"
	PipelineLanesConfig    = "redis.pipeline.lanes"
	KeyPatternConfig       = "redis.key.pattern"
	FieldsConfig           = "redis.fields"
	FieldsExcludeConfig    = "redis.fields.exclude"
	RollingMapsConfig      = "redis.rolling.maps"
	WatermarkConfig        = "redis.watermark"
	TTLConfig              = "redis.ttl.seconds"
	TombstoneDeleteConfig  = "redis.tombstone.delete"
	TopicOverridePrefix    = "topic."
)

// Values and defaults.
const (
	ModeStandalone          = "Standalone"
	ModeCluster             = "Cluster"
	WatermarkNone           = "none"
	DefaultKeyPattern       = "rp:user:{key}"
	DefaultWatermark        = "value.window_end"
	DefaultTTLSeconds int64 = 3600
)

// DefaultRollingMaps accumulates the aggregator's per-category counts.
var DefaultRollingMaps = []string{"category_views=cat_views:", "category_clicks=cat_clicks:"}

const (
	groupConnection = "Redis connection"
	groupMapping    = "Redis mapping"
)

// mappingKeys are the keys a topic.<topic>. prefix may override.
var mappingKeys = []string{KeyPatternConfig, FieldsConfig, FieldsExcludeConfig, RollingMapsConfig,
	WatermarkConfig, TTLConfig, TombstoneDeleteConfig}

// Spec is the RedisSink config.
var Spec = connectors.MustConfigSpec(
	connectors.ConfigKey{Name: HostsConfig, Type: connectors.TypeList, Default: []string{"localhost:6379"},
		Validators: []connectors.Validator{connectors.NonEmptyList(), hostPortList()}, Importance: connectors.High,
		Documentation: "Redis servers as host:port. Standalone mode uses the first; Cluster mode uses them as seeds.",
		Group:         groupConnection, Width: connectors.WidthLong, DisplayName: "Hosts"},
	connectors.ConfigKey{Name: ClientModeConfig, Type: connectors.TypeString, Default: ModeStandalone,
		Validators: []connectors.Validator{connectors.OneOf(ModeStandalone, ModeCluster)}, Importance: connectors.Medium,
		Documentation: "Standalone for one server (or a proxy), Cluster for Redis Cluster.",
		Group:         groupConnection, Width: connectors.WidthShort, DisplayName: "Client mode",
		Recommended: []string{ModeStandalone, ModeCluster}},
	connectors.ConfigKey{Name: DatabaseConfig, Type: connectors.TypeInt, Default: 0,
		Validators: []connectors.Validator{connectors.AtLeast(0)}, Importance: connectors.Medium,
		Documentation: "Logical database to write to (Standalone mode only; Cluster has only database 0).",
		Group:         groupConnection, Width: connectors.WidthShort, DisplayName: "Database"},
	connectors.ConfigKey{Name: UsernameConfig, Type: connectors.TypeString, Default: "", Importance: connectors.Medium,
		Documentation: "ACL user to authenticate as; empty uses the default user (AUTH <password>).",
		Group:         groupConnection, Width: connectors.WidthMedium, DisplayName: "Username"},
	connectors.ConfigKey{Name: PasswordConfig, Type: connectors.TypePassword, Default: "", Importance: connectors.Medium,
		Documentation: "Password of the user; empty for no authentication.",
		Group:         groupConnection, Width: connectors.WidthMedium, DisplayName: "Password"},
	connectors.ConfigKey{Name: SSLEnabledConfig, Type: connectors.TypeBoolean, Default: false, Importance: connectors.Medium,
		Documentation: "Connect with TLS.", Group: groupConnection, Width: connectors.WidthShort, DisplayName: "TLS"},
	connectors.ConfigKey{Name: SSLCAPathConfig, Type: connectors.TypeString, Default: "", Importance: connectors.Low,
		Documentation: "PEM file of the CAs that sign the server certificate; empty trusts the system roots.",
		Group:         groupConnection, Width: connectors.WidthLong, DisplayName: "TLS CA file"},
	connectors.ConfigKey{Name: SSLCertPathConfig, Type: connectors.TypeString, Default: "", Importance: connectors.Low,
		Documentation: "PEM client certificate, for servers that require client authentication (with redis.ssl.key.path).",
		Group:         groupConnection, Width: connectors.WidthLong, DisplayName: "TLS client certificate"},
	connectors.ConfigKey{Name: SSLKeyPathConfig, Type: connectors.TypeString, Default: "", Importance: connectors.Low,
		Documentation: "PEM private key of the client certificate.",
		Group:         groupConnection, Width: connectors.WidthLong, DisplayName: "TLS client key"},
	connectors.ConfigKey{Name: SSLServerNameConfig, Type: connectors.TypeString, Default: "", Importance: connectors.Low,
		Documentation: "Name to verify the server certificate against; empty uses the host of each address.",
		Group:         groupConnection, Width: connectors.WidthMedium, DisplayName: "TLS server name"},
	connectors.ConfigKey{Name: SSLInsecureConfig, Type: connectors.TypeBoolean, Default: false, Importance: connectors.Low,
		Documentation: "Skip verification of the server certificate. For tests only.",
		Group:         groupConnection, Width: connectors.WidthShort, DisplayName: "TLS skip verify"},
	connectors.ConfigKey{Name: ConnectTimeoutConfig, Type: connectors.TypeInt, Default: 5000,
		Validators: []connectors.Validator{connectors.AtLeast(1)}, Importance: connectors.Low,
		Documentation: "Timeout in milliseconds for establishing a connection.",
		Group:         groupConnection, Width: connectors.WidthShort, DisplayName: "Connect timeout (ms)"},
	connectors.ConfigKey{Name: OperationTimeoutConfig, Type: connectors.TypeInt, Default: 3000,
		Validators: []connectors.Validator{connectors.AtLeast(1)}, Importance: connectors.Low,
		Documentation: "Timeout in milliseconds for writing a pipeline and reading its replies.",
		Group:         groupConnection, Width: connectors.WidthShort, DisplayName: "Operation timeout (ms)"},
	connectors.ConfigKey{Name: PoolSizeConfig, Type: connectors.TypeInt, Default: 4,
		Validators: []connectors.Validator{connectors.AtLeast(1)}, Importance: connectors.Low,
		Documentation: "Connections per server and task. A task sends one pipeline at a time, so a few suffice.",
		Group:         groupConnection, Width: connectors.WidthShort, DisplayName: "Pool size"},
	connectors.ConfigKey{Name: MaxRetriesConfig, Type: connectors.TypeInt, Default: 2,
		Validators: []connectors.Validator{connectors.AtLeast(0)}, Importance: connectors.Low,
		Documentation: "Times the client resends a pipeline after a network error before the batch fails as " +
			"retriable (then errors.retry.timeout applies). Resending is safe: every update is idempotent.",
		Group: groupConnection, Width: connectors.WidthShort, DisplayName: "Client retries"},
	connectors.ConfigKey{Name: BatchSizeConfig, Type: connectors.TypeInt, Default: 1000,
		Validators: []connectors.Validator{connectors.Between(1, 100000)}, Importance: connectors.Medium,
		Documentation: "Most records per pipelined round trip. A put() batch is written in several pipelines " +
			"spread over the lanes, so that mapping and writing overlap.",
		Group: groupConnection, Width: connectors.WidthShort, DisplayName: "Pipeline batch size"},
	connectors.ConfigKey{Name: PipelineLanesConfig, Type: connectors.TypeInt, Default: 2,
		Validators: []connectors.Validator{connectors.Between(1, 64)}, Importance: connectors.Low,
		Documentation: "Pipelines a task keeps in flight at once, so that mapping records and Redis executing them " +
			"overlap. A record's lane follows from its key, so updates of one hash stay in order. At most " +
			PoolSizeConfig + ".",
		Group: groupConnection, Width: connectors.WidthShort, DisplayName: "Pipeline lanes"},
	connectors.ConfigKey{Name: KeyPatternConfig, Type: connectors.TypeString, Default: DefaultKeyPattern,
		Validators: []connectors.Validator{patternValidator()}, Importance: connectors.High,
		Documentation: "Name of the hash a record updates. {expr} placeholders take a source expression: key, " +
			"key.<path>, value.<path>, header.<name>, topic, partition, offset, timestamp, or a bare value field " +
			"({user_id}). {{ and }} are literal braces.",
		Group: groupMapping, Width: connectors.WidthLong, DisplayName: "Key pattern"},
	connectors.ConfigKey{Name: FieldsConfig, Type: connectors.TypeList, Default: []string{},
		Validators: []connectors.Validator{fieldsValidator()}, Importance: connectors.Medium,
		Documentation: "Hash fields to set, as field=source or a bare value field name. Empty writes every " +
			"top-level field of the value under its own name.",
		Group: groupMapping, Width: connectors.WidthLong, DisplayName: "Fields"},
	connectors.ConfigKey{Name: FieldsExcludeConfig, Type: connectors.TypeList, Default: []string{}, Importance: connectors.Low,
		Documentation: "Hash fields not to write (applied after redis.fields).",
		Group:         groupMapping, Width: connectors.WidthLong, DisplayName: "Excluded fields"},
	connectors.ConfigKey{Name: RollingMapsConfig, Type: connectors.TypeList, Default: DefaultRollingMaps,
		Validators: []connectors.Validator{rollingValidator()}, Importance: connectors.Medium,
		Documentation: "Maps to accumulate, as source=prefix: each numeric entry k of the map is added to hash " +
			"field <prefix>k. A map absent from a record adds nothing. Needs a watermark, or replays would count twice.",
		Group: groupMapping, Width: connectors.WidthLong, DisplayName: "Rolling maps"},
	connectors.ConfigKey{Name: WatermarkConfig, Type: connectors.TypeString, Default: DefaultWatermark,
		Validators: []connectors.Validator{watermarkValidator()}, Importance: connectors.High,
		Documentation: "Source expression of an integer (or timestamp) that grows with each newer record of a key; " +
			"records not newer than the stored watermark are skipped. 'offset' uses the Kafka offset; 'none' " +
			"writes unconditionally.",
		Group: groupMapping, Width: connectors.WidthMedium, DisplayName: "Watermark"},
	connectors.ConfigKey{Name: TTLConfig, Type: connectors.TypeLong, Default: DefaultTTLSeconds,
		Validators: []connectors.Validator{connectors.AtLeast(0)}, Importance: connectors.High,
		Documentation: "Expiry of the hash in seconds, set again on every applied write; 0 keeps it forever.",
		Group:         groupMapping, Width: connectors.WidthShort, DisplayName: "TTL (s)"},
	connectors.ConfigKey{Name: TombstoneDeleteConfig, Type: connectors.TypeBoolean, Default: true, Importance: connectors.Medium,
		Documentation: "Delete the hash when a record has a null value (the key pattern must then not use value fields).",
		Group:         groupMapping, Width: connectors.WidthShort, DisplayName: "Delete on tombstone"},
)

func hostPortList() connectors.Validator {
	return connectors.ValidatorFunc("list of host:port", func(v any) error {
		for _, h := range v.([]string) {
			host, port, err := net.SplitHostPort(h)
			if err != nil || host == "" {
				return fmt.Errorf("%q is not host:port", h)
			}
			if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
				return fmt.Errorf("%q has an invalid port", h)
			}
		}
		return nil
	})
}

func patternValidator() connectors.Validator {
	return connectors.ValidatorFunc("key pattern with {source} placeholders", func(v any) error {
		_, err := parsePattern(v.(string))
		return err
	})
}

func fieldsValidator() connectors.Validator {
	return connectors.ValidatorFunc("list of field=source", func(v any) error {
		_, err := parseFields(v.([]string))
		return err
	})
}

func rollingValidator() connectors.Validator {
	return connectors.ValidatorFunc("list of source=prefix", func(v any) error {
		_, err := parseRolling(v.([]string))
		return err
	})
}

func watermarkValidator() connectors.Validator {
	return connectors.ValidatorFunc("source expression or 'none'", func(v any) error {
		_, err := parseWatermark(v.(string))
		return err
	})
}
