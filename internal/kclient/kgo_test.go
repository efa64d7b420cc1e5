package kclient

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ssl.endpoint.identification.algorithm=none skips only the host name
// check: a certificate for another name from the configured CA is
// accepted, one from an unknown CA is still refused.
func TestTLSHostNameCheckOffStillVerifiesChain(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := newCert(t, nil, nil, "test-ca", true)
	leaf, leafKey := newCert(t, ca, caKey, "not-this-host", false)
	rogueCA, rogueKey := newCert(t, nil, nil, "rogue-ca", true)
	rogue, rogueLeafKey := newCert(t, rogueCA, rogueKey, "not-this-host", false)
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	dial := func(serve *x509.Certificate, key *ecdsa.PrivateKey, hostCheck string) error {
		ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{serve.Raw}, PrivateKey: key}}})
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			if c, err := ln.Accept(); err == nil {
				_ = c.(*tls.Conn).Handshake()
				c.Close()
			}
		}()
		tc, err := tlsConfig(map[string]string{"ssl.ca.location": caFile, "ssl.endpoint.identification.algorithm": hostCheck})
		if err != nil {
			t.Fatal(err)
		}
		tc.ServerName = "127.0.0.1"
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", ln.Addr().String(), tc)
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := dial(leaf, leafKey, "none"); err != nil {
		t.Errorf("host name check off, certificate from the CA: %v", err)
	}
	if err := dial(leaf, leafKey, "https"); err == nil {
		t.Error("host name check on accepted a certificate for another name")
	}
	if err := dial(rogue, rogueLeafKey, "none"); err == nil {
		t.Error("host name check off accepted a certificate from an unknown CA")
	}
}

func newCert(t *testing.T, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, name string, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: isCA, BasicConstraintsValid: true, DNSNames: []string{name},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

// Kgo translates the security properties and refuses, by name, every key
// it would otherwise silently ignore.
func TestKgoProperties(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra map[string]string
		want  error
		names string
	}{
		{"plain", nil, nil, ""},
		{"scram over TLS", map[string]string{"security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512",
			"sasl.username": "u", "sasl.password": "p"}, nil, ""},
		{"librdkafka-only key", map[string]string{"linger.ms": "20"}, ErrUnsupportedProperty, `"linger.ms"`},
		{"unknown protocol", map[string]string{"security.protocol": "KERBEROS"}, ErrInvalidProperty, "security.protocol"},
		{"unknown mechanism", map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "GSSAPI"}, ErrInvalidProperty, "sasl.mechanism"},
		{"ssl key without protocol", map[string]string{"ssl.ca.location": "/ca.pem"}, ErrInvalidProperty, "ssl.ca.location"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts, err := Config{Bootstrap: "h:9092", Extra: tc.extra}.Kgo("test", nil)
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want == nil && len(opts) < 3:
				t.Fatalf("%d options, want seeds, client id and logger at least", len(opts))
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("error %v, want %v", err, tc.want)
			case tc.want != nil && !strings.Contains(err.Error(), tc.names):
				t.Fatalf("error %q does not name %s", err, tc.names)
			}
		})
	}
}
