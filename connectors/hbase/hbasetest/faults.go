package hbasetest

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// FaultKind is what an injected fault does to a request.
type FaultKind int

// Fault kinds.
const (
	// RegionTooBusy answers RegionTooBusyException without applying the
	// request; gohbase backs off and resends to the same server.
	RegionTooBusy FaultKind = iota + 1
	// NotServingRegion answers NotServingRegionException without applying
	// the request; gohbase marks the region unavailable, looks it up in
	// hbase:meta again, probes it and resends.
	NotServingRegion
	// DoNotRetry answers DoNotRetryIOException without applying the
	// request; gohbase returns it to the caller.
	DoNotRetry
	// ApplyAndDrop applies the request, then closes the connection without
	// answering: the client cannot know whether the write happened, the
	// ambiguity that makes blind retries of increments double-count.
	ApplyAndDrop
)

func (k FaultKind) String() string {
	switch k {
	case RegionTooBusy:
		return "RegionTooBusy"
	case NotServingRegion:
		return "NotServingRegion"
	case DoNotRetry:
		return "DoNotRetry"
	case ApplyAndDrop:
		return "ApplyAndDrop"
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// Fault makes the next Times requests that match Method and Table fail.
type Fault struct {
	// Method is the RPC: "Get", "Mutate", "Multi" or "Scan"; empty matches
	// any of them. For Multi the fault hits one region action at a time.
	Method string
	// Table is the fully qualified table name; empty matches any user
	// table (hbase:meta only when named).
	Table string
	Kind  FaultKind
	// Times is how many matching requests the fault hits (default 1).
	Times int
}

type faultList struct {
	mu     sync.Mutex
	faults []*Fault
}

// Inject queues a fault. Faults are matched in the order they were
// injected; each matching request consumes one hit of the first match.
func (s *Server) Inject(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.faults = append(s.faults.faults, &f)
}

// PendingFaults is the number of injected hits not consumed yet.
func (s *Server) PendingFaults() int {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	n := 0
	for _, f := range s.faults.faults {
		n += f.Times
	}
	return n
}

// ClearFaults drops every pending fault.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.faults = nil
}

// take consumes a hit of the first fault matching method and table.
func (fl *faultList) take(method, table string) (FaultKind, bool) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	for i, f := range fl.faults {
		if f.Method != "" && f.Method != method {
			continue
		}
		if (f.Table == "" && table == metaTable) || (f.Table != "" && f.Table != table) {
			continue
		}
		f.Times--
		if f.Times == 0 {
			fl.faults = append(fl.faults[:i], fl.faults[i+1:]...)
		}
		return f.Kind, true
	}
	return 0, false
}

// faultError is the exception a fault kind answers with; ApplyAndDrop has
// none.
func faultError(k FaultKind, regionName string) *javaError {
	switch k {
	case RegionTooBusy:
		return jerr(ExcRegionTooBusy, "Over memstore limit=512.0M, regionName="+regionName+" (injected)")
	case NotServingRegion:
		return jerr(ExcNotServingRegion, regionName+" is not online (injected)")
	case DoNotRetry:
		return jerr(ExcDoNotRetry, "injected failure on "+regionName)
	}
	return nil
}

// stats counts what the server did.
type stats struct {
	requests  sync.Map // method -> *atomic.Int64
	mutations atomic.Int64
	failures  atomic.Int64
}

func (st *stats) count(method string) {
	v, _ := st.requests.LoadOrStore(method, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

// Requests returns how many requests of an RPC method (Get, Mutate, Multi,
// Scan, CreateTable, ...) the server received, failed ones included.
func (s *Server) Requests(method string) int64 {
	v, ok := s.stats.requests.Load(method)
	if !ok {
		return 0
	}
	return v.(*atomic.Int64).Load()
}

// Mutations returns how many single-row mutations the server applied
// (each Put, Delete, Increment or Append, inside Multi or not; a
// conditional mutation counts only when its condition held).
func (s *Server) Mutations() int64 { return s.stats.mutations.Load() }

// FailedRequests returns how many requests or region actions were
// answered with an exception.
func (s *Server) FailedRequests() int64 { return s.stats.failures.Load() }
