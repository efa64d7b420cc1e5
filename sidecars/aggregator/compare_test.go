package aggregator_test

import (
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

// diff lists the fields where got differs from want. Doubles compare with a
// relative tolerance of 1e-9: the reference sums in its own order.
func diff(want, got any) []string {
	var out []string
	diffValue("", reflect.ValueOf(want), reflect.ValueOf(got), &out)
	return out
}

func diffValue(path string, w, g reflect.Value, out *[]string) {
	if w.Kind() == reflect.Pointer {
		switch {
		case w.IsNil() && g.IsNil():
			return
		case w.IsNil() || g.IsNil():
			*out = append(*out, fmt.Sprintf("%s: want %v, got %v", path, deref(w), deref(g)))
			return
		}
		w, g = w.Elem(), g.Elem()
	}
	if w.Type() == reflect.TypeOf(time.Time{}) {
		if !w.Interface().(time.Time).Equal(g.Interface().(time.Time)) {
			*out = append(*out, fmt.Sprintf("%s: want %v, got %v", path, w.Interface(), g.Interface()))
		}
		return
	}
	switch w.Kind() {
	case reflect.Struct:
		for i := 0; i < w.NumField(); i++ {
			diffValue(path+"."+w.Type().Field(i).Name, w.Field(i), g.Field(i), out)
		}
	case reflect.Float64:
		a, b := w.Float(), g.Float()
		if math.Abs(a-b) > 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b))) {
			*out = append(*out, fmt.Sprintf("%s: want %v, got %v", path, a, b))
		}
	case reflect.Map, reflect.Slice:
		if w.Len() == 0 && g.Len() == 0 {
			return
		}
		if !reflect.DeepEqual(w.Interface(), g.Interface()) {
			*out = append(*out, fmt.Sprintf("%s: want %v, got %v", path, w.Interface(), g.Interface()))
		}
	default:
		if !reflect.DeepEqual(w.Interface(), g.Interface()) {
			*out = append(*out, fmt.Sprintf("%s: want %v, got %v", path, w.Interface(), g.Interface()))
		}
	}
}

func deref(v reflect.Value) any {
	if v.IsNil() {
		return nil
	}
	return v.Elem().Interface()
}

// verify checks the outputs against the reference: every expected record
// exactly once and nothing else.
func verify(t *testing.T, x *expectation, out *outputs) {
	t.Helper()
	verifyWith(t, x, out, false)
}

// verifyWith is verify; after a compaction of session-features (an upsert
// topic: only the latest record per session_id is kept) it checks sessions
// by their latest record, for the ids that one session of one user owns.
func verifyWith(t *testing.T, x *expectation, out *outputs, compacted bool) {
	t.Helper()
	const maxReports = 10
	reports := 0
	report := func(format string, args ...any) {
		t.Helper()
		if reports < maxReports {
			t.Errorf(format, args...)
		}
		reports++
	}
	aggs := map[windowKey]*avro.BehaviorAggregate{}
	for _, a := range out.aggs {
		k := windowKey{a.UserID, a.WindowStart.UnixMilli()}
		if aggs[k] != nil {
			report("aggregate for user %s window %d emitted twice", k.user, k.start)
		}
		aggs[k] = a
	}
	for k, want := range x.aggs {
		got := aggs[k]
		if got == nil {
			report("missing aggregate for user %s window %d", k.user, k.start)
			continue
		}
		if d := diff(want, got); len(d) > 0 {
			report("aggregate for user %s window %d: %v", k.user, k.start, d)
		}
	}
	for k := range aggs {
		if x.aggs[k] == nil {
			report("unexpected aggregate for user %s window %d", k.user, k.start)
		}
	}

	profiles := map[windowKey]*avro.ProfileUpdate{}
	for _, p := range out.profiles {
		k := windowKey{p.UserID, p.WindowStart.UnixMilli()}
		if profiles[k] != nil {
			report("profile update for user %s window %d emitted twice", k.user, k.start)
		}
		profiles[k] = p
	}
	for k, want := range x.profiles {
		if got := profiles[k]; got == nil {
			report("missing profile update for user %s window %d", k.user, k.start)
		} else if d := diff(want, got); len(d) > 0 {
			report("profile update for user %s window %d: %v", k.user, k.start, d)
		}
	}
	if len(profiles) != len(x.profiles) {
		report("%d profile updates, want %d", len(profiles), len(x.profiles))
	}

	if compacted {
		verifyCompactedSessions(t, x, out, report)
	}
	for id, want := range x.sessions {
		if compacted {
			break
		}
		got := sessionInstances(t, id, out.sessions[id])
		if len(got) != len(want) {
			report("session %s: %d instances, want %d; records %s; want %s", id, len(got), len(want), sessionTrace(out.sessions[id]), sessionTrace(want))
			continue
		}
		for i := range want {
			if d := diff(want[i], got[i]); len(d) > 0 {
				report("session %s instance %d: %v", id, i, d)
			}
		}
	}
	for id := range out.sessions {
		if x.sessions[id] == nil {
			report("unexpected records for session %s", id)
		}
	}

	reasons := map[string]int{}
	seen := map[string]bool{}
	for _, m := range out.dlq {
		h := headers(m)
		src := h["source-partition"] + "@" + h["source-offset"]
		if seen[src] {
			report("input %s dead-lettered twice", src)
		}
		seen[src] = true
		if h["rule"] != "aggregator" || h["detail"] == "" {
			report("DLQ record %s lacks rule or detail headers: %v", src, h)
		}
		reasons[h["reason"]]++
	}
	if !reflect.DeepEqual(reasons, x.dlq) {
		report("DLQ reasons %v, want %v", reasons, x.dlq)
	}
	if reports > maxReports {
		t.Errorf("... and %d more differences", reports-maxReports)
	}
}

// sessionInstances splits one session id's records at its ended records
// and returns the last record of each instance, checking that counts never
// go backwards within one (a replayed event would show as a jump that a
// later record undoes only if something was counted twice).
func sessionInstances(t *testing.T, id string, recs []*avro.SessionFeatures) []*avro.SessionFeatures {
	t.Helper()
	var out []*avro.SessionFeatures
	var prev *avro.SessionFeatures
	for _, r := range recs {
		if prev != nil && !prev.Ended && r.EventCount < prev.EventCount {
			t.Errorf("session %s: event_count went from %d to %d", id, prev.EventCount, r.EventCount)
		}
		if prev != nil && !prev.Ended {
			out = out[:len(out)-1]
		}
		out = append(out, r)
		prev = r
	}
	return out
}

func headers(m *kafka.Message) map[string]string {
	out := make(map[string]string, len(m.Headers))
	for _, h := range m.Headers {
		out[h.Key] = string(h.Value)
	}
	return out
}

// sessionTrace summarises session records for failure messages.
func sessionTrace(recs []*avro.SessionFeatures) string {
	var b []byte
	for _, r := range recs {
		b = fmt.Appendf(b, "[n=%d last=%d ended=%v] ", r.EventCount, r.LastEventAt.UnixMilli(), r.Ended)
	}
	return string(b)
}

func verifyCompactedSessions(t *testing.T, x *expectation, out *outputs, report func(string, ...any)) {
	t.Helper()
	owners := map[string]int{} // session_id → session instances expected under it
	for _, want := range x.sessions {
		owners[want[0].SessionID] += len(want)
	}
	for k, want := range x.sessions {
		if owners[want[0].SessionID] != 1 {
			continue // several sessions share the key: only one survives compaction
		}
		got := out.sessions[k]
		if len(got) == 0 {
			report("session %s: no record after compaction", k)
			continue
		}
		if d := diff(want[0], got[len(got)-1]); len(d) > 0 {
			report("session %s after compaction: %v", k, d)
		}
	}
}
