package redis

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	goredis "github.com/redis/go-redis/v9"
)

// newClient builds the go-redis client the settings describe.
func newClient(s *settings) (goredis.UniversalClient, error) {
	tlsCfg, err := s.tls.config()
	if err != nil {
		return nil, err
	}
	opts := &goredis.UniversalOptions{
		Addrs:           s.hosts,
		DB:              s.database,
		Username:        s.username,
		Password:        s.password,
		TLSConfig:       tlsCfg,
		DialTimeout:     s.connectTimeout,
		ReadTimeout:     s.operationTimeout,
		WriteTimeout:    s.operationTimeout,
		PoolSize:        s.poolSize,
		MaxRetries:      s.maxRetries,
		DisableIdentity: true,
		ClientName:      "retailpulse-redis-sink",
	}
	if s.cluster {
		return goredis.NewClusterClient(opts.Cluster()), nil
	}
	// A single address with NewUniversalClient would also give a plain
	// client, but several Standalone addresses would silently turn into a
	// cluster client; the mode is the user's explicit choice instead.
	opts.Addrs = s.hosts[:1]
	return goredis.NewClient(opts.Simple()), nil
}

func (t tlsSettings) config() (*tls.Config, error) {
	if !t.enabled {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.serverName, InsecureSkipVerify: t.insecure} //nolint:gosec // opt-in for tests
	if t.caPath != "" {
		pem, err := os.ReadFile(t.caPath)
		if err != nil {
			return nil, fmt.Errorf("%w: reading CA file: %w", ErrTLS, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: CA file %s holds no PEM certificate", ErrTLS, t.caPath)
		}
		cfg.RootCAs = pool
	}
	if t.certPath != "" {
		cert, err := tls.LoadX509KeyPair(t.certPath, t.keyPath)
		if err != nil {
			return nil, fmt.Errorf("%w: loading client certificate: %w", ErrTLS, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
