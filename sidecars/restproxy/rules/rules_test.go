package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func mustSet(t *testing.T, src string, opts ...Option) *Set {
	t.Helper()
	s, err := FromBytes([]byte(src), "test.yaml", opts...)
	if err != nil {
		t.Fatalf("compiling rules: %v", err)
	}
	return s
}

func event(kv ...any) map[string]any {
	ev := map[string]any{
		"event_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "event_type": "CLICK", "user_id": "u1",
		"session_id": "s1", "event_time": int64(1_700_000_000_000), "item_id": "sku-1",
		"attributes": map[string]any{},
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(ev, kv[i].(string))
			continue
		}
		ev[kv[i].(string)] = kv[i+1]
	}
	return ev
}

func req() *Request {
	return &Request{API: "v2", UserAgent: "Mozilla/5.0 (X11; Linux x86_64)", ReceivedAt: time.UnixMilli(1_700_000_000_500)}
}

func TestFileErrorsNameTheLine(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		want      string
	}{
		{"unknown key", "rules:\n  - name: a\n    when: true\n    action: drop\n    colour: red\n", 5, `unknown key "colour"`},
		{"bad action", "rules:\n  - name: a\n    when: true\n    action: explode\n", 2, `unknown action "explode"`},
		{"missing action", "rules:\n  - name: a\n    when: true\n", 2, "missing action"},
		{"cel syntax in block", "rules:\n  - name: ok\n    when: true\n    action: tag\n    tags: {x: y}\n  - name: broken\n    when: |\n      event.price < 0.0 &&\n      event.price >\n    action: drop\n", 9, "Syntax error"},
		{"cel undeclared", "rules:\n  - name: a\n    when: evnt.price < 0.0\n    action: drop\n", 3, "undeclared reference"},
		{"not boolean", "rules:\n  - name: a\n    when: '\"x\" + \"y\"'\n    action: drop\n", 3, "boolean expression"},
		{"duplicate name", "rules:\n  - name: a\n    when: true\n    action: drop\n  - name: a\n    when: false\n    action: dlq\n", 5, "already used by the rule at line 2"},
		{"unknown builtin", "rules:\n  - name: a\n    builtin: telepathy\n    action: drop\n", 2, `unknown builtin "telepathy"`},
		{"param on wrong builtin", "rules:\n  - name: a\n    builtin: missing_ids\n    window: 1s\n    action: drop\n", 2, "window does not apply"},
		{"bad window", "rules:\n  - name: a\n    builtin: repeated_click\n    window: soon\n    action: drop\n", 2, "positive duration"},
		{"yaml syntax", "rules:\n\t- name: a\n", 2, "cannot start any token"},
		{"tags on drop", "rules:\n  - name: a\n    when: true\n    action: drop\n    tags: {a: b}\n", 2, "tags apply only"},
		{"bad name", "rules:\n  - name: Has Spaces\n    when: true\n    action: drop\n", 2, "name must be"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := FromBytes([]byte(c.src), "edge.yaml")
			var fe *FileError
			if !errors.As(err, &fe) || !errors.Is(err, ErrInvalidRules) {
				t.Fatalf("want *FileError, got %v", err)
			}
			if fe.Line != c.line {
				t.Errorf("line: got %d want %d (%v)", fe.Line, c.line, err)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "edge.yaml:") {
				t.Errorf("message %q lacks %q or the file name", err, c.want)
			}
		})
	}
}

func TestCELRulesOrderTagsAndErrors(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := mustSet(t, `
rules:
  - name: campaign
    when: '"utm" in event.attributes'
    action: tag
    tags: {campaign: "yes"}
  - name: free-item
    when: has(event.price) && event.price == 0.0
    action: dlq
    reason: zero price
  - name: negative
    when: event.price < 0.0      # fails at run time when price is absent
    action: drop
  - name: from-sdk
    when: request.api == "sdk" && is_uuid(event.event_id)
    action: tag
    tags: {via: sdk}
`, WithMetrics(reg))

	d := s.Evaluate(event("price", 0.0, "attributes", map[string]any{"utm": "x"}), req())
	if d.Action != DLQ || d.Rule != "free-item" || d.Reason != "zero price" || d.Tags["campaign"] != "yes" {
		t.Fatalf("zero price: %+v", d)
	}
	d = s.Evaluate(event("price", -1.0), req())
	if d.Action != Drop || d.Rule != "negative" || d.Reason != "matched rule negative" {
		t.Fatalf("negative: %+v", d)
	}
	r := req()
	r.API = "sdk"
	d = s.Evaluate(event(), r)
	if d.Action != Pass || d.Tags["via"] != "sdk" {
		t.Fatalf("pass with tag: %+v", d)
	}
	if got := testutil.ToFloat64(s.m.errors.WithLabelValues("negative")); got != 1 {
		t.Errorf("runtime errors of rule negative: got %v want 1 (price absent once)", got)
	}
	if got := testutil.ToFloat64(s.m.matches.WithLabelValues("free-item", "dlq")); got != 1 {
		t.Errorf("matches of free-item: got %v", got)
	}
}

func TestDuplicateEventIDWaitsForTheWrite(t *testing.T) {
	s := mustSet(t, "rules:\n  - name: dup\n    builtin: duplicate_event_id\n    window: 1m\n    action: drop\n")
	first := s.Evaluate(event(), req())
	if first.Action != Pass {
		t.Fatalf("first copy: %+v", first)
	}
	// While the first copy is in flight a retry must not be called a
	// duplicate: the write may still fail.
	if d := s.Evaluate(event(), req()); d.Action != Retry {
		t.Fatalf("in-flight copy: got %+v, want Retry", d)
	}
	first.Settle(false, Position{})
	second := s.Evaluate(event(), req())
	if second.Action != Pass {
		t.Fatalf("after a failed write the retry must pass: %+v", second)
	}
	second.Settle(true, Position{Partition: 3, Offset: 42})
	d := s.Evaluate(event(), req())
	if d.Action != Drop || d.Original == nil || *d.Original != (Position{3, 42}) {
		t.Fatalf("stored copy: %+v", d)
	}
	later := req()
	later.ReceivedAt = later.ReceivedAt.Add(61 * time.Second)
	if d := s.Evaluate(event(), later); d.Action != Pass {
		t.Fatalf("after the window: %+v", d)
	}
}

func TestLaterDropReleasesTheDuplicateClaim(t *testing.T) {
	s := mustSet(t, `
rules:
  - name: dup
    builtin: duplicate_event_id
    action: drop
  - name: no-item
    when: '!has(event.item_id)'
    action: dlq
`)
	if d := s.Evaluate(event("item_id", nil), req()); d.Action != DLQ {
		t.Fatalf("got %+v", d)
	}
	// The DLQ'd copy was never stored in the event topic, so a fixed retry
	// with the same event_id is new, not a duplicate.
	if d := s.Evaluate(event(), req()); d.Action != Pass {
		t.Fatalf("retry after dlq: %+v", d)
	}
}

func TestRepeatedClicks(t *testing.T) {
	s := mustSet(t, "rules:\n  - name: clicks\n    builtin: repeated_click\n    window: 500ms\n    action: drop\n")
	at := func(ms int64, kv ...any) map[string]any {
		return event(append([]any{"event_time", int64(1_700_000_000_000) + ms}, kv...)...)
	}
	steps := []struct {
		ev   map[string]any
		want Action
	}{
		{at(0), Pass},
		{at(200), Drop},                           // same user, item, type within 500 ms
		{at(300, "item_id", "sku-2"), Pass},       // other item
		{at(400, "user_id", "u2"), Pass},          // other user
		{at(450, "event_type", "PURCHASE"), Pass}, // not a click
		{at(600), Pass},                           // 600 ms after the last accepted click
		{at(900), Drop},
	}
	for i, st := range steps {
		if d := s.Evaluate(st.ev, req()); d.Action != st.want {
			t.Fatalf("step %d: got %+v want %q", i, d, st.want)
		}
	}
}

func TestBotsAndMissingIDs(t *testing.T) {
	s := mustSet(t, string(DefaultRules()))
	r := req()
	r.UserAgent = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	if d := s.Evaluate(event(), r); d.Action != DLQ || d.Rule != "bot-user-agent" || !strings.Contains(d.Reason, "bot") {
		t.Fatalf("bot from header: %+v", d)
	}
	if d := s.Evaluate(event("event_id", "11111111-2222-3333-4444-555555555555", "user_agent", "curl/8.5.0"), req()); d.Action != Pass {
		t.Fatalf("curl is not a crawler: %+v", d)
	}
	cases := []struct {
		ev     map[string]any
		reason string
	}{
		{event("user_id", " "), "missing user_id"},
		{event("session_id", nil), "missing session_id"},
		{event("item_id", nil, "event_type", "ADD_TO_CART"), "missing item_id on ADD_TO_CART"},
		{event("event_type", "PURCHASE"), "missing order_id on PURCHASE"},
	}
	for _, c := range cases {
		if d := s.Evaluate(c.ev, req()); d.Action != DLQ || d.Rule != "missing-ids" || d.Reason != c.reason {
			t.Errorf("%v: got %+v want reason %q", c.ev, d, c.reason)
		}
	}
	if d := s.Evaluate(event("item_id", nil, "event_type", "SEARCH", "event_id", "aaaaaaaa-2222-3333-4444-555555555555"), req()); d.Action != Pass {
		t.Errorf("search needs no item: %+v", d)
	}
}

func TestHotReloadKeepsOldRulesOnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "edge.yaml")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("rules:\n  - name: dup\n    builtin: duplicate_event_id\n    action: drop\n")
	reg := prometheus.NewRegistry()
	s, err := Load(path, WithMetrics(reg))
	if err != nil {
		t.Fatal(err)
	}
	d := s.Evaluate(event(), req())
	d.Settle(true, Position{Partition: 1, Offset: 7})

	write("rules:\n  - name: dup\n    builtin: duplicate_event_id\n    action: drop\n  - name: cheap\n    when: event.price < 1.0\n    action: dlq\n")
	if err := s.Reload(); err != nil {
		t.Fatalf("valid reload: %v", err)
	}
	if got := s.Status().Rules; len(got) != 2 || got[1] != "cheap" {
		t.Fatalf("rules after reload: %v", got)
	}
	// The duplicate window survived the reload.
	if d := s.Evaluate(event(), req()); d.Action != Drop || d.Original.Offset != 7 {
		t.Fatalf("state lost on reload: %+v", d)
	}

	write("rules:\n  - name: dup\n    builtin: duplicate_event_id\n    action: drop\n  - name: cheap\n    when: event.price <\n    action: dlq\n")
	err = s.Reload()
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line != 6 || fe.Rule != "cheap" {
		t.Fatalf("broken reload: want error at line 6 for rule cheap, got %v", err)
	}
	if st := s.Status(); !strings.Contains(st.LastError, "edge.yaml:6") || len(st.Rules) != 2 {
		t.Fatalf("status after refused reload: %+v", st)
	}
	if d := s.Evaluate(event("event_id", "bbbbbbbb-2222-3333-4444-555555555555", "price", 0.5), req()); d.Action != DLQ || d.Rule != "cheap" {
		t.Fatalf("old rules must keep running: %+v", d)
	}
	// An unchanged broken file is reported once, not on every tick.
	if err := s.Reload(); err != nil {
		t.Fatalf("unchanged file re-reported: %v", err)
	}
	if got := testutil.ToFloat64(s.m.reloads.WithLabelValues("refused")); got != 1 {
		t.Errorf("refused reloads: %v", got)
	}
}

func TestWindowMapCapacityAndExpiry(t *testing.T) {
	w := newWindowMap[int](1000, windowShards*4) // 4 per shard
	for i := range 1000 {
		w.update(keyOf(string(rune('a'+i%26))+strings.Repeat("x", i)), int64(i), func(*windowEntry[int]) (int, bool, bool) { return i, true, false })
	}
	if n := w.len(); n > windowShards*4 {
		t.Fatalf("capacity exceeded: %d entries", n)
	}
	w2 := newWindowMap[int](100, 1000)
	w2.update(keyOf("k"), 0, func(*windowEntry[int]) (int, bool, bool) { return 1, true, false })
	found := false
	w2.update(keyOf("k"), 99, func(cur *windowEntry[int]) (int, bool, bool) { found = cur != nil; return 1, true, false })
	if !found {
		t.Fatal("entry expired inside its window")
	}
	w2.update(keyOf("k"), 100, func(cur *windowEntry[int]) (int, bool, bool) { found = cur != nil; return 1, false, false })
	if found {
		t.Fatal("entry alive after its window")
	}
}

func TestEngineNeedsOnlyReferencedFields(t *testing.T) {
	e := mustSet(t, `
rules:
  - name: a
    when: has(event.price) && event.price < 0.0 && request.api == "v2"
    action: drop
  - name: b
    builtin: bot_user_agent
    action: dlq
`).Engine()
	for f, want := range map[string]bool{"price": true, "user_agent": true, "item_id": false, "attributes": false} {
		if e.Needs(f) != want {
			t.Errorf("Needs(%q) = %v", f, !want)
		}
	}
	whole := mustSet(t, "rules:\n  - name: w\n    when: size(event) > 3\n    action: drop\n").Engine()
	if !whole.Needs("attributes") {
		t.Error("a rule using the whole event needs every field")
	}
	// An engine evaluated with only the fields it needs decides as with all.
	full := event("price", -2.0)
	slim := map[string]any{"price": -2.0}
	r := req()
	if a, b := e.Evaluate(full, r), e.Evaluate(slim, r); a.Action != Drop || b.Action != a.Action || a.Rule != b.Rule {
		t.Fatalf("slim %+v vs full %+v", b, a)
	}
}
