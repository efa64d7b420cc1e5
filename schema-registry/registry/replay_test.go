package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func record(fields ...string) string {
	return `{"type":"record","name":"R","namespace":"t","fields":[` + strings.Join(fields, ",") + `]}`
}

func field(name string) string { return `{"name":"` + name + `","type":"string","default":""}` }

func startOn(t testing.TB, log Log, opts ...Option) *Registry {
	t.Helper()
	r, err := New(log, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// snapshot renders everything a client can read, deterministically.
func snapshot(t testing.TB, r *Registry) string {
	t.Helper()
	var b strings.Builder
	for _, s := range r.Subjects(SubjectFilter{Deleted: true}) {
		vs, err := r.Versions(s, SubjectFilter{Deleted: true}, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			sv, err := r.Version(s, v, true)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s v%d id=%d deleted=%v refs=%v %s\n", s, v, sv.ID, sv.Deleted, sv.References, sv.Schema)
		}
		if c, err := r.Config(s, false); err == nil {
			fmt.Fprintf(&b, "%s config %s\n", s, c.Compatibility)
		}
		if m, err := r.Mode(s, false); err == nil {
			fmt.Fprintf(&b, "%s mode %s\n", s, m)
		}
	}
	c, _ := r.Config("", false)
	m, _ := r.Mode("", false)
	fmt.Fprintf(&b, "global %s %s maxID=%d\n", c.Compatibility, m, r.MaxID())
	return b.String()
}

// exercise performs one of everything that changes state.
func exercise(t testing.TB, r *Registry) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	reg := func(subject, schema string, refs ...Reference) int {
		t.Helper()
		id, err := r.Register(ctx, subject, SchemaInput{Schema: schema, References: refs}, RegisterOptions{})
		must(err)
		return id
	}
	reg("a", record(field("x")))
	reg("a", record(field("x"), field("y")))
	reg("a", record(field("x"), field("y"), field("z")))
	reg("b", record(field("x")))
	reg("base", `{"type":"enum","name":"E","namespace":"t","symbols":["A","B"]}`)
	reg("user", record(`{"name":"e","type":"t.E"}`), Reference{Name: "t.E", Subject: "base", Version: 1})
	_, err := r.DeleteVersion(ctx, "a", 2, false)
	must(err)
	_, err = r.DeleteSubject(ctx, "b", false)
	must(err)
	_, err = r.DeleteSubject(ctx, "b", true)
	must(err)
	_, err = r.SetConfig(ctx, "", Config{Compatibility: "FULL"})
	must(err)
	_, err = r.SetConfig(ctx, "a", Config{Compatibility: "NONE"})
	must(err)
	_, err = r.SetMode(ctx, "user", ModeReadOnly, false)
	must(err)
	reg("c", record(field("q")))
}

func TestRestartReplaysState(t *testing.T) {
	log := NewMemoryLog()
	first := startOn(t, log)
	exercise(t, first)
	want := snapshot(t, first)
	_ = first.Close()

	second := startOn(t, log)
	if got := snapshot(t, second); got != want {
		t.Fatalf("state after replay differs:\n got\n%s\nwant\n%s", got, want)
	}
	id, err := second.Register(context.Background(), "d", SchemaInput{Schema: record(field("new"))}, RegisterOptions{})
	if err != nil || id != second.MaxID() || id <= 6 {
		t.Fatalf("next id after replay: %d, %v (max %d)", id, err, second.MaxID())
	}
}

// slowReader delivers records late, as a consumer behind a network does,
// which widens the window in which two processes plan the same numbers.
type slowReader struct{ *MemoryLog }

func (l slowReader) Read(ctx context.Context, fn func(Record)) error {
	return l.MemoryLog.Read(ctx, func(r Record) {
		time.Sleep(300 * time.Microsecond)
		fn(r)
	})
}

func TestConcurrentWritersNeverCollide(t *testing.T) {
	log := NewMemoryLog()
	procs := []*Registry{startOn(t, slowReader{log}), startOn(t, slowReader{log})}
	if _, err := procs[0].SetConfig(context.Background(), "", Config{Compatibility: "NONE"}); err != nil {
		t.Fatal(err)
	}
	type result struct {
		schema string
		id     int
	}
	var mu sync.Mutex
	var results []result
	var wg sync.WaitGroup
	const perWriter = 15
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := procs[w%2]
			for i := 0; i < perWriter; i++ {
				// Writers 0 and 1 race on the same subjects with different
				// schemas; 2 and 3 register the same schemas as 0 and 1
				// under other subjects, racing for the same new ids.
				schema := record(field(fmt.Sprintf("w%d_%d", w%2, i)))
				subject := fmt.Sprintf("shared-%d", i%3)
				if w >= 2 {
					subject = fmt.Sprintf("own-%d", w)
				}
				id, err := r.Register(context.Background(), subject, SchemaInput{Schema: schema}, RegisterOptions{})
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				mu.Lock()
				results = append(results, result{schema, id})
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	for _, r := range procs {
		if err := r.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	idOf := map[string]int{}
	schemaOf := map[int]string{}
	for _, res := range results {
		canon := procs[0].mustCanonical(t, res.schema)
		if prev, ok := idOf[canon]; ok && prev != res.id {
			t.Errorf("schema got ids %d and %d", prev, res.id)
		}
		if prev, ok := schemaOf[res.id]; ok && prev != canon {
			t.Errorf("id %d answered for two schemas", res.id)
		}
		idOf[canon], schemaOf[res.id] = res.id, canon
		for _, r := range procs {
			s, err := r.SchemaByID(res.id)
			if err != nil || s.Schema != canon {
				t.Errorf("id %d resolves to %q, %v; want %q", res.id, s.Schema, err, canon)
			}
		}
	}
	if len(idOf) != 2*perWriter {
		t.Errorf("%d distinct schemas, want %d", len(idOf), 2*perWriter)
	}
	a, b := snapshot(t, procs[0]), snapshot(t, procs[1])
	if a != b {
		t.Fatalf("processes disagree:\n%s\nvs\n%s", a, b)
	}
	for i := 0; i < 3; i++ {
		vs, _ := procs[0].Versions(fmt.Sprintf("shared-%d", i), SubjectFilter{}, false)
		for j, v := range vs {
			if v != j+1 {
				t.Fatalf("shared-%d versions %v are not 1..n", i, vs)
			}
		}
	}
	conflicts := testutil.ToFloat64(procs[0].m.skipped.WithLabelValues("conflict"))
	if conflicts != testutil.ToFloat64(procs[1].m.skipped.WithLabelValues("conflict")) {
		t.Error("processes rejected different records")
	}
	if conflicts == 0 {
		t.Error("no registration raced another; the test did not exercise the retry path")
	}
	t.Logf("%d registrations, %v records rejected and retried", len(results), conflicts)
}

func (r *Registry) mustCanonical(t testing.TB, schema string) string {
	t.Helper()
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, err := r.st.prepare(SchemaInput{Schema: schema}, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	return c.text
}

func TestCorruptAndForeignRecordsAreSkipped(t *testing.T) {
	log := NewMemoryLog()
	ctx := context.Background()
	good := func(version, id int, schema string) {
		v := fmt.Sprintf(`{"subject":"s","version":%d,"id":%d,"schema":%q,"deleted":false}`, version, id, schema)
		if _, err := log.Append(ctx, encodeSchemaKey("s", version), []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	good(1, 1, `"string"`)
	_, _ = log.Append(ctx, []byte("{not json"), []byte("x"))
	_, _ = log.Append(ctx, []byte(`{"keytype":"SCHEMA","subject":"s","version":2,"magic":1}`), []byte(`{"subject":"s"}`))
	_, _ = log.Append(ctx, []byte(`{"keytype":"DEK","kekName":"k","magic":0}`), []byte(`{}`))
	good(2, 2, `"int"`)

	core, logs := observer.New(zapcore.WarnLevel)
	r := startOn(t, log, WithLogger(zap.New(core)))
	if vs, err := r.Versions("s", SubjectFilter{}, false); err != nil || len(vs) != 2 {
		t.Fatalf("valid records around the bad ones: %v %v", vs, err)
	}
	warnings := logs.FilterMessage("skipping _schemas record").All()
	if len(warnings) != 3 {
		t.Fatalf("want one warning per bad record, got %d: %v", len(warnings), logs.All())
	}
	for i, w := range warnings {
		if off := w.ContextMap()["offset"]; off != int64(i+1) {
			t.Errorf("warning %d names offset %v, want %d", i, off, i+1)
		}
	}
	if got := testutil.ToFloat64(r.m.skipped.WithLabelValues("corrupt")); got != 2 {
		t.Errorf("corrupt records counted %v, want 2", got)
	}
	if got := testutil.ToFloat64(r.m.skipped.WithLabelValues("foreign")); got != 1 {
		t.Errorf("foreign records counted %v, want 1", got)
	}
}

func TestConflictingRecordsAreRejectedEverywhere(t *testing.T) {
	log := NewMemoryLog()
	ctx := context.Background()
	put := func(subject string, version, id int, schema string) {
		v := fmt.Sprintf(`{"subject":%q,"version":%d,"id":%d,"schema":%q}`, subject, version, id, schema)
		if _, err := log.Append(ctx, encodeSchemaKey(subject, version), []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	put("a", 1, 1, `"string"`)
	put("b", 1, 1, `"int"`)    // id 1 is taken by another schema
	put("a", 1, 2, `"long"`)   // a/1 holds id 1
	put("c", 1, 1, `"string"`) // the same schema keeps its id elsewhere
	r := startOn(t, log)
	if _, err := r.Version("b", 1, true); err == nil {
		t.Error("a record reusing an id for another schema was applied")
	}
	if sv, _ := r.Version("a", 1, false); sv.ID != 1 {
		t.Errorf("a/1 was overwritten with id %d", sv.ID)
	}
	if sv, err := r.Version("c", 1, false); err != nil || sv.ID != 1 {
		t.Errorf("c/1: %+v %v", sv, err)
	}
	if _, err := r.SchemaByID(2); err == nil {
		t.Error("id 2 was bound by a rejected record")
	}
}

// TestReplayAfterCompactionReordersReferences replays a log in which the
// referenced schema's record comes after its referrer, as compaction leaves
// it when the referenced version was rewritten later (soft-deleted, say).
func TestReplayAfterCompactionReordersReferences(t *testing.T) {
	address := `{"type":"record","name":"Address","namespace":"t","fields":[{"name":"city","type":"string"}]}`
	person := `{"type":"record","name":"Person","namespace":"t","fields":[{"name":"home","type":"t.Address"}]}`
	refs := []Reference{{Name: "t.Address", Subject: "address", Version: 1}}
	log := NewMemoryLog()
	ctx := context.Background()
	put := func(rec SchemaRecord) {
		if _, err := log.Append(ctx, encodeSchemaKey(rec.Subject, rec.Version), encodeSchemaValue(rec)); err != nil {
			t.Fatal(err)
		}
	}
	put(SchemaRecord{Subject: "person", Version: 1, ID: 2, SchemaType: TypeAvro, References: refs, Schema: person})
	put(SchemaRecord{Subject: "address", Version: 1, ID: 1, SchemaType: TypeAvro, Schema: address, Deleted: false})
	put(SchemaRecord{Subject: "person", Version: 1, ID: 2, SchemaType: TypeAvro, References: refs, Schema: person, Deleted: true})

	r := startOn(t, log)
	if sv, err := r.Version("person", 1, true); err != nil || !sv.Deleted {
		t.Fatalf("the later rewrite of person/1 was not applied: %+v %v", sv, err)
	}
	if sv, err := r.Lookup("person", SchemaInput{Schema: person, References: refs}, false, true); err != nil || sv.ID != 2 {
		t.Fatalf("lookup of the referrer: %+v %v", sv, err)
	}
	id, err := r.Register(ctx, "person-copy", SchemaInput{Schema: person, References: refs}, RegisterOptions{})
	if err != nil || id != 2 {
		t.Fatalf("the same schema elsewhere got id %d, %v; want 2", id, err)
	}
	incompatible := `{"type":"record","name":"Person","namespace":"t","fields":[{"name":"home","type":"t.Address"},{"name":"age","type":"int"}]}`
	if _, err := r.Register(ctx, "person-copy", SchemaInput{Schema: incompatible, References: refs}, RegisterOptions{}); !errors.Is(err, ErrIncompatible) {
		t.Fatalf("the referrer takes part in compatibility checks: got %v", err)
	}
}
