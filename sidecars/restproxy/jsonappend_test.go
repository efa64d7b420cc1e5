package restproxy

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// TestV3ReportJSONMatchesEncodingJSON: the hand-written encoder writes the
// bytes encoding/json writes, for reports with every field set or left out
// and strings that need escaping.
func TestV3ReportJSONMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	strs := []string{"", "retailpulse", "user-events", "2026-11-24T01:02:03.004Z", `quo"te`, `back\slash`, "<tag>&",
		"tab\there", "nul\x00", "ünïcode", "emoji 🛒", "bad utf8 \xff", "line\u2028sep", "records[3].value.price: expected double"}
	pick := func() string { return strs[rng.IntN(len(strs))] }
	part := func() *v3Part {
		if rng.IntN(3) == 0 {
			return nil
		}
		return &v3Part{Type: pick(), Subject: pick(), SchemaID: rng.IntN(3) * rng.IntN(1<<20), SchemaVersion: rng.IntN(3),
			Size: rng.IntN(1 << 16)}
	}
	for i := range 5000 {
		r := v3Report{ID: pick(), ErrorCode: []int{200, 40403, 42203, 50003}[rng.IntN(4)], Message: pick(), ClusterID: pick(),
			TopicName: pick(), Timestamp: pick(), Key: part(), Value: part(), Action: pick(), Rule: pick()}
		if rng.IntN(2) == 0 {
			p, o := int32(rng.IntN(64)), rng.Int64N(1<<40)-1
			r.PartitionID, r.Offset = &p, &o
		}
		want, err := json.Marshal(&r)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.appendJSON(nil); string(got) != string(want) {
			t.Fatalf("report %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

func BenchmarkV3ReportJSON(b *testing.B) {
	p, o := int32(3), int64(12345)
	r := v3Report{ID: "id-1", ErrorCode: 200, ClusterID: "retailpulse", TopicName: "user-events", PartitionID: &p, Offset: &o,
		Timestamp: "2026-11-24T01:02:03.004Z", Key: &v3Part{Type: "STRING", Size: 4},
		Value: &v3Part{Type: "AVRO", Subject: "user-events-value", SchemaID: 1, SchemaVersion: 1, Size: 85}}
	b.Run("append", func(b *testing.B) {
		buf := make([]byte, 0, 512)
		for range b.N {
			buf = r.appendJSON(buf[:0])
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for range b.N {
			_, _ = json.Marshal(&r)
		}
	})
}
