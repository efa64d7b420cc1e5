package window

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

func ptr[T any](v T) *T { return &v }

// ev builds a UserEvent at t ms; opts fill in the optional fields.
func ev(user, session string, typ avro.EventType, t int64, opts ...func(*avro.UserEvent)) *avro.UserEvent {
	e := &avro.UserEvent{
		EventID:   "00000000-0000-4000-8000-000000000000",
		EventType: typ,
		UserID:    user,
		SessionID: session,
		EventTime: time.UnixMilli(t).UTC(),
	}
	for _, o := range opts {
		o(e)
	}
	return e
}

func item(id string) func(*avro.UserEvent) { return func(e *avro.UserEvent) { e.ItemID = &id } }
func cat(c string) func(*avro.UserEvent)   { return func(e *avro.UserEvent) { e.Category = &c } }
func price(p float64) func(*avro.UserEvent) {
	return func(e *avro.UserEvent) { e.Price = &p }
}
func qty(q int32) func(*avro.UserEvent)       { return func(e *avro.UserEvent) { e.Quantity = &q } }
func currency(c string) func(*avro.UserEvent) { return func(e *avro.UserEvent) { e.Currency = &c } }

// sink collects every record a Partition emits, in order.
type sink struct {
	aggs     []*avro.BehaviorAggregate
	profiles []*avro.ProfileUpdate
	sessions []*avro.SessionFeatures
	log      []string // kind and key in emission order
	fail     error    // returned by every call when set
}

// clone deep-copies a record through its Avro encoding: the Partition
// reuses the records it emits.
func clone[T any](t *T) *T {
	b, err := avro.Encode(t)
	if err != nil {
		panic(err)
	}
	out := new(T)
	if err := avro.Decode(b, out); err != nil {
		panic(err)
	}
	return out
}

func (s *sink) Aggregate(a *avro.BehaviorAggregate) error {
	if s.fail != nil {
		return s.fail
	}
	a = clone(a)
	s.aggs = append(s.aggs, a)
	s.log = append(s.log, fmt.Sprintf("agg %s %d", a.UserID, a.WindowStart.UnixMilli()))
	return nil
}

func (s *sink) Profile(p *avro.ProfileUpdate) error {
	if s.fail != nil {
		return s.fail
	}
	p = clone(p)
	s.profiles = append(s.profiles, p)
	s.log = append(s.log, fmt.Sprintf("profile %s %d", p.UserID, p.WindowStart.UnixMilli()))
	return nil
}

func (s *sink) Session(f *avro.SessionFeatures) error {
	if s.fail != nil {
		return s.fail
	}
	f = clone(f)
	s.sessions = append(s.sessions, f)
	s.log = append(s.log, fmt.Sprintf("session %s ended=%v n=%d", f.SessionID, f.Ended, f.EventCount))
	return nil
}

func (s *sink) reset() { *s = sink{} }

var errSink = errors.New("sink refused")

func newPartition(t *testing.T, spec Spec) *Partition {
	t.Helper()
	p, err := NewPartition(spec, DefaultWeights())
	if err != nil {
		t.Fatalf("NewPartition: %v", err)
	}
	return p
}

// add prepares and adds e, failing the test on an invalid event or an
// emitter error.
func add(t *testing.T, p *Partition, out Emitter, e *avro.UserEvent) Verdict {
	t.Helper()
	pe, err := Prepare(e)
	if err != nil {
		t.Fatalf("Prepare(%s at %d): %v", e.EventType, e.EventTime.UnixMilli(), err)
	}
	v, err := p.Add(pe, out)
	if err != nil {
		t.Fatalf("Add(%s at %d): %v", e.EventType, e.EventTime.UnixMilli(), err)
	}
	return v
}

func ms(t int64) time.Time { return time.UnixMilli(t).UTC() }
