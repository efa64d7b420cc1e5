package restproxy_test

import (
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// pyDecode decodes Confluent-framed values with Debian's python3-confluent-kafka
// legacy MessageSerializer, fetching schemas from the registry by id as any
// third-party consumer would. One hex value per input line, one JSON object
// per output line.
const pyDecode = `
import json, sys
from confluent_kafka.avro import CachedSchemaRegistryClient
from confluent_kafka.avro.serializer.message_serializer import MessageSerializer
ms = MessageSerializer(CachedSchemaRegistryClient({"url": sys.argv[1]}))
for line in sys.stdin:
    line = line.strip()
    if line:
        print(json.dumps(ms.decode_message(bytes.fromhex(line)), default=str, sort_keys=True))
`

// checkPython decodes records with python and checks their event ids.
func checkPython(t *testing.T, registryURL string, recs []consumed, wantIDs []string) {
	t.Helper()
	if err := exec.Command("/usr/bin/python3", "-c", "import confluent_kafka.avro, avro.schema").Run(); err != nil {
		t.Fatalf("python3-confluent-kafka is needed for this test (scripts/test.sh installs it: apt-get install python3-confluent-kafka python3-avro): %v", err)
	}
	var in strings.Builder
	for _, r := range recs {
		in.WriteString(hex.EncodeToString(r.value) + "\n")
	}
	cmd := exec.Command("/usr/bin/python3", "-c", pyDecode, registryURL)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python decode failed: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(wantIDs) {
		t.Fatalf("python decoded %d records, want %d:\n%s", len(lines), len(wantIDs), out)
	}
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("python output %q: %v", l, err)
		}
		if m["event_id"] != wantIDs[i] || m["user_id"] != string(recs[i].key) {
			t.Errorf("python decoded %v, want event_id %s keyed by its user_id %q", m, wantIDs[i], recs[i].key)
		}
	}
}
