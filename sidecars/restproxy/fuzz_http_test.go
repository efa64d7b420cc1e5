package restproxy_test

import (
	"encoding/json"
	"testing"

	"github.com/retailpulse/retailpulse/sidecars/restproxy"
)

// FuzzHTTPProduce posts arbitrary bodies to every produce endpoint of a
// live proxy: whatever comes in, the answer is a well-formed REST Proxy
// answer and never a 500 (a recovered panic would be one).
func FuzzHTTPProduce(f *testing.F) {
	f.Add(uint8(0), []byte(`{"records":[{"value":`+eventJSON(1, nil)+`}]}`))
	f.Add(uint8(1), []byte(`{"records":[{"key":"k","value":{"a":1}},{"value":null,"partition":2}]}`))
	f.Add(uint8(2), []byte(`{"records":[{"value":"AAEC"},{"key":"!!","value":"x"}]}`))
	f.Add(uint8(3), []byte(`{"value":{"data":`+eventJSON(2, nil)+`}}{"value":{"type":"JSON","data":[1]}}`))
	f.Add(uint8(4), []byte(`{"entries":[{"id":"a","value":{"data":`+eventJSON(3, nil)+`}},{"id":"b"}]}`))
	f.Add(uint8(5), []byte(`[`+eventJSON(4, nil)+`,{"event_type":7}]`))
	f.Add(uint8(6), []byte(`{"value_schema":"{\"type\":\"record\",\"name\":\"X\",\"fields\":[]}","records":[{"value":{}}]}`))
	e := newEnv(f)
	cid := e.clusterID()
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		type target struct{ path, ct string }
		targets := []target{
			{"/topics/user-events", ctAvro}, {"/topics/plain", ctJSON}, {"/topics/plain", ctBinary},
			{"/v3/clusters/" + cid + "/topics/user-events/records", "application/json"},
			{"/v3/clusters/" + cid + "/topics/user-events/records:batch", "application/json"},
			{restproxy.SDKPath, "text/plain"}, {"/topics/orders", ctAvro},
		}
		tg := targets[int(which)%len(targets)]
		te := *e
		te.t = t
		r := te.post(tg.path, tg.ct, string(body))
		if r.status >= 500 && r.status != 503 {
			t.Fatalf("%s %q: %s", tg.path, body, r)
		}
		if !json.Valid(r.body) && !validStream(r.body) {
			t.Fatalf("%s %q: answer is not JSON: %s", tg.path, body, r)
		}
	})
}

// validStream accepts concatenated JSON reports.
func validStream(b []byte) bool {
	dec := json.NewDecoder(bytesReader(b))
	for dec.More() {
		var v any
		if err := dec.Decode(&v); err != nil {
			return false
		}
	}
	return true
}
