package restproxy

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/retailpulse/retailpulse/sidecars/restproxy/rules"
)

// v2Offset and v2Response are the v2 produce answer as encoding/json
// would write it: the reference writeV2 is checked against.
type v2Offset struct {
	Partition *int32  `json:"partition"`
	Offset    *int64  `json:"offset"`
	ErrorCode *int    `json:"error_code"`
	Error     *string `json:"error"`
	Action    string  `json:"action,omitempty"`
	Rule      string  `json:"rule,omitempty"`
}

type v2Response struct {
	ErrorCode     int        `json:"error_code,omitempty"`
	Message       string     `json:"message,omitempty"`
	KeySchemaID   *int       `json:"key_schema_id"`
	ValueSchemaID *int       `json:"value_schema_id"`
	Offsets       []v2Offset `json:"offsets"`
}

func v2OffsetOf(r *result) v2Offset {
	var o v2Offset
	if r.err != nil {
		code, msg := r.err.code, r.err.msg
		o.ErrorCode, o.Error = &code, &msg
		return o
	}
	if r.partition >= 0 {
		part, off := r.partition, r.offset
		o.Partition, o.Offset = &part, &off
	}
	switch r.outcome {
	case outcomeDropped:
		o.Action, o.Rule = string(rules.Drop), r.rule
	case outcomeDLQ:
		o.Action, o.Rule = string(rules.DLQ), r.rule
	}
	return o
}

func TestV2AnswerMatchesEncodingJSON(t *testing.T) {
	msg := "bad <value> \"x\"\n\u2028"
	bad := errUnprocessable(42203, "%s", msg)
	id := 7
	long := make([]result, 100) // over smallAnswer: Content-Length is set here
	for i := range long {
		long[i] = result{partition: int32(i % 3), offset: int64(i) << 40, outcome: outcomeProduced}
	}
	for i, c := range []struct {
		keyID, valueID *int
		results        []result
	}{
		{},
		{valueID: &id, results: []result{
			{partition: 3, offset: 42, outcome: outcomeProduced},
			{partition: -1, offset: -1, err: bad, outcome: outcomeInvalid},
			{partition: 3, offset: 42, outcome: outcomeDropped, rule: "duplicate-event"},
			{partition: -1, offset: -1, outcome: outcomeDropped, rule: "bots"},
			{partition: -1, offset: -1, outcome: outcomeDLQ, rule: "schema"},
			{partition: -1, offset: -1, outcome: outcomeDLQ},
		}},
		{keyID: &id, results: []result{{partition: -1, offset: -1, err: bad, outcome: outcomeInvalid}}},
		{valueID: &id, results: long},
	} {
		status, first := statusOf(c.results)
		want := v2Response{KeySchemaID: c.keyID, ValueSchemaID: c.valueID, Offsets: make([]v2Offset, len(c.results))}
		for j := range c.results {
			want.Offsets[j] = v2OffsetOf(&c.results[j])
		}
		if first != nil {
			want.ErrorCode, want.Message = first.code, first.msg
		}
		wantJSON, _ := json.Marshal(want)
		rec := httptest.NewRecorder()
		writeV2(rec, status, first, c.keyID, c.valueID, c.results)
		if got := bytes.TrimSpace(rec.Body.Bytes()); !bytes.Equal(got, wantJSON) {
			t.Errorf("case %d: hand-written answer differs:\n got %s\nwant %s", i, got, wantJSON)
		}
		if rec.Code != status {
			t.Errorf("case %d: status %d, want %d", i, rec.Code, status)
		}
		if ct := rec.Header().Get("Content-Type"); ct != contentTypeV2 {
			t.Errorf("case %d: Content-Type %q", i, ct)
		}
		if cl := rec.Header().Get("Content-Length"); rec.Body.Len() > smallAnswer && cl != strconv.Itoa(rec.Body.Len()) {
			t.Errorf("case %d: Content-Length %q for %d bytes", i, cl, rec.Body.Len())
		}
	}
}
