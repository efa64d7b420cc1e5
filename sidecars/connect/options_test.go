package connect_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/sidecars/connect"
)

func TestNewRejectsBadOptions(t *testing.T) {
	k := connect.WithKafka(kclient.Config{Bootstrap: "127.0.0.1:9092"})
	cases := map[string][]connect.Option{
		"no kafka":          {},
		"bad listen":        {k, connect.WithListenAddr("nope")},
		"bad advertised":    {k, connect.WithAdvertisedURL("ftp://x")},
		"empty group":       {k, connect.WithGroupID("")},
		"same topics":       {k, connect.WithTopics("a", "a", "b")},
		"short session":     {k, connect.WithHeartbeat(time.Second, 2*time.Second)},
		"zero flush":        {k, connect.WithOffsetFlushInterval(0)},
		"backoff inverted":  {k, connect.WithTaskAutoRestart(true, time.Minute, time.Second)},
		"nil logger":        {k, connect.WithLogger(nil)},
		"nil plugins":       {k, connect.WithPlugins(nil)},
		"bad registry url":  {k, connect.WithSchemaRegistryURL("::")},
		"no request budget": {k, connect.WithRequestTimeout(-time.Second)},
	}
	for name, opts := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := connect.New(opts...); !errors.Is(err, connect.ErrInvalidOption) {
				t.Fatalf("err = %v, want ErrInvalidOption", err)
			}
		})
	}
	if _, err := connect.New(k, connect.WithTaskAutoRestart(false, 0, 0)); err != nil {
		t.Fatalf("disabling auto-restart needs no backoff: %v", err)
	}
}

func TestComponentAndReadiness(t *testing.T) {
	b := startBroker(t)
	w := startWorker(t, b, connect.WithGroupID("other-cluster"))
	c := connect.Component(w)
	if c.Name() != "connect" || c.Ready(context.Background()) != nil {
		t.Fatalf("component %s not ready", c.Name())
	}
	eps := c.Endpoints()
	if len(eps) != 1 || eps[0].Addr != w.URL() || !strings.Contains(eps[0].Note, "other-cluster") {
		t.Fatalf("endpoints %+v", eps)
	}
	r := call(t, "GET", w.URL()+"/health", nil)
	expectStatus(t, r, 200)
	if !strings.Contains(string(r.body), `"status":"healthy"`) {
		t.Fatalf("/health body is not KIP-1017's shape: %s", r.body)
	}
	if err := c.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.Ready(context.Background()) == nil {
		t.Fatal("stopped worker still ready")
	}
}
