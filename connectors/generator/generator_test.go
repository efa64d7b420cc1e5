package generator_test

import (
	"context"
	"testing"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/connectortest"
	"github.com/retailpulse/retailpulse/connectors/generator"
)

func TestGeneratorResumesAndStops(t *testing.T) {
	p := generator.Plugin()
	conn := p.NewSource()
	cfgs, err := conn.TaskConfigs(2)
	if err != nil || len(cfgs) != 2 {
		t.Fatal(cfgs, err)
	}
	props := map[string]string{"name": "g", "connector.class": p.Class, "topic": "out", "poll.interval.ms": "0",
		"batch.size": "4", "max.messages": "10"}
	for k, v := range cfgs[1] {
		props[k] = v
	}
	cfg := connectortest.Parse(t, p, props)
	tctx := &connectortest.SourceContext{Stored: map[string]map[string]any{
		connectors.OffsetKey(map[string]any{"task": 1}): {"seq": float64(5)}}}
	task := p.NewSource().NewTask()
	if err := task.Start(context.Background(), tctx, cfg); err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for i := 0; i < 3; i++ {
		recs, err := task.Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if err := generator.ValueSchema.Validate(r.Value); err != nil {
				t.Fatal(err)
			}
			seqs = append(seqs, r.Value.(map[string]any)["seq"].(int64))
			if r.SourcePartition["task"] != 1 || r.Topic != "out" {
				t.Fatalf("record %+v", r)
			}
		}
	}
	if len(seqs) != 4 || seqs[0] != 6 || seqs[3] != 9 {
		t.Fatalf("seqs %v, want 6..9", seqs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if recs, _ := task.Poll(ctx); len(recs) != 0 {
		t.Fatalf("emitted past max.messages: %d", len(recs))
	}
	if err := p.NewSource().NewTask().Start(context.Background(), tctx, connectortest.Parse(t, p,
		map[string]string{"name": "g", "connector.class": p.Class, "topic": "out"})); err == nil {
		t.Fatal("start without task index succeeded")
	}
}
