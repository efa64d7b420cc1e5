package cassandra

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/gocql/gocql"

	"github.com/retailpulse/retailpulse/connectors"
)

// chunks groups statements by table and partition key, in first-seen
// order, and cuts each group into batches of at most maxRecords statements
// and maxBytes bytes. A single statement larger than maxBytes gets a chunk
// of its own: Cassandra decides whether it fits.
func chunks(stmts []stmt, maxRecords, maxBytes int) [][]stmt {
	type groupKey struct {
		tg   *target
		pkey string
	}
	var order []groupKey
	groups := map[groupKey][]stmt{}
	for _, s := range stmts {
		k := groupKey{s.tg, s.pkey}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], s)
	}
	var out [][]stmt
	for _, k := range order {
		var cur []stmt
		size := 0
		for _, s := range groups[k] {
			if len(cur) > 0 && (len(cur) == maxRecords || size+s.size > maxBytes) {
				out = append(out, cur)
				cur, size = nil, 0
			}
			cur = append(cur, s)
			size += s.size
		}
		out = append(out, cur)
	}
	return out
}

// write executes the statements, up to maxConcurrentRequests chunks at
// once. Chunks run in any order: every statement carries its own write
// timestamp, so Cassandra's result does not depend on arrival order.
func (t *Task) write(ctx context.Context, stmts []stmt) ([]failure, error) {
	all := chunks(stmts, t.s.maxRecords, t.s.maxBatchBytes)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, t.s.maxConcurrent)
	var (
		mu       sync.Mutex
		rejected []failure
		firstErr error
		wg       sync.WaitGroup
	)
	for _, ch := range all {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			rej, err := t.runChunk(ctx, ch)
			mu.Lock()
			defer mu.Unlock()
			rejected = append(rejected, rej...)
			if err != nil && firstErr == nil {
				firstErr = err
				cancel()
			}
		}()
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	return rejected, firstErr
}

// runChunk writes one chunk with retries. When Cassandra refuses a batch
// outright, its statements are retried one by one so that only the bad
// records are reported.
func (t *Task) runChunk(ctx context.Context, ch []stmt) ([]failure, error) {
	err := t.execWithRetry(ctx, ch)
	if err == nil {
		return nil, nil
	}
	if isTransient(err) || ctx.Err() != nil {
		return nil, fmt.Errorf("%w: %w", connectors.ErrRetriable, err)
	}
	if len(ch) == 1 {
		return []failure{{ch[0].index, fmt.Errorf("%w: %s: %w", ErrWrite, ch[0].tg.ts.qualified(), err)}}, nil
	}
	var out []failure
	for i := range ch {
		rej, err := t.runChunk(ctx, ch[i:i+1])
		if err != nil {
			return nil, err
		}
		out = append(out, rej...)
	}
	return out, nil
}

// execWithRetry runs a chunk, retrying transient failures with doubling,
// jittered backoff. Each attempt gets queryExecutionTimeout.
func (t *Task) execWithRetry(ctx context.Context, ch []stmt) error {
	backoff := t.s.minBackoff
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, t.s.queryTimeout)
		err := t.exec(actx, ch)
		cancel()
		if err == nil || !isTransient(err) || attempt >= t.s.maxRetries || ctx.Err() != nil {
			return err
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return err
		}
		backoff = min(2*backoff, t.s.maxBackoff)
	}
}

func (t *Task) exec(ctx context.Context, ch []stmt) error {
	cons := ch[0].tg.ts.consistency
	if len(ch) == 1 {
		return t.session.Query(ch[0].cql, ch[0].args...).WithContext(ctx).Consistency(cons).Idempotent(true).Exec()
	}
	b := t.session.NewBatch(gocql.UnloggedBatch).WithContext(ctx)
	b.SetConsistency(cons)
	for _, s := range ch {
		b.Query(s.cql, s.args...)
	}
	return t.session.ExecuteBatch(b)
}

// isTransient reports whether an error says something about the cluster's
// state at that moment rather than about the statement: timeouts,
// unavailable replicas, overload, lost connections.
func isTransient(err error) bool {
	var (
		wt  *gocql.RequestErrWriteTimeout
		rt  *gocql.RequestErrReadTimeout
		un  *gocql.RequestErrUnavailable
		req gocql.RequestError
		ne  net.Error
	)
	switch {
	case errors.As(err, &wt), errors.As(err, &rt), errors.As(err, &un):
		return true
	case errors.As(err, &req):
		switch req.Code() {
		case gocql.ErrCodeOverloaded, gocql.ErrCodeBootstrapping, gocql.ErrCodeTruncate, gocql.ErrCodeServer:
			return true
		}
		return false
	}
	for _, target := range []error{gocql.ErrNoConnections, gocql.ErrConnectionClosed, gocql.ErrTimeoutNoResponse,
		gocql.ErrUnavailable, context.DeadlineExceeded, io.EOF, io.ErrUnexpectedEOF} {
		if errors.Is(err, target) {
			return true
		}
	}
	return errors.As(err, &ne)
}
