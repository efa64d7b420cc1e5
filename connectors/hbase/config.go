package hbase

import (
	"github.com/retailpulse/retailpulse/connectors"
)

// Config keys of the HBase sink.
const (
	ZookeeperQuorumConfig     = "hbase.zookeeper.quorum"
	ZookeeperPortConfig       = "hbase.zookeeper.property.clientPort"
	ZnodeParentConfig         = "zookeeper.znode.parent"
	TableNameFormatConfig     = "table.name.format"
	RowKeyDefinitionConfig    = "row.key.definition"
	RowKeyDelimiterConfig     = "row.key.delimiter"
	RowKeySaltBucketsConfig   = "row.key.salt.buckets"
	DefaultColumnFamilyConfig = "default.column.family"
	ColumnMappingConfig       = "column.mapping"
	IncrementFieldsConfig     = "increment.fields"
	MaxFieldsConfig           = "max.fields"
	OffsetColumnFamilyConfig  = "offset.column.family"
	NullValueHandlingConfig   = "null.value.handling"
	InsertModeConfig          = "insert.mode"
	MaxBatchSizeConfig        = "max.batch.size"
	WriteConcurrencyConfig    = "write.concurrency"
	RetryTimeoutConfig        = "retry.timeout.ms"
	ErrorModeConfig           = "error.mode"
	AutoCreateTablesConfig    = "auto.create.tables"
	AutoCreateFamiliesConfig  = "auto.create.column.families"
)

// Values of the enumerated keys.
const (
	InsertModeUpsert = "UPSERT"
	ErrorModeFail    = "FAIL"
	ErrorModeWarn    = "WARN"
	ErrorModeIgnore  = "IGNORE"
	NullIgnore       = "IGNORE"
	NullDelete       = "DELETE"
	// TopicPlaceholder in table.name.format and default.column.family is
	// replaced by the record's topic.
	TopicPlaceholder = "${topic}"
)

const (
	groupConnection = "Connection"
	groupMapping    = "Data Mapping"
	groupCounters   = "Counters"
	groupWrites     = "Writes"
	groupAutoCreate = "Auto Creation"
	// MaxSaltBuckets bounds row.key.salt.buckets: the prefix is two hex
	// digits.
	MaxSaltBuckets = 256
)

// Spec is the HBase sink's declarative configuration.
var Spec = connectors.MustConfigSpec(
	connectors.ConfigKey{Name: ZookeeperQuorumConfig, Type: connectors.TypeString, Required: true,
		Validators: []connectors.Validator{connectors.NonEmptyString()}, Importance: connectors.High,
		Documentation: "ZooKeeper quorum of the HBase cluster: comma-separated host or host:port entries, as in " +
			"hbase-site.xml. The client finds hbase:meta and the master through it.",
		Group: groupConnection, Width: connectors.WidthLong, DisplayName: "ZooKeeper quorum"},
	connectors.ConfigKey{Name: ZookeeperPortConfig, Type: connectors.TypeInt, Default: 2181,
		Validators: []connectors.Validator{connectors.Between(1, 65535)}, Importance: connectors.Medium,
		Documentation: "Port used for quorum entries that do not name one.",
		Group:         groupConnection, Width: connectors.WidthShort, DisplayName: "ZooKeeper client port"},
	connectors.ConfigKey{Name: ZnodeParentConfig, Type: connectors.TypeString, Default: "/hbase",
		Validators: []connectors.Validator{znodeParent()}, Importance: connectors.Medium,
		Documentation: "Root znode of the HBase cluster (zookeeper.znode.parent in hbase-site.xml).",
		Group:         groupConnection, Width: connectors.WidthMedium, DisplayName: "ZooKeeper znode parent"},

	connectors.ConfigKey{Name: TableNameFormatConfig, Type: connectors.TypeString, Default: TopicPlaceholder,
		Validators: []connectors.Validator{connectors.NonEmptyString()}, Importance: connectors.High,
		Documentation: "Name of the destination table; ${topic} is replaced by the record's topic (after " +
			"transformations). Use namespace:table for a table outside the default namespace.",
		Group: groupMapping, Width: connectors.WidthLong, DisplayName: "Table name format"},
	connectors.ConfigKey{Name: RowKeyDefinitionConfig, Type: connectors.TypeList, Default: []string{}, Importance: connectors.High,
		Documentation: "Fields whose values, joined by row.key.delimiter, form the row key. An entry is key, " +
			"key.<path>, value.<path> or a bare <path> (a key field, as Confluent's sink reads it); paths use '.' " +
			"for nested fields. Empty: the whole key (a struct key contributes all its fields in order).",
		Group: groupMapping, Width: connectors.WidthLong, DisplayName: "Row key definition"},
	connectors.ConfigKey{Name: RowKeyDelimiterConfig, Type: connectors.TypeString, Default: "#", Importance: connectors.Medium,
		Documentation: "Delimiter between row key parts, and after the salt prefix.",
		Group:         groupMapping, Width: connectors.WidthShort, DisplayName: "Row key delimiter"},
	connectors.ConfigKey{Name: RowKeySaltBucketsConfig, Type: connectors.TypeInt, Default: 0,
		Validators: []connectors.Validator{connectors.Between(0, MaxSaltBuckets)}, Importance: connectors.Medium,
		Documentation: "When above 0, row keys get a salt prefix: two lowercase hex digits of FNV-1a-32(row key) " +
			"modulo the bucket count, then row.key.delimiter. Consecutive ids then spread over pre-split regions; " +
			"readers compute the same prefix to get a row (see hbase.SaltedRowKey).",
		Group: groupMapping, Width: connectors.WidthShort, DisplayName: "Row key salt buckets"},
	connectors.ConfigKey{Name: DefaultColumnFamilyConfig, Type: connectors.TypeString, Default: TopicPlaceholder,
		Validators: []connectors.Validator{connectors.NonEmptyString()}, Importance: connectors.Medium,
		Documentation: "Family of flat value fields that column.mapping does not place; ${topic} is replaced " +
			"by the topic. A nested struct or map field is its own family, its entries the columns.",
		Group: groupMapping, Width: connectors.WidthMedium, DisplayName: "Default column family"},
	connectors.ConfigKey{Name: ColumnMappingConfig, Type: connectors.TypeList, Default: []string{}, Importance: connectors.Medium,
		Documentation: "field=family entries placing value fields in a family. A flat field becomes column " +
			"<field>; a mapped struct or map field becomes columns <field>.<entry>.",
		Group: groupMapping, Width: connectors.WidthLong, DisplayName: "Column mapping"},
	connectors.ConfigKey{Name: NullValueHandlingConfig, Type: connectors.TypeString, Default: NullIgnore,
		Validators: []connectors.Validator{connectors.OneOf(NullIgnore, NullDelete)}, Importance: connectors.Medium,
		Documentation: "What a null field does: IGNORE keeps the stored cell, DELETE deletes it (versions at or " +
			"before the record timestamp).", Recommended: []string{NullIgnore, NullDelete},
		Group: groupMapping, Width: connectors.WidthShort, DisplayName: "Null value handling"},

	connectors.ConfigKey{Name: IncrementFieldsConfig, Type: connectors.TypeList, Default: []string{}, Importance: connectors.High,
		Documentation: "Value fields holding deltas: integers, or maps/structs of integers, added to the stored " +
			"counters with HBase Increments. Each increment is conditional on the last applied Kafka offset of " +
			"the row and partition, kept in offset.column.family, so a redelivered or replayed record is never " +
			"counted twice.", Group: groupCounters, Width: connectors.WidthLong, DisplayName: "Increment fields"},
	connectors.ConfigKey{Name: MaxFieldsConfig, Type: connectors.TypeList, Default: []string{}, Importance: connectors.Medium,
		Documentation: "Value fields of which the largest value is kept (timestamps or positive integers): they " +
			"are written with the value itself as cell timestamp, so HBase's newest-version read returns the " +
			"maximum whatever the arrival order.", Group: groupCounters, Width: connectors.WidthLong, DisplayName: "Max fields"},
	connectors.ConfigKey{Name: OffsetColumnFamilyConfig, Type: connectors.TypeString, Default: "m",
		Validators: []connectors.Validator{familyName()}, Importance: connectors.Medium,
		Documentation: "Family holding the applied-offset guards of increment.fields: column o:<topic>:<partition> " +
			"is the next offset to apply (8-byte big-endian). No data field may map to it.",
		Group: groupCounters, Width: connectors.WidthShort, DisplayName: "Offset column family"},

	connectors.ConfigKey{Name: InsertModeConfig, Type: connectors.TypeString, Default: InsertModeUpsert,
		Validators: []connectors.Validator{connectors.OneOf(InsertModeUpsert)}, Importance: connectors.High,
		Documentation: "UPSERT writes cells whether or not the row exists (the only mode: counters need it).",
		Group:         groupWrites, Width: connectors.WidthShort, DisplayName: "Insert mode", Recommended: []string{InsertModeUpsert}},
	connectors.ConfigKey{Name: MaxBatchSizeConfig, Type: connectors.TypeInt, Default: 500,
		Validators: []connectors.Validator{connectors.Between(1, 100000)}, Importance: connectors.Medium,
		Documentation: "Records written per round of HBase requests (one Multi of puts per table, then the " +
			"counter increments).", Group: groupWrites, Width: connectors.WidthShort, DisplayName: "Max batch size"},
	connectors.ConfigKey{Name: WriteConcurrencyConfig, Type: connectors.TypeInt, Default: 16,
		Validators: []connectors.Validator{connectors.Between(1, 1024)}, Importance: connectors.Low,
		Documentation: "Rows whose counters are incremented in parallel within a batch (one row's increments " +
			"stay in order).", Group: groupWrites, Width: connectors.WidthShort, DisplayName: "Write concurrency"},
	connectors.ConfigKey{Name: RetryTimeoutConfig, Type: connectors.TypeLong, Default: int64(90000),
		Validators: []connectors.Validator{connectors.AtLeast(1)}, Importance: connectors.Medium,
		Documentation: "How long each HBase request is retried (RegionTooBusy, NotServingRegion, lost " +
			"connections) before error.mode applies.", Group: groupWrites, Width: connectors.WidthShort,
		DisplayName: "Retry timeout (ms)"},
	connectors.ConfigKey{Name: ErrorModeConfig, Type: connectors.TypeString, Default: ErrorModeFail,
		Validators: []connectors.Validator{connectors.OneOf(ErrorModeFail, ErrorModeWarn, ErrorModeIgnore)},
		Importance: connectors.Medium, Recommended: []string{ErrorModeFail, ErrorModeWarn, ErrorModeIgnore},
		Documentation: "What a record that cannot be written does after retries. FAIL: it is handed to the " +
			"worker's errors.tolerance (none fails the task, all sends it to the dead letter queue); a timeout " +
			"fails the batch as retriable. WARN: it is logged and skipped, and reported to the dead letter " +
			"queue when errors.tolerance=all. IGNORE: as WARN without the log.",
		Group: groupWrites, Width: connectors.WidthShort, DisplayName: "Error mode"},

	connectors.ConfigKey{Name: AutoCreateTablesConfig, Type: connectors.TypeBoolean, Default: false, Importance: connectors.Medium,
		Documentation: "Create a missing table (default namespace only: gohbase's CreateTable has no namespace) " +
			"with the families the records need (and the offset family when increment.fields is set), VERSIONS=1, " +
			"pre-split on the salt " +
			"prefixes when row.key.salt.buckets > 1.", Group: groupAutoCreate, Width: connectors.WidthShort,
		DisplayName: "Auto create tables"},
	connectors.ConfigKey{Name: AutoCreateFamiliesConfig, Type: connectors.TypeBoolean, Default: false, Importance: connectors.Medium,
		Documentation: "Add missing column families to existing tables (MasterService AddColumn, then waiting " +
			"until the table descriptor lists them).", Group: groupAutoCreate, Width: connectors.WidthShort,
		DisplayName: "Auto create column families"},
)
