package restproxy

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"
)

func TestV2AnswerMatchesEncodingJSON(t *testing.T) {
	p, o, c, e, id := int32(3), int64(42), 42203, "bad <value> \"x\"\n\u2028", 7
	for _, r := range []v2Response{
		{Offsets: []v2Offset{}},
		{ValueSchemaID: &id, Offsets: []v2Offset{{Partition: &p, Offset: &o}, {ErrorCode: &c, Error: &e}, {Action: "drop", Rule: "duplicate-event", Partition: &p, Offset: &o}}},
		{ErrorCode: 42203, Message: e, KeySchemaID: &id, Offsets: []v2Offset{{ErrorCode: &c, Error: &e}}},
	} {
		rec := httptest.NewRecorder()
		writeV2(rec, 200, &r)
		want, _ := json.Marshal(r)
		if got := bytes.TrimSpace(rec.Body.Bytes()); !bytes.Equal(got, want) {
			t.Errorf("hand-written answer differs:\n got %s\nwant %s", got, want)
		}
	}
}
