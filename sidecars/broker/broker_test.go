package broker_test

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/sidecars/broker"
)

func TestNewRejectsBadListenAddr(t *testing.T) {
	for _, addr := range []string{"", "nonsense", "127.0.0.1", "127.0.0.1:abc", "127.0.0.1:70000", "127.0.0.1:-1", "[::1"} {
		t.Run(addr, func(t *testing.T) {
			b, err := broker.New(broker.WithListenAddr(addr))
			if !errors.Is(err, broker.ErrBadListenAddr) {
				t.Fatalf("New(%q) = %v, %v; want ErrBadListenAddr", addr, b, err)
			}
			if !strings.Contains(err.Error(), strconv.Quote(addr)) {
				t.Errorf("error %q does not name the address %q", err, addr)
			}
		})
	}
}

func TestNewRejectsNonNumericBrokerConfig(t *testing.T) {
	_, err := broker.New(broker.WithBrokerConfigs(map[string]string{"log.cleaner.backoff.ms": "soon"}))
	if err == nil || !strings.Contains(err.Error(), "log.cleaner.backoff.ms") {
		t.Fatalf("New with log.cleaner.backoff.ms=soon: err = %v, want one naming the key", err)
	}
}

func TestStartTwiceAndCloseTwice(t *testing.T) {
	b, err := broker.New(broker.WithListenAddr("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Addr(); got != "" {
		t.Fatalf("Addr before Start = %q, want empty", got)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); !errors.Is(err, broker.ErrStarted) {
		t.Fatalf("second Start = %v, want ErrStarted", err)
	}
	addr := b.Addr()
	b.Close()
	b.Close()
	b.Compact() // no-op on a stopped broker, must not panic
	if got := b.Addr(); got != "" {
		t.Fatalf("Addr after Close = %q, want empty", got)
	}
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Fatalf("broker still accepts connections on %s after Close", addr)
	}
}

func TestStartFailsOnBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	b, err := broker.New(broker.WithListenAddr(ln.Addr().String()))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err == nil {
		b.Close()
		t.Fatalf("Start on busy %s succeeded", ln.Addr())
	} else if !strings.Contains(err.Error(), ln.Addr().String()) {
		t.Errorf("error %q does not name the address", err)
	}
	if got := b.Addr(); got != "" {
		t.Errorf("Addr after failed Start = %q, want empty", got)
	}
}

// A broker bound to the wildcard address must tell clients an address they
// can dial, and must really accept connections on other local addresses.
func TestWildcardListenAdvertisesLoopback(t *testing.T) {
	b := startBroker(t, broker.WithListenAddr("0.0.0.0:0"))
	host, port, err := net.SplitHostPort(b.Addr())
	if err != nil || host != "127.0.0.1" || port == "0" {
		t.Fatalf("Addr() = %q, want 127.0.0.1:<bound port>", b.Addr())
	}
	md, err := newAdmin(t, b).GetMetadata(nil, true, int(opTimeout.Milliseconds()))
	if err != nil {
		t.Fatalf("reading metadata: %v", err)
	}
	if len(md.Brokers) != 1 || md.Brokers[0].Host != "127.0.0.1" || strconv.Itoa(md.Brokers[0].Port) != port {
		t.Fatalf("metadata brokers = %+v, want one at 127.0.0.1:%s", md.Brokers, port)
	}
	// 127.0.0.2 is local on Linux but only reachable when bound to 0.0.0.0.
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.2", port), 2*time.Second)
	if err != nil {
		t.Skipf("127.0.0.2 not routable here: %v", err)
	}
	conn.Close()
}

func TestLoopbackListenIsNotWildcard(t *testing.T) {
	b := startBroker(t)
	_, port, _ := net.SplitHostPort(b.Addr())
	if conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.2", port), 2*time.Second); err == nil {
		conn.Close()
		t.Fatalf("broker on 127.0.0.1 accepted a connection on 127.0.0.2")
	}
}

func TestAdvertisedHost(t *testing.T) {
	b := startBroker(t, broker.WithAdvertisedHost("kafka.internal"))
	_, port, _ := net.SplitHostPort(b.Addr())
	if want := "kafka.internal:" + port; b.Addr() != want {
		t.Fatalf("Addr() = %q, want %q", b.Addr(), want)
	}
	// Bootstrap by IP: metadata then names the advertised host.
	// Quiet: the client also tries the advertised host, which does not resolve.
	a, err := kafka.NewAdminClient(&kafka.ConfigMap{"bootstrap.servers": "127.0.0.1:" + port, "log_level": 2})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	md, err := a.GetMetadata(nil, true, int(opTimeout.Milliseconds()))
	if err != nil {
		t.Fatalf("reading metadata: %v", err)
	}
	if len(md.Brokers) != 1 || md.Brokers[0].Host != "kafka.internal" {
		t.Fatalf("metadata brokers = %+v, want host kafka.internal", md.Brokers)
	}
}

func TestBrokerConfigsMergeOverDefaults(t *testing.T) {
	b := startBroker(t, broker.WithBrokerConfigs(map[string]string{"log.cleaner.backoff.ms": "2000"}))
	res, err := newAdmin(t, b).DescribeConfigs(ctxFor(t, opTimeout),
		[]kafka.ConfigResource{{Type: kafka.ResourceBroker, Name: "0"}})
	if err != nil || res[0].Error.Code() != kafka.ErrNoError {
		t.Fatalf("describing broker configs: %v %v", err, res)
	}
	want := map[string]string{
		"log.cleaner.backoff.ms":     "2000",
		"transaction.max.timeout.ms": broker.DefaultBrokerConfigs()["transaction.max.timeout.ms"],
	}
	for k, v := range want {
		if got := res[0].Config[k].Value; got != v {
			t.Errorf("broker config %s = %q, want %q", k, got, v)
		}
	}
}

func TestDataDirIsExclusive(t *testing.T) {
	dir := t.TempDir()
	first := startBroker(t, broker.WithDataDir(dir))
	second, err := broker.New(broker.WithListenAddr("127.0.0.1:0"), broker.WithDataDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if err := second.Start(); !errors.Is(err, broker.ErrDataDirInUse) {
		t.Fatalf("second broker on the same data dir: want ErrDataDirInUse, got %v", err)
	}
	first.Close()
	if err := second.Start(); err != nil {
		t.Fatalf("data dir not released by Close: %v", err)
	}
	second.Close()
}
