package broker

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"

	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Broker is the embedded Kafka-protocol broker.
type Broker struct {
	cfg  config
	host string
	port int

	mu      sync.Mutex
	cluster *kfake.Cluster
	lock    *os.File       // flock on the data dir while started
	ln      *gatedListener // set by listen while kfake starts
}

// New validates the options; Start brings the broker up.
func New(opts ...Option) (*Broker, error) {
	cfg := defaults()
	for _, o := range opts {
		o.apply(&cfg)
	}
	host, port, err := cfg.validate()
	if err != nil {
		return nil, fmt.Errorf("configuring broker: %w", err)
	}
	if cfg.advertise == "" {
		cfg.advertise = host
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			cfg.advertise = "127.0.0.1"
		}
	}
	return &Broker{cfg: cfg, host: host, port: port}, nil
}

// Start loads any persisted state from the data directory and starts
// listening. It returns once the broker accepts connections.
func (b *Broker) Start() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cluster != nil {
		return ErrStarted
	}
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(b.port),
		kfake.ClusterID(b.cfg.clusterID),
		kfake.BrokerConfigs(b.cfg.brokerCfg),
		kfake.WithLogger(zapLogger{b.cfg.logger.Named("kfake")}),
		kfake.ListenFn(b.listen),
	}
	var open []openTxn
	if b.cfg.dataDir != "" {
		if err := os.MkdirAll(b.cfg.dataDir, 0o755); err != nil {
			return fmt.Errorf("creating broker data dir %s: %w", b.cfg.dataDir, err)
		}
		lock, err := lockDataDir(b.cfg.dataDir)
		if err != nil {
			return err
		}
		b.lock = lock
		opts = append(opts, kfake.DataDir(b.cfg.dataDir))
		if b.cfg.syncWrites {
			opts = append(opts, kfake.SyncWrites())
		}
		// Scanned before kfake loads, while nothing writes the files.
		if open, err = scanOpenTxns(b.cfg.dataDir); err != nil {
			b.releaseLock()
			return fmt.Errorf("scanning %s for open transactions: %w", b.cfg.dataDir, err)
		}
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		b.releaseLock()
		return fmt.Errorf("starting embedded broker on %s: %w", net.JoinHostPort(b.host, strconv.Itoa(b.port)), err)
	}
	installKafkaCompat(c)
	if err := b.abortCrashedTxns(c, open); err != nil {
		c.Close()
		b.releaseLock()
		return fmt.Errorf("recovering transactions in %s: %w", b.cfg.dataDir, err)
	}
	b.ln.Open()
	b.cluster = c
	return nil
}

// Addr returns the advertised host:port clients bootstrap from.
func (b *Broker) Addr() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cluster == nil {
		return ""
	}
	return b.cluster.ListenAddrs()[0]
}

// Close stops the broker, writing a full snapshot of its state when it has a
// data directory. It is safe to call more than once.
func (b *Broker) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.cluster
	b.cluster = nil
	if c != nil {
		// kfake writes its final snapshot in Close; keep the lock until then.
		c.Close()
	}
	b.releaseLock()
}

// releaseLock gives up the data dir; b.mu must be held.
func (b *Broker) releaseLock() {
	unlockDataDir(b.lock)
	b.lock = nil
}

// Compact runs log compaction and retention now, rather than at the next
// log.cleaner.backoff.ms tick. Tests and the `broker` command use it.
func (b *Broker) Compact() {
	b.mu.Lock()
	c := b.cluster
	b.mu.Unlock()
	if c != nil {
		c.Compact()
	}
}

// zapLogger adapts kfake's printf logger. kfake logs each request at info;
// that is debug detail for us, so info and debug both map to debug.
type zapLogger struct{ l *zap.Logger }

func (z zapLogger) Logf(level kfake.LogLevel, msg string, args ...any) {
	lvl := zapcore.DebugLevel
	switch level {
	case kfake.LogLevelError:
		lvl = zapcore.ErrorLevel
	case kfake.LogLevelWarn:
		lvl = zapcore.WarnLevel
	case kfake.LogLevelNone:
		return
	}
	if ce := z.l.Check(lvl, ""); ce != nil {
		ce.Message = fmt.Sprintf(msg, args...)
		ce.Write()
	}
}
