package connect_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRESTConnectorLifecycle walks one connector through every endpoint.
func TestRESTConnectorLifecycle(t *testing.T) {
	b := startBroker(t)
	createTopics(t, b, 2, "events")
	w := startWorker(t, b)
	base := w.URL()

	var info map[string]any
	r := call(t, "GET", base+"/", nil)
	expectStatus(t, r, 200)
	r.json(t, &info)
	if info["version"] == "" || info["commit"] == "" || info["kafka_cluster_id"] != "retailpulse" {
		t.Fatalf("server info %v", info)
	}

	r = call(t, "GET", base+"/connectors", nil)
	expectStatus(t, r, 200)
	if strings.TrimSpace(string(r.body)) != "[]" {
		t.Fatalf("connectors = %s, want []", r.body)
	}

	out := tempFile(t, "out.jsonl")
	r = call(t, "POST", base+"/connectors", fileSink("sink-a", "events", out, "tasks.max", "2"))
	expectStatus(t, r, 201)
	if loc := r.header.Get("Location"); loc != "/connectors/sink-a" {
		t.Fatalf("Location = %q", loc)
	}
	var created struct {
		Name   string            `json:"name"`
		Config map[string]string `json:"config"`
		Tasks  []any             `json:"tasks"`
		Type   string            `json:"type"`
	}
	r.json(t, &created)
	if created.Name != "sink-a" || created.Type != "sink" || created.Config["name"] != "sink-a" || created.Config["topics"] != "events" {
		t.Fatalf("created %+v", created)
	}

	st := waitState(t, base, "sink-a", "RUNNING", 2)
	if st["type"] != "sink" || st["connector"].(map[string]any)["worker_id"] != w.ID() {
		t.Fatalf("status %v", st)
	}

	r = call(t, "GET", base+"/connectors/sink-a", nil)
	expectStatus(t, r, 200)
	var got struct {
		Tasks []struct {
			Connector string `json:"connector"`
			Task      int    `json:"task"`
		} `json:"tasks"`
	}
	r.json(t, &got)
	if len(got.Tasks) != 2 || got.Tasks[1].Connector != "sink-a" || got.Tasks[1].Task != 1 {
		t.Fatalf("tasks %+v", got.Tasks)
	}

	r = call(t, "GET", base+"/connectors/sink-a/config", nil)
	expectStatus(t, r, 200)
	var cfg map[string]string
	r.json(t, &cfg)
	if cfg["file"] != out || cfg["name"] != "sink-a" {
		t.Fatalf("config %v", cfg)
	}

	r = call(t, "GET", base+"/connectors/sink-a/tasks", nil)
	expectStatus(t, r, 200)
	var tasks []struct {
		ID     map[string]any    `json:"id"`
		Config map[string]string `json:"config"`
	}
	r.json(t, &tasks)
	if len(tasks) != 2 || tasks[0].Config["topics"] != "events" || tasks[0].ID["connector"] != "sink-a" {
		t.Fatalf("tasks %s", r.body)
	}
	r = call(t, "GET", base+"/connectors/sink-a/tasks-config", nil)
	expectStatus(t, r, 200)
	var tc map[string]map[string]string
	r.json(t, &tc)
	if len(tc) != 2 || tc["sink-a-1"]["file"] != out {
		t.Fatalf("tasks-config %s", r.body)
	}

	r = call(t, "GET", base+"/connectors/sink-a/tasks/1/status", nil)
	expectStatus(t, r, 200)
	var ts map[string]any
	r.json(t, &ts)
	if ts["id"] != float64(1) || ts["state"] != "RUNNING" || ts["worker_id"] != w.ID() {
		t.Fatalf("task status %v", ts)
	}

	r = call(t, "GET", base+"/connectors?expand=status&expand=info", nil)
	expectStatus(t, r, 200)
	var exp map[string]map[string]any
	r.json(t, &exp)
	if exp["sink-a"]["status"] == nil || exp["sink-a"]["info"] == nil {
		t.Fatalf("expand %s", r.body)
	}
	r = call(t, "GET", base+"/connectors?expand=bogus", nil)
	expectStatus(t, r, 200)

	// Records flow, then offsets and topics report them.
	produce(t, b, "events", "a", "1", "b", "2", "c", "3")
	eventually(t, opTimeout, "3 lines", func() error {
		if n := len(readLines(t, out)); n != 3 {
			return fmt.Errorf("%d lines", n)
		}
		return nil
	})
	eventually(t, opTimeout, "committed offsets", func() error {
		r := call(t, "GET", base+"/connectors/sink-a/offsets", nil)
		var offs struct {
			Offsets []struct {
				Partition map[string]any `json:"partition"`
				Offset    map[string]any `json:"offset"`
			} `json:"offsets"`
		}
		r.json(t, &offs)
		var sum float64
		for _, o := range offs.Offsets {
			if o.Partition["kafka_topic"] != "events" {
				return fmt.Errorf("partition %v", o.Partition)
			}
			sum += o.Offset["kafka_offset"].(float64)
		}
		if sum != 3 {
			return fmt.Errorf("offsets %s", r.body)
		}
		return nil
	})
	r = call(t, "GET", base+"/connectors/sink-a/topics", nil)
	expectStatus(t, r, 200)
	if !strings.Contains(string(r.body), `{"sink-a":{"topics":["events"]}}`) {
		t.Fatalf("topics %s", r.body)
	}

	// Offsets cannot change while running.
	r = call(t, "PATCH", base+"/connectors/sink-a/offsets", map[string]any{"offsets": []any{map[string]any{
		"partition": map[string]any{"kafka_topic": "events", "kafka_partition": 0}, "offset": map[string]any{"kafka_offset": 0}}}})
	expectStatus(t, r, 400)
	if code, msg := r.errBody(t); code != 400 || !strings.Contains(msg, "STOPPED state") {
		t.Fatalf("offsets while running: %d %q", code, msg)
	}
	expectStatus(t, call(t, "DELETE", base+"/connectors/sink-a/offsets", nil), 400)

	// Pause, resume.
	expectStatus(t, call(t, "PUT", base+"/connectors/sink-a/pause", nil), 202)
	waitState(t, base, "sink-a", "PAUSED", 2)
	expectStatus(t, call(t, "PUT", base+"/connectors/sink-a/pause", nil), 202)
	expectStatus(t, call(t, "PUT", base+"/connectors/sink-a/resume", nil), 202)
	waitState(t, base, "sink-a", "RUNNING", 2)

	// Restarts.
	expectStatus(t, call(t, "POST", base+"/connectors/sink-a/restart", nil), 204)
	r = call(t, "POST", base+"/connectors/sink-a/restart?includeTasks=true", nil)
	expectStatus(t, r, 202)
	var plan map[string]any
	r.json(t, &plan)
	if plan["connector"].(map[string]any)["state"] != "RESTARTING" ||
		plan["tasks"].([]any)[0].(map[string]any)["state"] != "RESTARTING" {
		t.Fatalf("restart plan %s", r.body)
	}
	waitState(t, base, "sink-a", "RUNNING", 2)
	r = call(t, "POST", base+"/connectors/sink-a/restart?includeTasks=true&onlyFailed=true", nil)
	expectStatus(t, r, 202)
	r.json(t, &plan)
	if plan["connector"].(map[string]any)["state"] != "RUNNING" {
		t.Fatalf("onlyFailed restarted a running connector: %s", r.body)
	}
	expectStatus(t, call(t, "POST", base+"/connectors/sink-a/restart?includeTasks=maybe", nil), 400)
	expectStatus(t, call(t, "POST", base+"/connectors/sink-a/tasks/0/restart", nil), 204)
	waitState(t, base, "sink-a", "RUNNING", 2)

	// Config update: PUT replaces (200), PATCH merges and removes nulls.
	newCfg := map[string]string{"connector.class": "FileStreamSink", "topics": "events", "file": out, "format": "json",
		"tasks.max": "1", "value.converter": "org.apache.kafka.connect.storage.StringConverter",
		"errors.log.include.messages": "true"}
	r = call(t, "PUT", base+"/connectors/sink-a/config", newCfg)
	expectStatus(t, r, 200)
	waitState(t, base, "sink-a", "RUNNING", 1)
	r = call(t, "PATCH", base+"/connectors/sink-a/config", `{"tasks.max": 2, "errors.log.enable": true, "errors.log.include.messages": null}`)
	expectStatus(t, r, 200)
	r = call(t, "GET", base+"/connectors/sink-a/config", nil)
	cfg = nil
	r.json(t, &cfg)
	if _, has := cfg["errors.log.include.messages"]; has || cfg["format"] != "json" || cfg["tasks.max"] != "2" || cfg["errors.log.enable"] != "true" {
		t.Fatalf("patched config %v", cfg)
	}
	waitState(t, base, "sink-a", "RUNNING", 2)

	// Stop: no tasks, offsets become editable.
	expectStatus(t, call(t, "PUT", base+"/connectors/sink-a/stop", nil), 204)
	waitState(t, base, "sink-a", "STOPPED", 0)
	r = call(t, "GET", base+"/connectors/sink-a", nil)
	if !strings.Contains(string(r.body), `"tasks":[]`) {
		t.Fatalf("stopped connector lists tasks: %s", r.body)
	}
	alter := map[string]any{"offsets": []any{
		map[string]any{"partition": map[string]any{"kafka_topic": "events", "kafka_partition": 0}, "offset": map[string]any{"kafka_offset": 0}},
		map[string]any{"partition": map[string]any{"kafka_topic": "events", "kafka_partition": 1}, "offset": nil},
	}}
	eventually(t, opTimeout, "offsets altered", func() error {
		r := call(t, "PATCH", base+"/connectors/sink-a/offsets", alter)
		if r.status != 200 {
			return fmt.Errorf("%d %s", r.status, r.body)
		}
		if !strings.Contains(string(r.body), "altered successfully") {
			return fmt.Errorf("body %s", r.body)
		}
		return nil
	})
	r = call(t, "GET", base+"/connectors/sink-a/offsets", nil)
	if strings.Contains(string(r.body), `"kafka_offset":1`) || strings.Contains(string(r.body), `"kafka_offset":2`) || strings.Contains(string(r.body), `"kafka_offset":3`) {
		t.Fatalf("offsets after rewind: %s", r.body)
	}
	for _, bad := range []string{`{"offsets":[]}`, `{}`,
		`{"offsets":[{"partition":{"kafka_topic":"events"},"offset":{"kafka_offset":1}}]}`,
		`{"offsets":[{"partition":{"kafka_topic":"events","kafka_partition":0},"offset":{"kafka_offset":-4}}]}`} {
		r := call(t, "PATCH", base+"/connectors/sink-a/offsets", bad)
		expectStatus(t, r, 400)
	}
	r = call(t, "DELETE", base+"/connectors/sink-a/offsets", nil)
	expectStatus(t, r, 200)
	if !strings.Contains(string(r.body), "reset successfully") {
		t.Fatalf("reset body %s", r.body)
	}
	eventually(t, opTimeout, "offsets gone", func() error {
		r := call(t, "GET", base+"/connectors/sink-a/offsets", nil)
		if !strings.Contains(string(r.body), `"offsets":[]`) {
			return fmt.Errorf("%s", r.body)
		}
		return nil
	})

	// Resume from STOPPED re-reads everything (offsets were reset).
	expectStatus(t, call(t, "PUT", base+"/connectors/sink-a/resume", nil), 202)
	waitState(t, base, "sink-a", "RUNNING", 2)
	eventually(t, opTimeout, "redelivery after reset", func() error {
		if n := len(readLines(t, out)); n < 6 {
			return fmt.Errorf("%d lines", n)
		}
		return nil
	})

	expectStatus(t, call(t, "PUT", base+"/connectors/sink-a/topics/reset", nil), 202)

	// Delete.
	expectStatus(t, call(t, "DELETE", base+"/connectors/sink-a", nil), 204)
	r = call(t, "GET", base+"/connectors/sink-a", nil)
	expectStatus(t, r, 404)
	if code, msg := r.errBody(t); code != 404 || msg != "Connector sink-a not found" {
		t.Fatalf("after delete: %d %q", code, msg)
	}
	expectStatus(t, call(t, "DELETE", base+"/connectors/sink-a", nil), 404)
	r = call(t, "GET", base+"/connectors", nil)
	if strings.TrimSpace(string(r.body)) != "[]" {
		t.Fatalf("connectors after delete %s", r.body)
	}
}

// TestRESTBadInput covers the bad-input list: each answer has the status
// and {error_code, message} body Kafka Connect gives.
func TestRESTBadInput(t *testing.T) {
	b := startBroker(t)
	createTopics(t, b, 1, "t")
	w := startWorker(t, b)
	base := w.URL()
	out := tempFile(t, "x")
	expectStatus(t, call(t, "POST", base+"/connectors", fileSink("dup", "t", out)), 201)

	cases := []struct {
		name, method, path string
		body               any
		status             int
		msg                string
	}{
		{"duplicate create", "POST", "/connectors", fileSink("dup", "t", out), 409, "Connector dup already exists"},
		{"unknown class", "POST", "/connectors", map[string]any{"name": "u", "config": map[string]string{"connector.class": "com.example.Nope"}},
			400, "Failed to find any class that implements Connector and which name matches com.example.Nope"},
		{"missing topics", "POST", "/connectors", map[string]any{"name": "m", "config": map[string]string{"connector.class": "FileStreamSink"}},
			400, "Must configure one of topics or topics.regex"},
		{"missing connector.class", "POST", "/connectors", map[string]any{"name": "m", "config": map[string]string{"topics": "t"}},
			400, `Missing required configuration "connector.class" which has no default value.`},
		{"invalid tasks.max", "POST", "/connectors", fileSink("v", "t", out, "tasks.max", "0"),
			400, "Invalid value 0 for configuration tasks.max: Value must be at least 1"},
		{"invalid number", "POST", "/connectors", fileSink("v", "t", out, "tasks.max", "many"),
			400, "Invalid value many for configuration tasks.max: Not a number of type INT"},
		{"invalid enum", "POST", "/connectors", fileSink("v", "t", out, "errors.tolerance", "some"),
			400, "Invalid value some for configuration errors.tolerance: String must be one of: none, all"},
		{"both topics and regex", "POST", "/connectors", fileSink("v", "t", out, "topics.regex", "t.*"),
			400, "topics and topics.regex are mutually exclusive options, but both are set."},
		{"dlq among topics", "POST", "/connectors", fileSink("v", "t", out, "errors.deadletterqueue.topic.name", "t"),
			400, "The DLQ topic 't' may not be included in the list of topics"},
		{"unknown converter", "POST", "/connectors", fileSink("v", "t", out, "key.converter", "com.example.Conv"),
			400, "Class com.example.Conv could not be found."},
		{"avro converter without registry", "POST", "/connectors", fileSink("v", "t", out, "value.converter", "io.confluent.connect.avro.AvroConverter"),
			400, `value.converter.schema.registry.url: Missing required configuration "schema.registry.url"`},
		{"unknown transform", "POST", "/connectors", fileSink("v", "t", out, "transforms", "x", "transforms.x.type", "Nope"),
			400, "Class Nope could not be found."},
		{"transform without type", "POST", "/connectors", fileSink("v", "t", out, "transforms", "x"),
			400, `Missing required configuration "transforms.x.type" which has no default value.`},
		{"bad initial state", "POST", "/connectors", map[string]any{"name": "i", "config": map[string]string{"connector.class": "FileStreamSink", "topics": "t"}, "initial_state": "SLEEPING"},
			400, "Invalid initial_state"},
		{"name mismatch", "POST", "/connectors", map[string]any{"name": "a", "config": map[string]string{"name": "b", "connector.class": "FileStreamSink", "topics": "t"}},
			400, "Connector name configuration (b) doesn't match connector name in the URL (a)"},
		{"blank name", "POST", "/connectors", map[string]any{"name": " ", "config": map[string]string{}}, 400, "Connector name is required"},
		{"malformed JSON", "POST", "/connectors", `{"name": "x", "config": {`, 400, "Request body is not valid JSON"},
		{"empty body", "POST", "/connectors", "", 400, "Request body is empty"},
		{"null config value", "POST", "/connectors", `{"name":"n","config":{"topics":null}}`, 400, "null is not a valid config value"},
		{"put name mismatch", "PUT", "/connectors/dup/config", map[string]string{"name": "other", "connector.class": "FileStreamSink", "topics": "t"},
			400, "Connector name configuration (other) doesn't match connector name in the URL (dup)"},
		{"put invalid", "PUT", "/connectors/dup/config", map[string]string{"connector.class": "FileStreamSink"}, 400, "Must configure one of topics"},
		{"put malformed", "PUT", "/connectors/dup/config", `["a"]`, 400, "not valid JSON"},
		{"patch unknown", "PATCH", "/connectors/nope/config", map[string]string{"a": "b"}, 404, "Connector nope not found"},
		{"unknown connector", "GET", "/connectors/nope", nil, 404, "Connector nope not found"},
		{"unknown status", "GET", "/connectors/nope/status", nil, 404, "No status found for connector nope"},
		{"unknown task", "GET", "/connectors/dup/tasks/7/status", nil, 404, "No status found for task dup-7"},
		{"non-numeric task", "GET", "/connectors/dup/tasks/x/status", nil, 404, ""},
		{"restart unknown task", "POST", "/connectors/dup/tasks/7/restart", nil, 404, "No status found for task dup-7"},
		{"restart unknown connector", "POST", "/connectors/nope/restart", nil, 404, "Connector nope not found"},
		{"pause unknown", "PUT", "/connectors/nope/pause", nil, 404, "Connector nope not found"},
		{"stop unknown", "PUT", "/connectors/nope/stop", nil, 404, "Connector nope not found"},
		{"offsets unknown", "GET", "/connectors/nope/offsets", nil, 404, "Connector nope not found"},
		{"offsets while running", "DELETE", "/connectors/dup/offsets", nil, 400, "Connectors must be in the STOPPED state"},
		{"unknown plugin config", "GET", "/connector-plugins/com.example.Nope/config", nil, 404, "Unknown plugin com.example.Nope."},
		{"validate class mismatch", "PUT", "/connector-plugins/FileStreamSink/config/validate",
			map[string]string{"connector.class": "GeneratorSource"}, 400, "Included connector type GeneratorSource does not match request type FileStreamSink"},
		{"validate without class", "PUT", "/connector-plugins/FileStreamSink/config/validate", map[string]string{}, 400, "contains no connector type"},
		{"logger without level", "PUT", "/admin/loggers/root", map[string]string{}, 400, "Desired 'level' parameter was not specified"},
		{"logger bad level", "PUT", "/admin/loggers/root", map[string]string{"level": "LOUD"}, 404, "invalid log level 'LOUD'."},
		{"unknown logger", "GET", "/admin/loggers/com.example", nil, 404, "Logger com.example not found."},
		{"unknown path", "GET", "/nowhere", nil, 404, "HTTP 404 Not Found"},
		{"wrong method", "DELETE", "/connector-plugins", nil, 405, "HTTP 405 Method Not Allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := call(t, c.method, base+c.path, c.body)
			expectStatus(t, r, c.status)
			code, msg := r.errBody(t)
			if code != c.status || !strings.Contains(msg, c.msg) {
				t.Fatalf("error body {%d %q}, want code %d and message containing %q", code, msg, c.status, c.msg)
			}
		})
	}
	// None of the refused creates left anything behind.
	r := call(t, "GET", base+"/connectors", nil)
	if strings.TrimSpace(string(r.body)) != `["dup"]` {
		t.Fatalf("connectors %s", r.body)
	}
}

func TestRESTPluginsAndValidate(t *testing.T) {
	b := startBroker(t)
	w := startWorker(t, b)
	base := w.URL()

	var plugins []map[string]string
	call(t, "GET", base+"/connector-plugins", nil).json(t, &plugins)
	var classes []string
	for _, p := range plugins {
		classes = append(classes, p["class"]+"/"+p["type"])
	}
	for _, want := range []string{"io.retailpulse.connect.file.FileStreamSinkConnector/sink",
		"io.retailpulse.connect.generator.GeneratorSourceConnector/source"} {
		if !slices.Contains(classes, want) {
			t.Fatalf("plugins %v lack %s", classes, want)
		}
	}
	for _, c := range classes {
		if !strings.HasSuffix(c, "/sink") && !strings.HasSuffix(c, "/source") {
			t.Fatalf("connectorsOnly default listed %s", c)
		}
	}
	call(t, "GET", base+"/connector-plugins?connectorsOnly=false", nil).json(t, &plugins)
	types := map[string]bool{}
	for _, p := range plugins {
		types[p["type"]] = true
	}
	for _, want := range []string{"sink", "source", "converter", "header_converter", "transformation", "predicate"} {
		if !types[want] {
			t.Fatalf("connectorsOnly=false lacks type %s: %v", want, types)
		}
	}

	var keys []map[string]any
	r := call(t, "GET", base+"/connector-plugins/FileStreamSink/config", nil)
	expectStatus(t, r, 200)
	r.json(t, &keys)
	if len(keys) != 2 || keys[0]["name"] != "file" || keys[0]["type"] != "STRING" || keys[0]["importance"] != "HIGH" ||
		keys[0]["group"] != "File" || keys[0]["default_value"] != "" || keys[0]["required"] != false {
		t.Fatalf("file sink config keys %s", r.body)
	}
	for _, alias := range []string{"FileStreamSinkConnector", "org.apache.kafka.connect.file.FileStreamSinkConnector",
		url.PathEscape("io.confluent.connect.avro.AvroConverter")} {
		expectStatus(t, call(t, "GET", base+"/connector-plugins/"+alias+"/config", nil), 200)
	}

	// Validate answers 200 and lists each failing key.
	r = call(t, "PUT", base+"/connector-plugins/FileStreamSink/config/validate",
		map[string]string{"connector.class": "FileStreamSink", "tasks.max": "0", "format": "xml", "flaky": "ignored"})
	expectStatus(t, r, 200)
	var infos struct {
		Name       string   `json:"name"`
		ErrorCount int      `json:"error_count"`
		Groups     []string `json:"groups"`
		Configs    []struct {
			Definition map[string]any `json:"definition"`
			Value      struct {
				Name   string   `json:"name"`
				Value  *string  `json:"value"`
				Errors []string `json:"errors"`
			} `json:"value"`
		} `json:"configs"`
	}
	r.json(t, &infos)
	if infos.Name != "io.retailpulse.connect.file.FileStreamSinkConnector" {
		t.Fatalf("validate name %q", infos.Name)
	}
	errs := map[string][]string{}
	for _, c := range infos.Configs {
		if len(c.Value.Errors) > 0 {
			errs[c.Value.Name] = c.Value.Errors
		}
	}
	want := map[string]string{
		"name":         `Missing required configuration "name" which has no default value.`,
		"tasks.max":    "Invalid value 0 for configuration tasks.max: Value must be at least 1",
		"format":       "Invalid value xml for configuration format: String must be one of: value, json",
		"topics":       "Must configure one of topics or topics.regex",
		"topics.regex": "Must configure one of topics or topics.regex",
	}
	for k, msg := range want {
		if len(errs[k]) != 1 || errs[k][0] != msg {
			t.Errorf("errors of %s = %q, want %q", k, errs[k], msg)
		}
	}
	if infos.ErrorCount != len(want) || len(errs) != len(want) {
		t.Errorf("error_count %d, errors %v", infos.ErrorCount, errs)
	}
	if !slices.Equal(infos.Groups, []string{"Common", "Transforms", "Predicates", "Error Handling", "File"}) {
		t.Errorf("groups %v", infos.Groups)
	}
	def := infos.Configs[0].Definition
	for _, k := range []string{"name", "type", "required", "default_value", "importance", "documentation", "group", "order", "width", "display_name", "dependents"} {
		if _, ok := def[k]; !ok {
			t.Errorf("definition lacks %q: %v", k, def)
		}
	}

	// A valid config validates clean, transforms included.
	r = call(t, "PUT", base+"/connector-plugins/FileStreamSinkConnector/config/validate", map[string]string{
		"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "name": "ok", "topics": "t",
		"transforms": "route", "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
		"transforms.route.regex": "(.*)", "transforms.route.replacement": "$1-copy"})
	expectStatus(t, r, 200)
	r.json(t, &infos)
	if infos.ErrorCount != 0 || !slices.Contains(infos.Groups, "Transforms: route") {
		t.Fatalf("valid config: %s", r.body)
	}

	// An unknown class validates with the error on connector.class.
	r = call(t, "PUT", base+"/connector-plugins/Nope/config/validate", map[string]string{"connector.class": "Nope"})
	expectStatus(t, r, 200)
	r.json(t, &infos)
	if infos.ErrorCount != 2 { // connector.class and the missing name
		t.Fatalf("unknown class: %s", r.body)
	}
}

func TestRESTPasswordsHidden(t *testing.T) {
	b := startBroker(t)
	createTopics(t, b, 1, "t")
	w := startWorker(t, b)
	base := w.URL()
	out := tempFile(t, "out")
	const secret = "s3cr3t-value"
	body := fileSink("vault", "t", out, "connector.class", "FlakySink", "secret", secret,
		"consumer.override.sasl.password", "other-secret")
	r := call(t, "POST", base+"/connectors", body)
	expectStatus(t, r, 201)
	waitState(t, base, "vault", "RUNNING", 1)
	for _, path := range []string{"/connectors/vault", "/connectors/vault/config", "/connectors/vault/tasks",
		"/connectors/vault/tasks-config", "/connectors?expand=info"} {
		r := call(t, "GET", base+path, nil)
		if strings.Contains(string(r.body), secret) || strings.Contains(string(r.body), "other-secret") {
			t.Fatalf("%s leaks the secret: %s", path, r.body)
		}
		if !strings.Contains(string(r.body), `"secret":"[hidden]"`) {
			t.Fatalf("%s does not show [hidden]: %s", path, r.body)
		}
	}
	r = call(t, "PUT", base+"/connector-plugins/FlakySink/config/validate", map[string]string{
		"connector.class": "FlakySink", "secret": secret, "topics": "t", "name": "v"})
	if strings.Contains(string(r.body), secret) {
		t.Fatalf("validate leaks the secret: %s", r.body)
	}
	// A read-modify-write with the placeholder keeps the real secret.
	var cfg map[string]string
	call(t, "GET", base+"/connectors/vault/config", nil).json(t, &cfg)
	cfg["tasks.max"] = "2"
	expectStatus(t, call(t, "PUT", base+"/connectors/vault/config", cfg), 200)
	waitState(t, base, "vault", "RUNNING", 2)
	stored := readConfigTopic(t, b, "connector-vault")
	if !strings.Contains(stored, `"secret":"`+secret+`"`) {
		t.Fatalf("stored config lost the secret: %s", stored)
	}
}

func TestRESTLoggers(t *testing.T) {
	b := startBroker(t)
	w := startWorker(t, b)
	base := w.URL()
	var all map[string]map[string]any
	r := call(t, "GET", base+"/admin/loggers", nil)
	expectStatus(t, r, 200)
	r.json(t, &all)
	if all["root"] == nil || all["io.retailpulse.connect.herder"]["last_modified"] != nil {
		t.Fatalf("loggers %s", r.body)
	}
	r = call(t, "PUT", base+"/admin/loggers/io.retailpulse.connect", map[string]string{"level": "DEBUG"})
	expectStatus(t, r, 200)
	var changed []string
	r.json(t, &changed)
	if !slices.Contains(changed, "io.retailpulse.connect.herder") || slices.Contains(changed, "root") {
		t.Fatalf("changed %v", changed)
	}
	var one map[string]any
	call(t, "GET", base+"/admin/loggers/io.retailpulse.connect.task", nil).json(t, &one)
	if one["level"] != "DEBUG" || one["last_modified"] == nil {
		t.Fatalf("logger %v", one)
	}
	expectStatus(t, call(t, "PUT", base+"/admin/loggers/io.retailpulse.connect.rest?scope=cluster", map[string]string{"level": "warn"}), 204)
	eventually(t, 10*time.Second, "cluster scope applied", func() error {
		call(t, "GET", base+"/admin/loggers/io.retailpulse.connect.rest", nil).json(t, &one)
		if one["level"] != "WARN" {
			return fmt.Errorf("level %v", one["level"])
		}
		return nil
	})
}
