package hbase

import (
	"strconv"
	"strings"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/internal/topics"
)

// The long-term profile table, as compose/hbase/create-profile-table.sh
// creates it and ProfileConfig writes it.
const (
	ProfileTable = "user_profiles"
	// FamilyCounters holds the running totals: category_views.<category>,
	// category_purchases.<category>, spend_minor, purchase_count,
	// price_view_sum_minor, price_view_count (8-byte big-endian longs).
	FamilyCounters = "c"
	// FamilyProfile holds descriptive attributes: last_seen (8-byte epoch
	// ms, the maximum seen), last_category (UTF-8, the latest non-null),
	// window_end (8-byte epoch ms of the latest update's window).
	FamilyProfile = "p"
	// FamilyMeta holds the offset guards, o:<topic>:<partition>.
	FamilyMeta = "m"
	// ProfileSaltBuckets spreads users over 16 pre-split regions.
	ProfileSaltBuckets = 16
	// ProfileRowKeyDelimiter separates the salt from the user id.
	ProfileRowKeyDelimiter = "#"
	// ProfileDLQTopic receives profile updates the sink cannot write.
	ProfileDLQTopic = "profile-updates-dlq"
)

var (
	profileCounters = []string{"category_views", "category_purchases", "spend_minor", "purchase_count",
		"price_view_sum_minor", "price_view_count"}
	profileAttributes = []string{"last_seen", "last_category", "window_end"}
)

// ProfileRowKey is the row of a user's profile.
func ProfileRowKey(userID string) []byte {
	return SaltedRowKey(userID, ProfileSaltBuckets, ProfileRowKeyDelimiter)
}

// ProfileConfig is the connector config that keeps user_profiles from
// profile-updates: string keys, Avro values through the registry, the
// ProfileUpdate counters as guarded increments, last_seen as a maximum,
// last_category replaced (null keeps it), user_id and window_start
// dropped, failures to the profile DLQ.
func ProfileConfig(name, zkQuorum, znodeParent, schemaRegistryURL string) map[string]string {
	mapping := make([]string, 0, len(profileCounters)+len(profileAttributes))
	for _, f := range profileCounters {
		mapping = append(mapping, f+"="+FamilyCounters)
	}
	for _, f := range profileAttributes {
		mapping = append(mapping, f+"="+FamilyProfile)
	}
	return map[string]string{
		connectors.NameConfig:                 name,
		connectors.ConnectorClassConfig:       SinkClass,
		connectors.TasksMaxConfig:             "2",
		connectors.TopicsConfig:               topics.ProfileUpdates,
		connectors.KeyConverterConfig:         "org.apache.kafka.connect.storage.StringConverter",
		connectors.ValueConverterConfig:       "io.confluent.connect.avro.AvroConverter",
		"value.converter.schema.registry.url": schemaRegistryURL,
		connectors.TransformsConfig:           "dropIdentity",
		"transforms.dropIdentity.type":        "org.apache.kafka.connect.transforms.ReplaceField$Value",
		"transforms.dropIdentity.exclude":     "user_id,window_start",
		connectors.ErrorsToleranceConfig:      "all",
		connectors.ErrorsLogEnableConfig:      "true",
		connectors.DLQTopicNameConfig:         ProfileDLQTopic,
		connectors.DLQReplicationConfig:       "1",
		connectors.DLQContextHeadersConfig:    "true",
		ZookeeperQuorumConfig:                 zkQuorum,
		ZnodeParentConfig:                     znodeParent,
		TableNameFormatConfig:                 ProfileTable,
		RowKeyDelimiterConfig:                 ProfileRowKeyDelimiter,
		RowKeySaltBucketsConfig:               strconv.Itoa(ProfileSaltBuckets),
		DefaultColumnFamilyConfig:             FamilyProfile,
		ColumnMappingConfig:                   strings.Join(mapping, ","),
		IncrementFieldsConfig:                 strings.Join(profileCounters, ","),
		MaxFieldsConfig:                       "last_seen",
		OffsetColumnFamilyConfig:              FamilyMeta,
		NullValueHandlingConfig:               NullIgnore,
		InsertModeConfig:                      InsertModeUpsert,
		MaxBatchSizeConfig:                    "500",
		RetryTimeoutConfig:                    "90000",
		ErrorModeConfig:                       ErrorModeFail,
		AutoCreateTablesConfig:                "false",
		AutoCreateFamiliesConfig:              "false",
	}
}
