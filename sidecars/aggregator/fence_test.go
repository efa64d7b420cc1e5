package aggregator_test

import (
	"context"
	"errors"
	"os"
	"runtime/pprof"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/retailpulse/retailpulse/sidecars/aggregator"
)

// A second process with the same instance id takes over: the first one's
// Run ends with ErrFenced instead of fencing back, and the newer one keeps
// producing correct results.
func TestDuplicateInstanceIsFenced(t *testing.T) {
	if isHelper() {
		t.Skip("helper process")
	}
	e := newEnv(t)
	parts := testLog(t)
	batches := chunks(interleave(parts), 2)

	run := func(name string) (context.CancelFunc, chan error) {
		a, err := aggregator.New(append(testOptions(e.broker.Addr(), e.client, "dup"), aggregator.WithLogger(zaptest.NewLogger(t).Named(name)))...)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx) }()
		return cancel, done
	}
	cancelOld, oldDone := run("old")
	defer cancelOld()
	e.produceLog(t, batches[0])
	e.waitCommitted(t, int64(len(batches[0])/2))

	cancelNew, newDone := run("new")
	defer cancelNew()
	select {
	case err := <-oldDone:
		if !errors.Is(err, aggregator.ErrFenced) {
			t.Fatalf("old instance's Run = %v, want ErrFenced", err)
		}
	case <-time.After(opTimeout):
		_ = pprof.Lookup("goroutine").WriteTo(os.Stderr, 1)
		t.Fatal("old instance was not fenced")
	}
	e.produceLog(t, batches[1])
	e.waitCaughtUp(t, 60*time.Second)
	cancelNew()
	if err := <-newDone; err != nil {
		t.Fatalf("new instance's Run = %v", err)
	}
	verify(t, refExpect(parts), e.readOutputs(t))
}
