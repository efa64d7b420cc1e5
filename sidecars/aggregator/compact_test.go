package aggregator_test

import (
	"context"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/sidecars/aggregator"
)

// The changelog is compacted in production (every 15 s on the embedded
// broker): superseded states disappear and only the latest per user stays.
// Restoring from a compacted changelog must give the same results.
func TestRestoreFromCompactedChangelog(t *testing.T) {
	if isHelper() {
		t.Skip("helper process")
	}
	e := newEnv(t)
	parts := testLog(t)
	batches := chunks(interleave(parts), 4)
	start := func() func() {
		a, err := aggregator.New(testOptions(e.broker.Addr(), e.client, "compact")...)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx) }()
		return func() {
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("Run: %v", err)
			}
		}
	}
	stop := start()
	// Separate rounds give the changelog several batches in which the
	// same users recur, so compaction has states to drop.
	for _, b := range batches[:3] {
		e.produceLog(t, b)
		e.waitCaughtUp(t, 60*time.Second)
	}
	stop()
	before := e.countTopic(t, aggregator.DefaultChangelogTopic)
	e.broker.Compact()
	after := e.countTopic(t, aggregator.DefaultChangelogTopic)
	if after >= before {
		t.Fatalf("changelog has %d records after compaction, %d before: nothing was compacted", after, before)
	}
	t.Logf("changelog compacted from %d to %d records", before, after)
	stop = start()
	e.produceLog(t, batches[3])
	e.waitCaughtUp(t, 60*time.Second)
	stop()
	verifyWith(t, refExpect(parts), e.readOutputs(t), true)
}
