package registry

import (
	"context"
	"sync"
)

// Record is one record of the log: an offset and raw key and value bytes. A
// nil Value is a tombstone.
type Record struct {
	Offset int64
	Key    []byte
	Value  []byte
}

// Log is the durable, totally ordered record log the registry's state is
// derived from: the _schemas topic in production, memory in tests.
type Log interface {
	// Append writes one record and returns its offset once it is durable.
	Append(ctx context.Context, key, value []byte) (int64, error)
	// Read delivers every record from the start of the log, in offset order,
	// to fn, and keeps delivering new ones until ctx is done (it then
	// returns ctx.Err()) or the log is closed. A log serves one Read at a
	// time.
	Read(ctx context.Context, fn func(Record)) error
	// End is the best known offset one past the last record (the high
	// watermark). It may lag behind; it feeds the apply-lag gauge only.
	End() int64
	// Close releases the log's resources.
	Close() error
}

// MemoryLog is a Log in memory. Several registries may share one to act as
// processes on the same topic: each Read sees every record.
type MemoryLog struct {
	mu      sync.Mutex
	records []Record
	closed  bool
	// grown is closed and replaced whenever records are appended or the log
	// closes, waking every reader.
	grown chan struct{}
}

// NewMemoryLog returns an empty in-memory log.
func NewMemoryLog() *MemoryLog { return &MemoryLog{grown: make(chan struct{})} }

// Append implements Log.
func (l *MemoryLog) Append(ctx context.Context, key, value []byte) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, ErrClosed
	}
	off := int64(len(l.records))
	l.records = append(l.records, Record{Offset: off, Key: clone(key), Value: clone(value)})
	close(l.grown)
	l.grown = make(chan struct{})
	return off, nil
}

// Read implements Log.
func (l *MemoryLog) Read(ctx context.Context, fn func(Record)) error {
	next := 0
	for {
		l.mu.Lock()
		batch, closed, grown := l.records[next:], l.closed, l.grown
		l.mu.Unlock()
		for _, r := range batch {
			fn(r)
		}
		next += len(batch)
		if len(batch) > 0 {
			continue
		}
		if closed {
			return ErrClosed
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-grown:
		}
	}
}

// End implements Log.
func (l *MemoryLog) End() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return int64(len(l.records))
}

// Close implements Log. Shared logs close for every reader at once.
func (l *MemoryLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		close(l.grown)
	}
	return nil
}

// Records returns a copy of every record, for export and tests.
func (l *MemoryLog) Records() []Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Record(nil), l.records...)
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}
