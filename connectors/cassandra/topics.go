package cassandra

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gocql/gocql"

	"github.com/retailpulse/retailpulse/connectors"
)

// Per-table settings: topic.<topic>.<keyspace>.<table>.<setting>.
const (
	TopicPrefix              = "topic."
	MappingSetting           = "mapping"
	TTLSetting               = "ttl"
	TTLTimeUnitSetting       = "ttlTimeUnit"
	TimestampTimeUnitSetting = "timestampTimeUnit"
	ConsistencySetting       = "consistencyLevel"
	NullToUnsetSetting       = "nullToUnset"
	DeletesEnabledSetting    = "deletesEnabled"
	// DefaultTTLSeconds is the ttl of a table that sets none: 24 h.
	DefaultTTLSeconds = 86400
)

var tableSettingNames = []string{MappingSetting, TTLSetting, TTLTimeUnitSetting, TimestampTimeUnitSetting,
	ConsistencySetting, NullToUnsetSetting, DeletesEnabledSetting}

var identRE = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

var timeUnits = map[string]time.Duration{"NANOSECONDS": time.Nanosecond, "MICROSECONDS": time.Microsecond,
	"MILLISECONDS": time.Millisecond, "SECONDS": time.Second, "MINUTES": time.Minute, "HOURS": time.Hour,
	"DAYS": 24 * time.Hour}

var consistencies = map[string]gocql.Consistency{"ANY": gocql.Any, "ONE": gocql.One, "TWO": gocql.Two,
	"THREE": gocql.Three, "QUORUM": gocql.Quorum, "ALL": gocql.All, "LOCAL_QUORUM": gocql.LocalQuorum,
	"EACH_QUORUM": gocql.EachQuorum, "LOCAL_ONE": gocql.LocalOne}

// tableSettings is how the records of one topic go to one table.
type tableSettings struct {
	topic, keyspace, table string
	prefix                 string // topic.<topic>.<keyspace>.<table>.
	mapping                []columnMapping
	ttl                    int // seconds; -1 writes no TTL (the table default applies)
	ttlUnit, tsUnit        time.Duration
	consistency            gocql.Consistency
	nullToUnset, deletes   bool
}

func (ts *tableSettings) key(setting string) string { return ts.prefix + setting }

// qualified is keyspace.table for messages.
func (ts *tableSettings) qualified() string { return ts.keyspace + "." + ts.table }

// parseTopicSettings reads every topic.* key. Topic names may contain
// dots; keyspace and table names may not, so they are the two components
// before the setting.
func parseTopicSettings(props map[string]string) ([]*tableSettings, []connectors.FieldError) {
	byPrefix := map[string]*tableSettings{}
	raw := map[string]map[string]string{}
	var errs []connectors.FieldError
	for _, k := range connectors.SortedKeys(props) {
		rest, ok := strings.CutPrefix(k, TopicPrefix)
		if !ok {
			continue
		}
		i := strings.LastIndexByte(rest, '.')
		setting := rest[i+1:]
		parts := strings.Split(rest[:max(i, 0)], ".")
		if i < 0 || len(parts) < 3 || !known(setting) {
			errs = append(errs, connectors.FieldError{Key: k, Message: fmt.Sprintf(
				"expected topic.<topic>.<keyspace>.<table>.<setting> with <setting> one of %s", strings.Join(tableSettingNames, ", "))})
			continue
		}
		n := len(parts)
		topic, ks, table := strings.Join(parts[:n-2], "."), parts[n-2], parts[n-1]
		if topic == "" || !identRE.MatchString(ks) || !identRE.MatchString(table) {
			errs = append(errs, connectors.FieldError{Key: k, Message: "keyspace and table names must be letters, digits and _"})
			continue
		}
		prefix := TopicPrefix + topic + "." + ks + "." + table + "."
		if byPrefix[prefix] == nil {
			byPrefix[prefix] = &tableSettings{topic: topic, keyspace: ks, table: table, prefix: prefix}
			raw[prefix] = map[string]string{}
		}
		raw[prefix][setting] = props[k]
	}
	var out []*tableSettings
	for _, prefix := range connectors.SortedKeys(byPrefix) {
		ts := byPrefix[prefix]
		if ferrs := ts.parse(raw[prefix]); len(ferrs) > 0 {
			errs = append(errs, ferrs...)
			continue
		}
		out = append(out, ts)
	}
	return out, errs
}

func known(setting string) bool {
	for _, s := range tableSettingNames {
		if s == setting {
			return true
		}
	}
	return false
}

func (ts *tableSettings) parse(raw map[string]string) []connectors.FieldError {
	var errs []connectors.FieldError
	fail := func(setting, format string, args ...any) {
		errs = append(errs, connectors.FieldError{Key: ts.key(setting), Message: fmt.Sprintf(format, args...)})
	}
	get := func(setting, def string) string {
		if v, ok := raw[setting]; ok {
			return strings.TrimSpace(v)
		}
		return def
	}
	m, ok := raw[MappingSetting]
	if !ok {
		fail(MappingSetting, "missing: every table needs a mapping (col=key|key.<path>|value|value.<path>|header.<name>, ...)")
	} else if mapping, err := parseMapping(m); err != nil {
		fail(MappingSetting, "%v", err)
	} else {
		ts.mapping = mapping
	}
	var err error
	if ts.ttl, err = strconv.Atoi(get(TTLSetting, strconv.Itoa(DefaultTTLSeconds))); err != nil || ts.ttl < -1 || ts.ttl > maxTTL {
		fail(TTLSetting, "must be -1 (no TTL), 0 (never expire) or seconds up to %d", maxTTL)
	}
	units := func(setting, def string) time.Duration {
		u, ok := timeUnits[strings.ToUpper(get(setting, def))]
		if !ok {
			fail(setting, "must be one of NANOSECONDS, MICROSECONDS, MILLISECONDS, SECONDS, MINUTES, HOURS, DAYS")
		}
		return u
	}
	ts.ttlUnit, ts.tsUnit = units(TTLTimeUnitSetting, "SECONDS"), units(TimestampTimeUnitSetting, "MICROSECONDS")
	if ts.consistency, ok = consistencies[strings.ToUpper(get(ConsistencySetting, "LOCAL_QUORUM"))]; !ok {
		fail(ConsistencySetting, "must be one of ANY, ONE, TWO, THREE, QUORUM, ALL, LOCAL_QUORUM, EACH_QUORUM, LOCAL_ONE")
	}
	boolean := func(setting string) bool {
		b, err := strconv.ParseBool(get(setting, "true"))
		if err != nil {
			fail(setting, "must be true or false")
		}
		return b
	}
	ts.nullToUnset, ts.deletes = boolean(NullToUnsetSetting), boolean(DeletesEnabledSetting)
	return errs
}

// maxTTL is Cassandra's limit on TTLs (20 years).
const maxTTL = 20 * 365 * 24 * 3600
