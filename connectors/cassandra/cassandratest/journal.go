package cassandratest

import (
	"time"

	"github.com/datastax/go-cassandra-native-protocol/primitive"
)

// Unset stands for a bound value the client left unset (protocol v4):
// the column keeps its stored value.
var Unset = unsetValue{}

type unsetValue struct{}

func (unsetValue) String() string { return "<unset>" }

// Statement is one recorded request, or one child of a BATCH.
type Statement struct {
	// Kind is QUERY, EXECUTE or BATCH.
	Kind string
	// CQL is the statement text (empty for a BATCH).
	CQL string
	// Values are the bound values decoded with their marker types (see
	// Server.Query for the Go types); Unset for unset values.
	Values []any
	// Consistency is the level the client asked for, e.g. LOCAL_QUORUM;
	// empty for batch children.
	Consistency string
	// BatchType is LOGGED, UNLOGGED or COUNTER for a BATCH.
	BatchType string
	// Children are the statements of a BATCH.
	Children []Statement
	// Partitions is the number of distinct partitions the request wrote.
	Partitions int
	// Err is the error code the request was answered with, 0 for success.
	Err int
	// At is when the server received the request (server clock).
	At time.Time

	// raw holds the bound values until someone looks at them: decoding
	// every request's values up front was most of the server's cost.
	raw *rawValues
}

type rawValues struct {
	p    *prepared
	vals []boundValue
}

// resolve decodes Values (and the children's) if still pending.
func (st *Statement) resolve() {
	if st.raw != nil {
		st.Values, st.raw = decodeValues(st.raw.p, st.raw.vals), nil
	}
	for i := range st.Children {
		st.Children[i].resolve()
	}
}

// FaultKind is the error an injected fault answers with.
type FaultKind int

// Fault kinds. NoError only delays.
const (
	NoError FaultKind = iota
	WriteTimeout
	ReadTimeout
	Unavailable
	Overloaded
	ServerError
)

// Fault makes matching requests fail or stall.
type Fault struct {
	Kind FaultKind
	// Match selects requests; nil matches every request on a non-system
	// table.
	Match func(Statement) bool
	// Times is how many matching requests fail; 0 means every one until
	// ClearFaults.
	Times int
	// Delay holds the answer back.
	Delay time.Duration
	// Applied applies the request's writes before answering with the
	// error, like a coordinator that timed out waiting for replicas that
	// did write: retries must then be idempotent.
	Applied bool
}

type faultState struct {
	Fault
	left int
}

// faultFor returns the first fault matching st and consumes one use.
// s.mu must be held.
func (s *Server) faultForLocked(st Statement) *Fault {
	if len(s.faults) > 0 {
		st.resolve()
	}
	for i, f := range s.faults {
		if f.Match != nil && !f.Match(st) {
			continue
		}
		if f.Times > 0 {
			f.left--
			if f.left <= 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		out := f.Fault
		return &out
	}
	return nil
}

func (f *Fault) err(consistency primitive.ConsistencyLevel, batch bool) *Error {
	switch f.Kind {
	case WriteTimeout:
		wt := primitive.WriteTypeSimple
		if batch {
			wt = primitive.WriteTypeUnloggedBatch
		}
		return &Error{Code: CodeWriteTimeout, Message: "Operation timed out - received only 0 responses.",
			writeType: wt, consistency: consistency}
	case ReadTimeout:
		return &Error{Code: CodeReadTimeout, Message: "Operation timed out - received only 0 responses.", consistency: consistency}
	case Unavailable:
		return &Error{Code: CodeUnavailable, Message: "Cannot achieve consistency level " + consistencyName(consistency),
			consistency: consistency}
	case Overloaded:
		return &Error{Code: CodeOverloaded, Message: "Server is in overloaded state. Cannot accept more requests at this point"}
	case ServerError:
		return &Error{Code: CodeServerError, Message: "injected server error"}
	}
	return nil
}

var consistencyNames = map[primitive.ConsistencyLevel]string{
	primitive.ConsistencyLevelAny: "ANY", primitive.ConsistencyLevelOne: "ONE", primitive.ConsistencyLevelTwo: "TWO",
	primitive.ConsistencyLevelThree: "THREE", primitive.ConsistencyLevelQuorum: "QUORUM",
	primitive.ConsistencyLevelAll: "ALL", primitive.ConsistencyLevelLocalQuorum: "LOCAL_QUORUM",
	primitive.ConsistencyLevelEachQuorum: "EACH_QUORUM", primitive.ConsistencyLevelSerial: "SERIAL",
	primitive.ConsistencyLevelLocalSerial: "LOCAL_SERIAL", primitive.ConsistencyLevelLocalOne: "LOCAL_ONE",
}

func consistencyName(c primitive.ConsistencyLevel) string { return consistencyNames[c] }

var batchTypeNames = map[primitive.BatchType]string{
	primitive.BatchTypeLogged: "LOGGED", primitive.BatchTypeUnlogged: "UNLOGGED", primitive.BatchTypeCounter: "COUNTER",
}

// decodeValues decodes bound values with the markers' types for the
// journal; values that do not decode are kept as raw bytes.
func decodeValues(p *prepared, vals []boundValue) []any {
	out := make([]any, len(vals))
	for i, v := range vals {
		switch {
		case v.unset:
			out[i] = Unset
		case v.null:
			out[i] = nil
		case p != nil && i < len(p.markers) && p.markers[i].typ != nil:
			d, err := p.markers[i].typ.decode(v.b)
			if err != nil {
				d = v.b
			}
			out[i] = d
		default:
			out[i] = v.b
		}
	}
	return out
}
