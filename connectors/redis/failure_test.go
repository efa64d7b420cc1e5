package redis_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/connectortest"
	"github.com/retailpulse/retailpulse/connectors/redis"
	"github.com/retailpulse/retailpulse/connectors/redis/redistest"
)

func TestServerRestartReloadsScript(t *testing.T) {
	srv := redistest.Start(t)
	ctx := ctxT(t)
	task := startTask(t, &connectortest.SinkContext{Strict: true}, props(srv))
	src := newAvroSource(t, "BehaviorAggregate")
	if err := task.Put(ctx, []connectors.SinkRecord{src.record(t, ri, "a", aggregate("a", 1, nil))}); err != nil {
		t.Fatalf("put: %v", err)
	}
	// A restarted server has lost both the data and the script cache.
	srv.Restart(t)
	if err := task.Put(ctx, []connectors.SinkRecord{src.record(t, ri, "b", aggregate("b", 1, nil))}); err != nil {
		t.Fatalf("put after restart: %v", err)
	}
	if n := srv.Client(t).Exists(ctx, "rp:user:b").Val(); n != 1 {
		t.Errorf("record written after restart not found")
	}
}

func TestUnreachableServerIsRetriable(t *testing.T) {
	srv := redistest.Start(t)
	ctx := ctxT(t)
	task := startTask(t, &connectortest.SinkContext{Strict: true}, props(srv, redis.ConnectTimeoutConfig, "200", redis.OperationTimeoutConfig, "200",
		redis.MaxRetriesConfig, "1"))
	src := newAvroSource(t, "BehaviorAggregate")
	batch := []connectors.SinkRecord{src.record(t, ri, "r", aggregate("r", 1, nil))}
	srv.Stop()
	start := time.Now()
	err := task.Put(ctx, batch)
	if !errors.Is(err, connectors.ErrRetriable) {
		t.Fatalf("put with the server down = %v, want ErrRetriable", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("failing took %v, want it bounded by the timeouts", d)
	}
	// The worker retries the same batch once the server is back.
	srv.Restart(t)
	if err := task.Put(ctx, batch); err != nil {
		t.Fatalf("retried put: %v", err)
	}
	if n := srv.Client(t).Exists(ctx, "rp:user:r").Val(); n != 1 {
		t.Errorf("retried record not written")
	}
}

func TestAuthenticatedTLSConnection(t *testing.T) {
	srv := redistest.Start(t, redistest.WithUser("sink", "s3cret"), redistest.WithTLS())
	ctx := ctxT(t)
	secure := func(kv ...string) map[string]string {
		return props(srv, append([]string{redis.SSLEnabledConfig, "true", redis.SSLCAPathConfig, srv.TLS().CA,
			redis.UsernameConfig, "sink", redis.PasswordConfig, "s3cret"}, kv...)...)
	}
	task := startTask(t, &connectortest.SinkContext{Strict: true}, secure())
	src := newAvroSource(t, "BehaviorAggregate")
	if err := task.Put(ctx, []connectors.SinkRecord{src.record(t, ri, "tls", aggregate("tls", 1, nil))}); err != nil {
		t.Fatalf("put over TLS: %v", err)
	}
	if n := srv.Client(t).Exists(ctx, "rp:user:tls").Val(); n != 1 {
		t.Errorf("record not written over TLS")
	}

	for name, p := range map[string]map[string]string{
		"wrong password": secure(redis.PasswordConfig, "nope"),
		"untrusted CA":   secure(redis.SSLCAPathConfig, ""),
		"plaintext":      secure(redis.SSLEnabledConfig, "false"),
	} {
		t.Run(name, func(t *testing.T) {
			p[redis.ConnectTimeoutConfig], p[redis.MaxRetriesConfig] = "500", "0"
			task := redis.Plugin().NewSink().NewTask()
			err := task.Start(ctxT(t), &connectortest.SinkContext{Strict: true}, parse(t, p))
			if err == nil {
				_ = task.Stop()
				t.Fatal("task started")
			}
		})
	}
}

func TestConfigValidationNamesTheKey(t *testing.T) {
	srv := redistest.Start(t)
	for _, tc := range []struct {
		name    string
		kv      []string
		wantKey string
		wantMsg string
	}{
		{"rolling maps without watermark", []string{redis.WatermarkConfig, "none"}, redis.RollingMapsConfig, "need a watermark"},
		{"unknown per-topic key", []string{"topic.x.redis.colour", "red"}, "topic.x.redis.colour", "unknown per-topic setting"},
		{"bad per-topic ttl", []string{"topic.a.b.redis.ttl.seconds", "-5"}, "topic.a.b.redis.ttl.seconds", "at least 0"},
		{"cluster with database", []string{redis.ClientModeConfig, "Cluster", redis.DatabaseConfig, "2"}, redis.DatabaseConfig, "only database 0"},
		{"user without password", []string{redis.UsernameConfig, "u"}, redis.PasswordConfig, "password is needed"},
		{"cert without key", []string{redis.SSLCertPathConfig, "/c.pem"}, redis.SSLCertPathConfig, "set together"},
		{"missing CA file", []string{redis.SSLEnabledConfig, "true", redis.SSLCAPathConfig, "/nonexistent/ca.pem"}, redis.SSLCAPathConfig, "reading CA file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := redis.Plugin().NewSink().(connectors.CrossValidator).ValidateConfig(parse(t, props(srv, tc.kv...)))
			if len(errs) != 1 || errs[0].Key != tc.wantKey || !strings.Contains(errs[0].Message, tc.wantMsg) {
				t.Errorf("errors = %v, want one on %s mentioning %q", errs, tc.wantKey, tc.wantMsg)
			}
		})
	}
	for _, tc := range []struct{ key, value, want string }{
		{redis.KeyPatternConfig, "rp:{user", "unclosed"},
		{redis.FieldsConfig, "a=value..b", "empty path element"},
		{redis.RollingMapsConfig, "category_views", "not source=prefix"},
		{redis.HostsConfig, "nohost", "not host:port"},
	} {
		_, err := taskSpec.Parse(props(srv, tc.key, tc.value))
		if err == nil || !strings.Contains(err.Error(), tc.key) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s=%q: parse error %v, want it to name the key and say %q", tc.key, tc.value, err, tc.want)
		}
	}
	p := props(srv, redis.PasswordConfig, "topsecret")
	for _, cv := range taskSpec.Validate(p) {
		if cv.Value != nil && strings.Contains(*cv.Value, "topsecret") {
			t.Errorf("validate shows the password in %s", cv.Name)
		}
	}
}
