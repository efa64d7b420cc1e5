package schemacli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/internal/httpx"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/schema-registry/registry"
	"github.com/retailpulse/retailpulse/schema-registry/server"
)

// startRegistry runs our real registry over an in-memory log on a free port.
func startRegistry(t *testing.T) *Client {
	t.Helper()
	ctx := context.Background()
	core, err := registry.New(registry.NewMemoryLog())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(core, []httpx.Option{httpx.WithAddr("127.0.0.1:0")})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if err := core.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown(ctx); _ = core.Close() })
	c, err := NewClient(srv.URL(), "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// evolve returns UserEvent's schema with fields appended.
func evolve(t *testing.T, extra ...map[string]any) string {
	t.Helper()
	s, _ := avro.ByName(avro.NameUserEvent)
	var m map[string]any
	if err := json.Unmarshal([]byte(s.Text), &m); err != nil {
		t.Fatal(err)
	}
	for _, f := range extra {
		m["fields"] = append(m["fields"].([]any), f)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestProvisionIsIdempotentAndEvolutionIsGoverned(t *testing.T) {
	ctx := context.Background()
	c := startRegistry(t)
	p := NewProvisioner(c.base, "", zap.NewNop())
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	first := p.IDs["user-events-value"]
	if len(p.IDs) != len(avro.All()) || first == 0 {
		t.Fatalf("provisioned %v", p.IDs)
	}
	if err := p.Start(ctx); err != nil || p.IDs["user-events-value"] != first {
		t.Fatalf("second provisioning changed ids: %v %v", p.IDs, err)
	}

	// Adding an optional field with a default is accepted under BACKWARD.
	optional := evolve(t, map[string]any{"name": "discount", "type": []any{"null", "double"}, "default": nil})
	var out bytes.Buffer
	id, err := Register(ctx, c, "user-events-value", optional, &out)
	if err != nil || id == first {
		t.Fatalf("optional field refused: id=%d err=%v\n%s", id, err, out.String())
	}
	if !strings.Contains(out.String(), "+ discount: [null,double], default null") {
		t.Errorf("register output lacks the diff:\n%s", out.String())
	}

	// A required field without a default is refused and nothing is registered.
	required := evolve(t, map[string]any{"name": "discount", "type": []any{"null", "double"}, "default": nil},
		map[string]any{"name": "loyalty_tier", "type": "string"})
	out.Reset()
	_, err = Register(ctx, c, "user-events-value", required, &out)
	if !errors.Is(err, ErrIncompatible) {
		t.Fatalf("want ErrIncompatible, got %v", err)
	}
	if !strings.Contains(out.String(), "loyalty_tier") || !strings.Contains(out.String(), "INCOMPATIBLE under BACKWARD") {
		t.Errorf("refusal does not name the field and level:\n%s", out.String())
	}
	if strings.Contains(out.String(), "{oldSchema:") {
		t.Errorf("people output repeats the whole old schema")
	}
	latest, err := c.Latest(ctx, "user-events-value")
	if err != nil || latest.Version != 2 {
		t.Fatalf("latest after refusal: %+v %v", latest, err)
	}
}

func TestCheckNewSubjectAndBadURL(t *testing.T) {
	c := startRegistry(t)
	r, err := Check(context.Background(), c, "brand-new-value", `"string"`)
	if err != nil || !r.Compatible || r.LatestVersion != 0 {
		t.Fatalf("new subject: %+v %v", r, err)
	}
	var out bytes.Buffer
	r.Print(&out)
	if !strings.Contains(out.String(), "would be version 1") {
		t.Errorf("output: %s", out.String())
	}
	if _, err := NewClient("localhost:8081", ""); err == nil {
		t.Fatal("want error for URL without scheme")
	}
}
