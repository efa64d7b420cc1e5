package restproxy_test

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/retailpulse/retailpulse/sidecars/restproxy"
)

// murmur2 is Kafka's key hash (org.apache.kafka.common.utils.Utils.murmur2),
// written out here so the proxy's partitioner is checked against the
// algorithm every Java producer (and so kafka-rest) uses, not against
// itself.
func murmur2(data []byte) int32 {
	const seed, m, r = uint32(0x9747b28c), uint32(0x5bd1e995), 24
	h := seed ^ uint32(len(data))
	n := len(data) / 4 * 4
	for i := 0; i < n; i += 4 {
		k := binary.LittleEndian.Uint32(data[i:])
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	switch len(data) % 4 {
	case 3:
		h ^= uint32(data[n+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[n+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[n])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}

// Vectors from Kafka's UtilsTest.testMurmur2.
func TestMurmur2Vectors(t *testing.T) {
	for in, want := range map[string]int32{
		"21": -973932308, "foobar": -790332482, "a-little-bit-long-string": -985981536,
		"a-little-bit-longer-string": -1486304829, "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
		"abc": 479470107,
	} {
		if got := murmur2([]byte(in)); got != want {
			t.Errorf("murmur2(%q) = %d, want %d", in, got, want)
		}
	}
}

// TestKeyedRecordsLandWhereJavaPutsThem: a keyed record without a chosen
// partition goes to murmur2(key) mod partitions, as with the Java producer,
// so one user's events share a partition with any other producer's; a
// chosen partition wins.
func TestKeyedRecordsLandWhereJavaPutsThem(t *testing.T) {
	e := newEnv(t, restproxy.WithoutRules())
	const n, partitions = 60, 3 // plainTopic has 3 partitions
	var recs []string
	for i := range n {
		key := base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "user-%d", i))
		recs = append(recs, fmt.Sprintf(`{"key":%q,"value":"AA=="}`, key))
	}
	if r := e.post("/topics/"+plainTopic, ctBinary, `{"records":[`+strings.Join(recs, ",")+`]}`); r.status != 200 {
		t.Fatalf("produce: %s", r)
	}
	if r := e.post("/topics/"+plainTopic+"/partitions/1", ctBinary, `{"records":[{"key":"dXNlci0w","value":"AQ=="}]}`); r.status != 200 {
		t.Fatalf("produce to partition 1: %s", r)
	}
	spread := map[int32]int{}
	for _, c := range e.readAll(plainTopic, n+1) {
		want := (murmur2(c.key) & 0x7fffffff) % partitions
		if len(c.value) == 1 && c.value[0] == 1 {
			want = 1 // the chosen partition
		}
		if c.partition != want {
			t.Errorf("key %q value %x on partition %d, want %d", c.key, c.value, c.partition, want)
		}
		spread[c.partition]++
	}
	if len(spread) != partitions {
		t.Errorf("60 keys used partitions %v, want all %d", spread, partitions)
	}
}
