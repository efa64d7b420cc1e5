package kclient

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
	"go.uber.org/zap"
)

// The hot paths (the aggregator's exactly-once loop, the REST proxy's
// producer) use franz-go: pure Go, no cgo call per record and no librdkafka
// threads, which halved the client's CPU per record here. Extra is a
// librdkafka property map shared with the other clients, so the keys a kgo
// client can honour are translated here and every other key is refused by
// name: silently ignoring, say, an ssl.* key would connect in plain text.

// KgoProperties are the Extra keys Kgo translates.
var KgoProperties = map[string]bool{
	"security.protocol": true, "sasl.mechanism": true, "sasl.mechanisms": true,
	"sasl.username": true, "sasl.password": true,
	"ssl.ca.location": true, "ssl.certificate.location": true, "ssl.key.location": true,
	"ssl.endpoint.identification.algorithm": true,
}

// Kgo returns the options every franz-go client of role shares: the seed
// brokers, client.id <ClientID>-<role>, warnings and errors logged to log,
// and Extra's security properties. Any other Extra key is refused with
// ErrInvalidProperty naming it.
func (c Config) Kgo(role string, log *zap.Logger) ([]kgo.Opt, error) {
	for _, k := range slices.Sorted(maps.Keys(c.Extra)) {
		if !KgoProperties[k] {
			return nil, fmt.Errorf("%w %q (franz-go clients support %s)",
				ErrUnsupportedProperty, k, strings.Join(slices.Sorted(maps.Keys(KgoProperties)), ", "))
		}
	}
	id := c.ClientID
	if id == "" {
		id = "retailpulse"
	}
	if log == nil {
		log = zap.NewNop()
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(strings.Split(c.Bootstrap, ",")...),
		kgo.ClientID(id + "-" + role),
		kgo.WithLogger(kgoLogger{log.Named("kgo")}),
	}
	sec, err := securityOpts(c.Extra)
	if err != nil {
		return nil, err
	}
	return append(opts, sec...), nil
}

// securityOpts maps librdkafka's security.protocol, sasl.* and ssl.*
// properties onto kgo's TLS dialer and SASL mechanisms.
func securityOpts(x map[string]string) ([]kgo.Opt, error) {
	proto := strings.ToUpper(x["security.protocol"])
	var opts []kgo.Opt
	switch proto {
	case "", "PLAINTEXT":
	case "SSL", "SASL_SSL":
		tc, err := tlsConfig(x)
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.DialTLSConfig(tc))
	case "SASL_PLAINTEXT":
	default:
		return nil, fmt.Errorf("%w: security.protocol = %q: want PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL", ErrInvalidProperty, x["security.protocol"])
	}
	for _, k := range slices.Sorted(maps.Keys(x)) {
		switch {
		case strings.HasPrefix(k, "ssl.") && proto != "SSL" && proto != "SASL_SSL",
			strings.HasPrefix(k, "sasl.") && !strings.HasPrefix(proto, "SASL_"):
			return nil, fmt.Errorf("%w: %q is set but security.protocol is %q", ErrInvalidProperty, k, x["security.protocol"])
		}
	}
	if !strings.HasPrefix(proto, "SASL_") {
		return opts, nil
	}
	mech := x["sasl.mechanism"]
	if mech == "" {
		mech = x["sasl.mechanisms"]
	}
	user, pass := x["sasl.username"], x["sasl.password"]
	var m sasl.Mechanism
	switch strings.ToUpper(mech) {
	case "", "PLAIN":
		m = plain.Auth{User: user, Pass: pass}.AsMechanism()
	case "SCRAM-SHA-256":
		m = scram.Auth{User: user, Pass: pass}.AsSha256Mechanism()
	case "SCRAM-SHA-512":
		m = scram.Auth{User: user, Pass: pass}.AsSha512Mechanism()
	default:
		return nil, fmt.Errorf("%w: sasl.mechanism = %q: want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", ErrInvalidProperty, mech)
	}
	return append(opts, kgo.SASL(m)), nil
}

func tlsConfig(x map[string]string) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	switch v := x["ssl.endpoint.identification.algorithm"]; v {
	case "", "https":
	case "none":
		// librdkafka's way of turning host name verification off while
		// still verifying the chain; crypto/tls can only skip both, so
		// the chain is verified here.
		tc.InsecureSkipVerify = true
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("verifying broker certificate: none presented")
			}
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: tc.RootCAs, Intermediates: inter})
			if err != nil {
				return fmt.Errorf("verifying broker certificate: %w", err)
			}
			return nil
		}
	default:
		return nil, fmt.Errorf("%w: ssl.endpoint.identification.algorithm = %q: want https or none", ErrInvalidProperty, v)
	}
	if ca := x["ssl.ca.location"]; ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("%w: ssl.ca.location: reading %s: %w", ErrInvalidProperty, ca, err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: ssl.ca.location: %s holds no PEM certificate", ErrInvalidProperty, ca)
		}
	}
	cert, key := x["ssl.certificate.location"], x["ssl.key.location"]
	if (cert == "") != (key == "") {
		return nil, fmt.Errorf("%w: ssl.certificate.location and ssl.key.location must be set together", ErrInvalidProperty)
	}
	if cert != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("%w: ssl.certificate.location/ssl.key.location: %w", ErrInvalidProperty, err)
		}
		tc.Certificates = []tls.Certificate{pair}
	}
	return tc, nil
}

// kgoLogger forwards kgo's warnings and errors to zap; its info level logs
// every transaction.
type kgoLogger struct{ l *zap.Logger }

func (k kgoLogger) Level() kgo.LogLevel { return kgo.LogLevelWarn }

func (k kgoLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	fields := make([]zap.Field, 0, len(keyvals)/2)
	for i := 0; i+1 < len(keyvals); i += 2 {
		fields = append(fields, zap.Any(fmt.Sprint(keyvals[i]), keyvals[i+1]))
	}
	switch level {
	case kgo.LogLevelError:
		k.l.Error(msg, fields...)
	case kgo.LogLevelWarn:
		k.l.Warn(msg, fields...)
	default:
		k.l.Debug(msg, fields...)
	}
}
