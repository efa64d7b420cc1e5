package hbase

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
)

// settings is the parsed, cross-checked configuration of a task.
type settings struct {
	quorum        string
	znodeParent   string
	tableFormat   string
	rowKey        rowKeySpec
	defaultFamily string
	mapping       map[string]string // field -> family
	increments    map[string]bool
	maxes         map[string]bool
	offsetFamily  string
	nullDelete    bool
	batchSize     int
	concurrency   int
	retryTimeout  time.Duration
	errorMode     string
	autoTables    bool
	autoFamilies  bool
	tolerateAll   bool
}

// parseSettings reads a parsed Config and checks the rules that span
// keys; every problem is reported on its key.
func parseSettings(cfg *connectors.Config) (*settings, []connectors.FieldError) {
	var errs []connectors.FieldError
	fail := func(key, format string, args ...any) {
		errs = append(errs, connectors.FieldError{Key: key, Message: fmt.Sprintf(format, args...)})
	}
	s := &settings{
		znodeParent:   cfg.String(ZnodeParentConfig),
		tableFormat:   cfg.String(TableNameFormatConfig),
		defaultFamily: cfg.String(DefaultColumnFamilyConfig),
		mapping:       map[string]string{},
		increments:    map[string]bool{},
		maxes:         map[string]bool{},
		offsetFamily:  cfg.String(OffsetColumnFamilyConfig),
		nullDelete:    cfg.String(NullValueHandlingConfig) == NullDelete,
		batchSize:     cfg.Int(MaxBatchSizeConfig),
		concurrency:   cfg.Int(WriteConcurrencyConfig),
		retryTimeout:  time.Duration(cfg.Long(RetryTimeoutConfig)) * time.Millisecond,
		errorMode:     cfg.String(ErrorModeConfig),
		autoTables:    cfg.Bool(AutoCreateTablesConfig),
		autoFamilies:  cfg.Bool(AutoCreateFamiliesConfig),
	}
	if v, ok := cfg.Raw(connectors.ErrorsToleranceConfig); ok && strings.TrimSpace(v) == "all" {
		s.tolerateAll = true
	}
	quorum, err := normalizeQuorum(cfg.String(ZookeeperQuorumConfig), cfg.Int(ZookeeperPortConfig))
	if err != nil {
		fail(ZookeeperQuorumConfig, "%v", err)
	}
	s.quorum = quorum

	rk, err := parseRowKey(cfg.List(RowKeyDefinitionConfig), cfg.String(RowKeyDelimiterConfig), cfg.Int(RowKeySaltBucketsConfig))
	if err != nil {
		fail(RowKeyDefinitionConfig, "%v", err)
	}
	s.rowKey = rk
	if err := checkTemplate(s.tableFormat); err != nil {
		fail(TableNameFormatConfig, "%v", err)
	} else if !strings.Contains(s.tableFormat, TopicPlaceholder) {
		if err := validTableName(s.tableFormat); err != nil {
			fail(TableNameFormatConfig, "%v", err)
		}
	}
	if err := checkTemplate(s.defaultFamily); err != nil {
		fail(DefaultColumnFamilyConfig, "%v", err)
	} else if !strings.Contains(s.defaultFamily, TopicPlaceholder) {
		if err := validFamily(s.defaultFamily); err != nil {
			fail(DefaultColumnFamilyConfig, "%v", err)
		} else if s.defaultFamily == s.offsetFamily {
			fail(DefaultColumnFamilyConfig, "%q is the offset column family; data must go elsewhere", s.defaultFamily)
		}
	}
	for _, entry := range cfg.List(ColumnMappingConfig) {
		field, fam, ok := strings.Cut(entry, "=")
		field, fam = strings.TrimSpace(field), strings.TrimSpace(fam)
		switch {
		case !ok || field == "" || fam == "":
			fail(ColumnMappingConfig, "entry %q: want field=family", entry)
		case strings.Contains(field, "."):
			fail(ColumnMappingConfig, "entry %q: only top-level value fields can be mapped", entry)
		case validFamily(fam) != nil:
			fail(ColumnMappingConfig, "entry %q: %v", entry, validFamily(fam))
		case fam == s.offsetFamily:
			fail(ColumnMappingConfig, "entry %q: %q is the offset column family", entry, fam)
		case s.mapping[field] != "":
			fail(ColumnMappingConfig, "field %q is mapped twice", field)
		default:
			s.mapping[field] = fam
		}
	}
	for _, f := range cfg.List(IncrementFieldsConfig) {
		if f == "" || strings.Contains(f, ".") {
			fail(IncrementFieldsConfig, "%q is not a top-level field name", f)
			continue
		}
		s.increments[f] = true
	}
	for _, f := range cfg.List(MaxFieldsConfig) {
		switch {
		case f == "" || strings.Contains(f, "."):
			fail(MaxFieldsConfig, "%q is not a top-level field name", f)
		case s.increments[f]:
			fail(MaxFieldsConfig, "%q is also in %s", f, IncrementFieldsConfig)
		default:
			s.maxes[f] = true
		}
	}
	return s, errs
}

// normalizeQuorum gives every quorum entry a port, as HBase does with
// hbase.zookeeper.property.clientPort.
func normalizeQuorum(q string, port int) (string, error) {
	var out []string
	for _, h := range strings.Split(q, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if _, p, err := net.SplitHostPort(h); err == nil {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				return "", fmt.Errorf("quorum entry %q has an invalid port", h)
			}
			out = append(out, h)
			continue
		}
		if strings.Contains(h, ":") && !strings.HasPrefix(h, "[") {
			return "", fmt.Errorf("quorum entry %q is not host or host:port", h)
		}
		out = append(out, net.JoinHostPort(strings.Trim(h, "[]"), strconv.Itoa(port)))
	}
	if len(out) == 0 {
		return "", fmt.Errorf("no ZooKeeper host in %q", q)
	}
	return strings.Join(out, ","), nil
}

// checkTemplate allows ${topic} and nothing else that looks like a
// placeholder.
func checkTemplate(s string) error {
	rest := strings.ReplaceAll(s, TopicPlaceholder, "")
	if strings.Contains(rest, "${") {
		return fmt.Errorf("%q: only %s can be substituted", s, TopicPlaceholder)
	}
	return nil
}

func expand(tmpl, topic string) string { return strings.ReplaceAll(tmpl, TopicPlaceholder, topic) }

// validTableName applies HBase's TableName rules.
func validTableName(full string) error {
	ns, name := "default", full
	if i := strings.IndexByte(full, ':'); i >= 0 {
		ns, name = full[:i], full[i+1:]
	}
	for _, part := range []string{ns, name} {
		if part == "" {
			return fmt.Errorf("table name %q: empty namespace or qualifier", full)
		}
		if part[0] == '.' || part[0] == '-' {
			return fmt.Errorf("table name %q: may not start with '.' or '-'", full)
		}
		for _, c := range part {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
				return fmt.Errorf("table name %q: illegal character %q (allowed: letters, digits, '_', '.', '-')", full, c)
			}
		}
	}
	return nil
}

// validFamily applies HBase's column family rules.
func validFamily(name string) error {
	if name == "" {
		return fmt.Errorf("column family name is empty")
	}
	if name[0] == '.' {
		return fmt.Errorf("column family %q may not start with '.'", name)
	}
	for _, c := range name {
		if c == ':' || c == '/' || c < 0x20 || c == 0x7f {
			return fmt.Errorf("column family %q: illegal character %q", name, c)
		}
	}
	return nil
}

func familyName() connectors.Validator {
	return connectors.ValidatorFunc("column family name", func(v any) error {
		s, _ := v.(string)
		return validFamily(s)
	})
}

func znodeParent() connectors.Validator {
	return connectors.ValidatorFunc("absolute znode path", func(v any) error {
		s, _ := v.(string)
		if !strings.HasPrefix(s, "/") || (len(s) > 1 && strings.HasSuffix(s, "/")) {
			return fmt.Errorf("%q is not an absolute znode path like /hbase", s)
		}
		return nil
	})
}
