package cassandra

import (
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/gocql/gocql"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/connectors"
)

// settings is a parsed and cross-checked connector or task config.
type settings struct {
	contactPoints  []string
	port           int
	localDC        string
	username       string
	password       string
	auth           bool
	connectTimeout time.Duration
	poolSize       int
	maxConcurrent  int
	maxRecords     int
	maxBatchBytes  int
	queryTimeout   time.Duration
	ignore         string // IgnoreNone, IgnoreDriver or IgnoreAll
	maxRetries     int
	minBackoff     time.Duration
	maxBackoff     time.Duration
	createKeyspace bool
	replication    string
	createTable    bool
	tables         []*tableSettings
	byTopic        map[string][]*tableSettings
}

// settingsFrom checks the combinations of keys and the dynamic topic.*
// keys; it does not connect.
func settingsFrom(cfg *connectors.Config) (*settings, []connectors.FieldError) {
	s := &settings{
		contactPoints:  cfg.List(ContactPointsConfig),
		port:           cfg.Int(PortConfig),
		localDC:        cfg.String(LocalDCConfig),
		username:       cfg.String(AuthUsernameConfig),
		password:       cfg.Password(AuthPasswordConfig),
		auth:           cfg.String(AuthProviderConfig) == AuthPlain,
		connectTimeout: time.Duration(cfg.Int(ConnectTimeoutConfig)) * time.Millisecond,
		poolSize:       cfg.Int(PoolSizeConfig),
		maxConcurrent:  cfg.Int(MaxConcurrentConfig),
		maxRecords:     cfg.Int(MaxRecordsInBatchConfig),
		maxBatchBytes:  cfg.Int(MaxBatchBytesConfig),
		queryTimeout:   time.Duration(cfg.Int(QueryTimeoutConfig)) * time.Second,
		maxRetries:     cfg.Int(MaxRetriesConfig),
		minBackoff:     time.Duration(cfg.Int(MinBackoffConfig)) * time.Millisecond,
		maxBackoff:     time.Duration(cfg.Int(MaxBackoffConfig)) * time.Millisecond,
		createKeyspace: cfg.Bool(KeyspaceCreateConfig),
		replication:    strings.TrimSpace(cfg.String(KeyspaceReplicationConfig)),
		createTable:    cfg.Bool(TableCreateConfig),
		byTopic:        map[string][]*tableSettings{},
	}
	switch v := cfg.String(IgnoreErrorsConfig); v {
	case ignoreLegacyT:
		s.ignore = IgnoreAll
	case ignoreLegacyF:
		s.ignore = IgnoreNone
	default:
		s.ignore = v
	}
	var errs []connectors.FieldError
	fail := func(key, format string, args ...any) {
		errs = append(errs, connectors.FieldError{Key: key, Message: fmt.Sprintf(format, args...)})
	}
	if s.auth && (s.username == "" || s.password == "") {
		fail(AuthUsernameConfig, "auth.provider PLAIN needs auth.username and auth.password")
	}
	if s.minBackoff > s.maxBackoff {
		fail(MinBackoffConfig, "must not exceed %s", MaxBackoffConfig)
	}
	if s.createKeyspace && !(strings.HasPrefix(s.replication, "{") && strings.HasSuffix(s.replication, "}")) {
		fail(KeyspaceReplicationConfig, "must be a CQL map such as %s", DefaultReplication)
	}
	tables, terrs := parseTopicSettings(cfg.Originals())
	errs = append(errs, terrs...)
	s.tables = tables
	for _, ts := range tables {
		s.byTopic[ts.topic] = append(s.byTopic[ts.topic], ts)
	}
	for _, topic := range cfg.List(connectors.TopicsConfig) {
		if len(s.byTopic[topic]) == 0 && !hasErrorFor(terrs, TopicPrefix+topic+".") {
			fail(connectors.TopicsConfig, "topic %s has no mapping: set topic.%s.<keyspace>.<table>.mapping", topic, topic)
		}
	}
	return s, errs
}

func hasErrorFor(errs []connectors.FieldError, prefix string) bool {
	for _, e := range errs {
		if strings.HasPrefix(e.Key, prefix) {
			return true
		}
	}
	return false
}

// cluster builds the driver config: token-aware routing (within the local
// data center when one is set), no driver-level retries (the sink retries
// with backoff itself), client timestamps off since every statement binds
// its own.
func (s *settings) cluster(log *zap.Logger) *gocql.ClusterConfig {
	c := gocql.NewCluster(s.contactPoints...)
	c.Port = s.port
	c.ProtoVersion = 4
	c.Consistency = gocql.LocalQuorum
	c.Timeout = s.queryTimeout
	c.ConnectTimeout = s.connectTimeout
	c.WriteTimeout = s.queryTimeout
	c.NumConns = s.poolSize
	c.RetryPolicy = &gocql.SimpleRetryPolicy{NumRetries: 0}
	c.DefaultTimestamp = false
	c.ReconnectInterval = time.Second
	c.Logger = gocqlLogger(log)
	fallback := gocql.RoundRobinHostPolicy()
	if s.localDC != "" {
		fallback = gocql.DCAwareRoundRobinPolicy(s.localDC)
	}
	c.PoolConfig.HostSelectionPolicy = gocql.TokenAwareHostPolicy(fallback)
	if s.auth {
		c.Authenticator = gocql.PasswordAuthenticator{Username: s.username, Password: s.password}
	}
	return c
}

// gocqlLogger routes the driver's log lines to zap at debug level: they
// report reconnects the sink already handles.
func gocqlLogger(l *zap.Logger) gocql.StdLogger {
	return log.New(zapWriter{l}, "", 0)
}

type zapWriter struct{ l *zap.Logger }

func (w zapWriter) Write(p []byte) (int, error) {
	w.l.Debug(strings.TrimSpace(string(p)), zap.String("component", "gocql"))
	return len(p), nil
}
