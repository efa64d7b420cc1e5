package cassandra

import (
	"github.com/retailpulse/retailpulse/connectors"
)

// Class, alias and version of the connector.
const (
	Class   = "io.retailpulse.connect.cassandra.CassandraSinkConnector"
	Alias   = "CassandraSink"
	Version = "1.0.0"
)

// Global config keys, named as in the DataStax Apache Kafka connector.
const (
	ContactPointsConfig       = "contactPoints"
	PortConfig                = "port"
	LocalDCConfig             = "loadBalancing.localDc"
	AuthProviderConfig        = "auth.provider"
	AuthUsernameConfig        = "auth.username"
	AuthPasswordConfig        = "auth.password"
	ConnectTimeoutConfig      = "connectTimeoutMs"
	PoolSizeConfig            = "connectionPoolLocalSize"
	MaxConcurrentConfig       = "maxConcurrentRequests"
	MaxRecordsInBatchConfig   = "maxNumberOfRecordsInBatch"
	MaxBatchBytesConfig       = "maxBatchSizeInBytes"
	QueryTimeoutConfig        = "queryExecutionTimeout"
	IgnoreErrorsConfig        = "ignoreErrors"
	MaxRetriesConfig          = "retry.maxRetries"
	MinBackoffConfig          = "retry.minBackoffMs"
	MaxBackoffConfig          = "retry.maxBackoffMs"
	KeyspaceCreateConfig      = "keyspace.create"
	KeyspaceReplicationConfig = "keyspace.replication"
	TableCreateConfig         = "table.create"
)

// Values of auth.provider and ignoreErrors.
const (
	AuthNone      = "None"
	AuthPlain     = "PLAIN"
	IgnoreNone    = "None"
	IgnoreDriver  = "Driver"
	IgnoreAll     = "All"
	ignoreLegacyT = "true"
	ignoreLegacyF = "false"
)

// DefaultReplication is the keyspace.replication default: good for one
// node; production clusters use NetworkTopologyStrategy.
const DefaultReplication = "{'class': 'SimpleStrategy', 'replication_factor': 1}"

const (
	groupConnection = "Connection"
	groupWrites     = "Writes"
	groupSchema     = "Schema"
)

// Spec is the CassandraSink config. Per-table settings are dynamic keys,
// topic.<topic>.<keyspace>.<table>.<setting>; see the package doc.
var Spec = connectors.MustConfigSpec(
	connectors.ConfigKey{Name: ContactPointsConfig, Type: connectors.TypeList, Default: []string{"127.0.0.1"},
		Validators: []connectors.Validator{connectors.NonEmptyList()}, Importance: connectors.High,
		Documentation: "Hosts (names or IPs) to connect to first; the driver discovers the other nodes.",
		Group:         groupConnection, Width: connectors.WidthLong, DisplayName: "Contact points"},
	connectors.ConfigKey{Name: PortConfig, Type: connectors.TypeInt, Default: 9042,
		Validators: []connectors.Validator{connectors.Between(1, 65535)}, Importance: connectors.High,
		Documentation: "Native protocol port of every node.", Group: groupConnection, Width: connectors.WidthShort,
		DisplayName: "Port"},
	connectors.ConfigKey{Name: LocalDCConfig, Type: connectors.TypeString, Default: "", Importance: connectors.High,
		Documentation: "Data center whose nodes coordinate requests (token-aware within it). Empty uses every node " +
			"token-aware, which suits a single data center.", Group: groupConnection, Width: connectors.WidthMedium,
		DisplayName: "Local data center"},
	connectors.ConfigKey{Name: AuthProviderConfig, Type: connectors.TypeString, Default: AuthNone,
		Validators: []connectors.Validator{connectors.OneOf(AuthNone, AuthPlain)}, Importance: connectors.Medium,
		Documentation: "PLAIN authenticates with auth.username and auth.password (PasswordAuthenticator).",
		Group:         groupConnection, Width: connectors.WidthShort, DisplayName: "Authentication", Recommended: []string{AuthNone, AuthPlain}},
	connectors.ConfigKey{Name: AuthUsernameConfig, Type: connectors.TypeString, Default: "", Importance: connectors.Medium,
		Documentation: "Username for PLAIN authentication.", Group: groupConnection, Width: connectors.WidthMedium,
		DisplayName: "Username"},
	connectors.ConfigKey{Name: AuthPasswordConfig, Type: connectors.TypePassword, Default: "", Importance: connectors.Medium,
		Documentation: "Password for PLAIN authentication.", Group: groupConnection, Width: connectors.WidthMedium,
		DisplayName: "Password"},
	connectors.ConfigKey{Name: ConnectTimeoutConfig, Type: connectors.TypeInt, Default: 5000,
		Validators: []connectors.Validator{connectors.AtLeast(1)}, Importance: connectors.Low,
		Documentation: "Timeout in milliseconds for opening a connection (also bounds config validation).",
		Group:         groupConnection, Width: connectors.WidthShort, DisplayName: "Connect timeout (ms)"},
	connectors.ConfigKey{Name: PoolSizeConfig, Type: connectors.TypeInt, Default: 4,
		Validators: []connectors.Validator{connectors.Between(1, 64)}, Importance: connectors.Low,
		Documentation: "Connections per node and task.", Group: groupConnection, Width: connectors.WidthShort,
		DisplayName: "Connections per node"},
	connectors.ConfigKey{Name: MaxConcurrentConfig, Type: connectors.TypeInt, Default: 500,
		Validators: []connectors.Validator{connectors.AtLeast(1)}, Importance: connectors.Medium,
		Documentation: "Statements and batches a task keeps in flight at once.", Group: groupWrites,
		Width: connectors.WidthShort, DisplayName: "Max concurrent requests"},
	connectors.ConfigKey{Name: MaxRecordsInBatchConfig, Type: connectors.TypeInt, Default: 32,
		Validators: []connectors.Validator{connectors.AtLeast(1)}, Importance: connectors.Medium,
		Documentation: "Records per batch. Batches only group records of one partition key of one table, so " +
			"they are atomic and cost the coordinator nothing extra.", Group: groupWrites, Width: connectors.WidthShort,
		DisplayName: "Max records per batch"},
	connectors.ConfigKey{Name: MaxBatchBytesConfig, Type: connectors.TypeInt, Default: 4 << 20,
		Validators: []connectors.Validator{connectors.AtLeast(1024)}, Importance: connectors.Low,
		Documentation: "Bound-value bytes per batch. Keep it under the cluster's max_mutation_size (half of " +
			"commitlog_segment_size, 16 MiB by default): a larger mutation is refused whole.",
		Group: groupWrites, Width: connectors.WidthShort, DisplayName: "Max batch size (bytes)"},
	connectors.ConfigKey{Name: QueryTimeoutConfig, Type: connectors.TypeInt, Default: 30,
		Validators: []connectors.Validator{connectors.AtLeast(1)}, Importance: connectors.Medium,
		Documentation: "Seconds one statement or batch may take, each attempt.", Group: groupWrites,
		Width: connectors.WidthShort, DisplayName: "Query timeout (s)"},
	connectors.ConfigKey{Name: IgnoreErrorsConfig, Type: connectors.TypeString, Default: IgnoreNone,
		Validators: []connectors.Validator{connectors.OneOf(IgnoreNone, IgnoreDriver, IgnoreAll, ignoreLegacyT, ignoreLegacyF)},
		Importance: connectors.Medium,
		Documentation: "None hands failed records to errors.tolerance and the dead letter queue; Driver logs and " +
			"skips records Cassandra refused or that still failed after the retries; All also skips records " +
			"that cannot be mapped. true and false are the legacy spellings of All and None.",
		Group: groupWrites, Width: connectors.WidthShort, DisplayName: "Ignore errors",
		Recommended: []string{IgnoreNone, IgnoreDriver, IgnoreAll}},
	connectors.ConfigKey{Name: MaxRetriesConfig, Type: connectors.TypeInt, Default: 5,
		Validators: []connectors.Validator{connectors.AtLeast(0)}, Importance: connectors.Low,
		Documentation: "Retries of a statement after a write timeout, unavailable, overloaded or connection " +
			"error. Writes carry explicit timestamps, so retrying is idempotent.", Group: groupWrites,
		Width: connectors.WidthShort, DisplayName: "Retries"},
	connectors.ConfigKey{Name: MinBackoffConfig, Type: connectors.TypeInt, Default: 100,
		Validators: []connectors.Validator{connectors.AtLeast(1)}, Importance: connectors.Low,
		Documentation: "First retry delay in milliseconds; it doubles per retry, with jitter.", Group: groupWrites,
		Width: connectors.WidthShort, DisplayName: "Min backoff (ms)"},
	connectors.ConfigKey{Name: MaxBackoffConfig, Type: connectors.TypeInt, Default: 5000,
		Validators: []connectors.Validator{connectors.AtLeast(1)}, Importance: connectors.Low,
		Documentation: "Largest retry delay in milliseconds.", Group: groupWrites, Width: connectors.WidthShort,
		DisplayName: "Max backoff (ms)"},
	connectors.ConfigKey{Name: KeyspaceCreateConfig, Type: connectors.TypeBoolean, Default: false, Importance: connectors.Low,
		Documentation: "Create mapped keyspaces that do not exist, with keyspace.replication.", Group: groupSchema,
		Width: connectors.WidthShort, DisplayName: "Create keyspaces"},
	connectors.ConfigKey{Name: KeyspaceReplicationConfig, Type: connectors.TypeString, Default: DefaultReplication,
		Importance: connectors.Low, Documentation: "Replication map for keyspace.create.", Group: groupSchema,
		Width: connectors.WidthLong, DisplayName: "Keyspace replication"},
	connectors.ConfigKey{Name: TableCreateConfig, Type: connectors.TypeBoolean, Default: false, Importance: connectors.Low,
		Documentation: "Create mapped tables that do not exist with the session-features layout " +
			"(compose/cassandra/schema.cql); a mapping that does not fit that layout is refused.",
		Group: groupSchema, Width: connectors.WidthShort, DisplayName: "Create tables"},
)
