package restproxy_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/retailpulse/retailpulse/sidecars/restproxy"
)

type v3Rep struct {
	ID          string `json:"id"`
	ErrorCode   int    `json:"error_code"`
	Message     string `json:"message"`
	ClusterID   string `json:"cluster_id"`
	TopicName   string `json:"topic_name"`
	PartitionID *int32 `json:"partition_id"`
	Offset      *int64 `json:"offset"`
	Timestamp   string `json:"timestamp"`
	Key         *struct {
		Type string `json:"type"`
		Size int    `json:"size"`
	} `json:"key"`
	Value *struct {
		Type          string `json:"type"`
		Subject       string `json:"subject"`
		SchemaID      int    `json:"schema_id"`
		SchemaVersion int    `json:"schema_version"`
		Size          int    `json:"size"`
	} `json:"value"`
	Action string `json:"action"`
	Rule   string `json:"rule"`
}

func TestV3SingleRecords(t *testing.T) {
	e := newEnv(t, restproxy.WithoutRules())
	cid := e.clusterID()
	base := "/v3/clusters/" + cid + "/topics/"

	// An event with no type: the subject's latest schema, keyed by user_id.
	r := e.post(base+"user-events/records", "application/json", `{"value":{"data":`+eventJSON(1, nil)+`}}`)
	var rep v3Rep
	r.json(t, &rep)
	if r.status != 200 || rep.ErrorCode != 200 || rep.ClusterID != cid || rep.TopicName != "user-events" || rep.Offset == nil ||
		rep.Value == nil || rep.Value.Type != "AVRO" || rep.Value.Subject != "user-events-value" || rep.Value.SchemaID != e.eventID ||
		rep.Value.SchemaVersion != 1 || rep.Key == nil || rep.Key.Type != "STRING" || rep.Key.Size != len("u-1") {
		t.Fatalf("event: %s", r)
	}
	got := e.readAll("user-events", 1)
	if string(got[0].key) != "u-1" || e.decodeEvent(got[0].value).ItemID == nil {
		t.Fatalf("stored event: %+v", got[0])
	}

	// Plain topic: every part type, headers, partition and timestamp.
	body := `{"partition_id":2,"headers":[{"name":"h","value":"` + base64.StdEncoding.EncodeToString([]byte("hv")) + `"},{"name":"n","value":null}],
		"key":{"type":"STRING","data":"k"},"value":{"type":"JSON","data":{"x":[1, 2]}},"timestamp":"2021-02-05T19:14:42Z"}`
	r = e.post(base+"plain/records", "application/json", body)
	r.json(t, &rep)
	if r.status != 200 || *rep.PartitionID != 2 || rep.Timestamp != "2021-02-05T19:14:42.000Z" || rep.Key.Type != "STRING" || rep.Value.Type != "JSON" {
		t.Fatalf("plain: %s", r)
	}
	r = e.post(base+"plain/records", "application/json", `{"key":{"type":"BINARY","data":"`+base64.StdEncoding.EncodeToString([]byte{1, 2})+`"},"value":{"type":"BINARY","data":"AAE="}}`)
	if r.status != 200 {
		t.Fatalf("binary: %s", r)
	}
	recs := e.readAll("plain", 2)
	for _, c := range recs {
		switch string(c.key) {
		case "k":
			if c.partition != 2 || string(c.value) != `{"x":[1,2]}` || c.headers["h"] != "hv" {
				t.Errorf("json record: %+v", c)
			}
		case "\x01\x02":
			if string(c.value) != "\x00\x01" {
				t.Errorf("binary record: %+v", c)
			}
		default:
			t.Errorf("unexpected key %q", c.key)
		}
	}

	// By schema_version and schema_id on an ungoverned Avro topic.
	schema := `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]}`
	id, err := e.reg.Register(t.Context(), "orders-value", schema)
	if err != nil {
		t.Fatal(err)
	}
	for _, sel := range []string{`"schema_version":1`, fmt.Sprintf(`"schema_id":%d`, id), `"type":"AVRO","schema":` + quote(schema)} {
		r = e.post(base+"orders/records", "application/json", `{"value":{`+sel+`,"data":{"id":"o"}}}`)
		r.json(t, &rep)
		if r.status != 200 || rep.Value.SchemaID != id || rep.Value.Subject != "orders-value" {
			t.Fatalf("%s: %s", sel, r)
		}
	}

	cases := []struct {
		name, path, ct, body string
		status, code         int
		contains             string
	}{
		{"unknown topic", base + "nope/records", "application/json", `{"value":{"type":"JSON","data":1}}`, 404, 40403, "nope"},
		{"unknown cluster", "/v3/clusters/zzz/topics/plain/records", "application/json", `{}`, 404, 404, "Cluster zzz cannot be found"},
		{"wrong content type", base + "plain/records", "text/plain", `{}`, 415, 415, "application/json"},
		{"empty body", base + "plain/records", "application/json", ``, 422, 42206, "Request body is empty"},
		{"bad event", base + "user-events/records", "application/json", `{"value":{"data":` + eventJSON(2, map[string]any{"price": true}) + `}}`, 422, 42203, "record.value.price"},
		{"avro without schema", base + "orders/records", "application/json", `{"value":{"type":"AVRO","schema_version":9,"data":{}}}`, 422, 42205, "version 9"},
		{"raw schema without type", base + "orders/records", "application/json", `{"value":{"schema":"\"string\"","data":"x"}}`, 400, 400, "needs type AVRO"},
		{"type with schema id", base + "plain/records", "application/json", `{"value":{"type":"JSON","schema_id":1,"data":1}}`, 400, 400, "takes no schema"},
		{"unknown member", base + "plain/records", "application/json", `{"valeu":{"type":"JSON","data":1}}`, 400, 400, `"valeu"`},
		{"bad header", base + "plain/records", "application/json", `{"headers":[{"name":"h","value":"%%%"}],"value":{"type":"JSON","data":1}}`, 400, 400, "record.headers[0].value: invalid base64"},
		{"no schema for key subject", base + "plain/records", "application/json", `{"key":{"data":"k"},"value":{"type":"JSON","data":1}}`, 422, 42205, "plain-key has no schema"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.post(c.path, c.ct, c.body)
			var rep v3Rep
			r.json(t, &rep)
			if r.status != c.status || rep.ErrorCode != c.code || !strings.Contains(rep.Message, c.contains) {
				t.Fatalf("got %s; want %d/%d containing %q", r, c.status, c.code, c.contains)
			}
		})
	}
}

func TestV3StreamingReportsEachRecordInOrder(t *testing.T) {
	e := newEnv(t, restproxy.WithoutRules())
	pr, pw := io.Pipe()
	req, err := http.NewRequest(http.MethodPost, e.url+"/v3/clusters/"+e.clusterID()+"/topics/user-events/records", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	type answer struct {
		resp *http.Response
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req.WithContext(ctx))
		answered <- answer{resp, err}
	}()
	send := func(s string) {
		if _, err := io.WriteString(pw, s); err != nil {
			t.Fatal(err)
		}
	}
	// The first report must arrive while the request is still open: the
	// stream is full duplex, so a client can pipeline and read as it goes.
	send(`{"value":{"data":` + eventJSON(1, nil) + `}}`)
	a := <-answered
	if a.err != nil {
		t.Fatal(a.err)
	}
	defer a.resp.Body.Close()
	if a.resp.StatusCode != 200 {
		t.Fatalf("stream status %d", a.resp.StatusCode)
	}
	dec := json.NewDecoder(bufio.NewReader(a.resp.Body))
	next := func() v3Rep {
		var rep v3Rep
		if err := dec.Decode(&rep); err != nil {
			t.Fatalf("reading report: %v", err)
		}
		return rep
	}
	if rep := next(); rep.ErrorCode != 200 || rep.Offset == nil {
		t.Fatalf("report 0: %+v", rep)
	}
	// A bad record in the middle fails alone; records are concatenated
	// without separators, as upstream allows.
	send(`{"value":{"data":` + eventJSON(2, map[string]any{"user_id": 7}) + `}}{"value":{"data":` + eventJSON(3, nil) + `}}`)
	if rep := next(); rep.ErrorCode != 42203 || !strings.Contains(rep.Message, "records[1].value.user_id") {
		t.Fatalf("report 1: %+v", rep)
	}
	if rep := next(); rep.ErrorCode != 200 {
		t.Fatalf("report 2: %+v", rep)
	}
	for i := 4; i < 54; i++ {
		send(`{"value":{"data":` + eventJSON(i, nil) + `}}` + "\n")
	}
	pw.Close()
	n := 0
	for {
		var rep v3Rep
		if err := dec.Decode(&rep); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if rep.ErrorCode != 200 {
			t.Fatalf("pipelined report %d: %+v", n, rep)
		}
		n++
	}
	if n != 50 {
		t.Fatalf("got %d pipelined reports, want 50", n)
	}
	e.readAll("user-events", 52)
}

func TestV3Batch(t *testing.T) {
	e := newEnv(t, restproxy.WithoutRules(), restproxy.WithMaxBatchEntries(5))
	path := "/v3/clusters/" + e.clusterID() + "/topics/user-events/records:batch"
	body := `{"entries":[{"id":"a","value":{"data":` + eventJSON(1, nil) + `}},{"id":"b","value":{"data":` +
		eventJSON(2, map[string]any{"event_type": "NOPE"}) + `}},{"id":"c","value":{"data":` + eventJSON(3, nil) + `}}]}`
	r := e.post(path, "application/json", body)
	var rep struct {
		Successes []v3Rep `json:"successes"`
		Failures  []v3Rep `json:"failures"`
	}
	r.json(t, &rep)
	if r.status != 207 || len(rep.Successes) != 2 || len(rep.Failures) != 1 || rep.Successes[0].ID != "a" || rep.Successes[1].ID != "c" ||
		rep.Failures[0].ID != "b" || rep.Failures[0].ErrorCode != 42203 || !strings.Contains(rep.Failures[0].Message, "entries[1].value.event_type") {
		t.Fatalf("batch: %s", r)
	}
	e.readAll("user-events", 2)
	for name, c := range map[string]struct{ body, contains string }{
		"empty":    {`{"entries":[]}`, "empty"},
		"no ids":   {`{"entries":[{"value":{"type":"JSON","data":1}}]}`, "id"},
		"dup ids":  {`{"entries":[{"id":"x","value":{"data":1}},{"id":"x","value":{"data":1}}]}`, "distinct"},
		"too many": {`{"entries":[` + strings.Repeat(`{"id":"x"},`, 5) + `{"id":"y"}]}`, "maximum of 5"},
	} {
		r := e.post(path, "application/json", c.body)
		var er v3Rep
		r.json(t, &er)
		if r.status != 422 || er.ErrorCode != 42208 || !strings.Contains(er.Message, c.contains) {
			t.Errorf("%s: %s", name, r)
		}
	}
}
