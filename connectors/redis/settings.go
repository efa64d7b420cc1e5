package redis

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
)

// settings is a parsed and cross-checked connector or task config.
type settings struct {
	hosts            []string
	cluster          bool
	database         int
	username         string
	password         string
	tls              tlsSettings
	connectTimeout   time.Duration
	operationTimeout time.Duration
	poolSize         int
	maxRetries       int
	batchSize        int
	lanes            int
	base             *mapping
	topics           map[string]*mapping
}

type tlsSettings struct {
	enabled    bool
	caPath     string
	certPath   string
	keyPath    string
	serverName string
	insecure   bool
}

// settingsFrom checks what a single key's validators cannot: key
// combinations and the topic.<topic>.* overrides.
func settingsFrom(cfg *connectors.Config) (*settings, []connectors.FieldError) {
	s := &settings{
		hosts:            cfg.List(HostsConfig),
		cluster:          cfg.String(ClientModeConfig) == ModeCluster,
		database:         cfg.Int(DatabaseConfig),
		username:         cfg.String(UsernameConfig),
		password:         cfg.Password(PasswordConfig),
		connectTimeout:   time.Duration(cfg.Int(ConnectTimeoutConfig)) * time.Millisecond,
		operationTimeout: time.Duration(cfg.Int(OperationTimeoutConfig)) * time.Millisecond,
		poolSize:         cfg.Int(PoolSizeConfig),
		maxRetries:       cfg.Int(MaxRetriesConfig),
		batchSize:        cfg.Int(BatchSizeConfig),
		lanes:            cfg.Int(PipelineLanesConfig),
		tls: tlsSettings{enabled: cfg.Bool(SSLEnabledConfig), caPath: cfg.String(SSLCAPathConfig),
			certPath: cfg.String(SSLCertPathConfig), keyPath: cfg.String(SSLKeyPathConfig),
			serverName: cfg.String(SSLServerNameConfig), insecure: cfg.Bool(SSLInsecureConfig)},
		topics: map[string]*mapping{},
	}
	var errs []connectors.FieldError
	fail := func(key, format string, args ...any) {
		errs = append(errs, connectors.FieldError{Key: key, Message: fmt.Sprintf(format, args...)})
	}
	if s.cluster && s.database != 0 {
		fail(DatabaseConfig, "Redis Cluster has only database 0, got %d", s.database)
	}
	if s.lanes > s.poolSize {
		fail(PipelineLanesConfig, "%d lanes need as many connections, but %s is %d", s.lanes, PoolSizeConfig, s.poolSize)
	}
	if (s.tls.certPath == "") != (s.tls.keyPath == "") {
		fail(SSLCertPathConfig, "%s and %s must be set together", SSLCertPathConfig, SSLKeyPathConfig)
	}
	if s.password == "" && s.username != "" {
		fail(PasswordConfig, "%s is set, so a password is needed", UsernameConfig)
	}
	base, err := mappingFrom(func(k string) any { return typed(cfg, k) })
	if err != nil {
		fail(RollingMapsConfig, "%v", err)
	} else {
		s.base = base
	}
	overrides, oerrs := topicOverrides(cfg.Originals())
	errs = append(errs, oerrs...)
	for _, topic := range connectors.SortedKeys(overrides) {
		props := overrides[topic]
		m, err := overrideMapping(cfg, topic, props)
		if err != nil {
			fail(TopicOverridePrefix+topic+"."+firstKey(props), "%v", err)
			continue
		}
		s.topics[topic] = m
	}
	return s, errs
}

// typed reads a mapping key from cfg with its Go type.
func typed(cfg *connectors.Config, key string) any {
	switch key {
	case TTLConfig:
		return cfg.Long(key)
	case TombstoneDeleteConfig:
		return cfg.Bool(key)
	case FieldsConfig, FieldsExcludeConfig, RollingMapsConfig:
		return cfg.List(key)
	}
	return cfg.String(key)
}

// topicOverrides groups topic.<topic>.<mapping key> props by topic. Topic
// names may contain dots, so the mapping key is matched as a suffix.
func topicOverrides(props map[string]string) (map[string]map[string]string, []connectors.FieldError) {
	out := map[string]map[string]string{}
	var errs []connectors.FieldError
	for _, k := range connectors.SortedKeys(props) {
		rest, ok := strings.CutPrefix(k, TopicOverridePrefix)
		if !ok {
			continue
		}
		matched := false
		for _, mk := range mappingKeys {
			if topic, ok := strings.CutSuffix(rest, "."+mk); ok && topic != "" {
				if out[topic] == nil {
					out[topic] = map[string]string{}
				}
				out[topic][mk] = props[k]
				matched = true
				break
			}
		}
		if !matched {
			errs = append(errs, connectors.FieldError{Key: k, Message: fmt.Sprintf(
				"unknown per-topic setting: expected topic.<topic>.<key> with <key> one of %s", strings.Join(mappingKeys, ", "))})
		}
	}
	return out, errs
}

// overrideMapping parses a topic's overrides with the declarations of the
// keys they override (renamed, so messages name the key as written) and
// falls back to the connector-wide values.
func overrideMapping(cfg *connectors.Config, topic string, props map[string]string) (*mapping, error) {
	values := map[string]any{}
	var errs []error
	for mk, raw := range props {
		decl, _ := Spec.Key(mk)
		decl.Name = TopicOverridePrefix + topic + "." + mk
		spec, err := connectors.NewConfigSpec(decl)
		if err != nil {
			return nil, err
		}
		parsed, err := spec.Parse(map[string]string{decl.Name: raw})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		values[mk] = typedOverride(parsed, decl)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return mappingFrom(func(k string) any {
		if v, ok := values[k]; ok {
			return v
		}
		return typed(cfg, k)
	})
}

func typedOverride(c *connectors.Config, decl connectors.ConfigKey) any {
	switch decl.Type {
	case connectors.TypeLong:
		return c.Long(decl.Name)
	case connectors.TypeBoolean:
		return c.Bool(decl.Name)
	case connectors.TypeList:
		return c.List(decl.Name)
	}
	return c.String(decl.Name)
}

func firstKey(m map[string]string) string { return connectors.SortedKeys(m)[0] }

// mappingFor returns the mapping of topic.
func (s *settings) mappingFor(topic string) *mapping {
	if m, ok := s.topics[topic]; ok {
		return m
	}
	return s.base
}
