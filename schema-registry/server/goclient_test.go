package server_test

import (
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/rest"

	"github.com/retailpulse/retailpulse/internal/httpx"
)

// TestConfluentGoClient drives the registry with confluent-kafka-go's
// schemaregistry client, with basic auth as clients configure it.
func TestConfluentGoClient(t *testing.T) {
	h := start(t, setup{httpOpts: []httpx.Option{httpx.WithBasicAuth(map[string]string{"go": "pw"})}})
	c, err := schemaregistry.NewClient(schemaregistry.NewConfigWithBasicAuthentication(h.url, "go", "pw"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	v1 := schemaregistry.SchemaInfo{Schema: userV1}
	v2 := schemaregistry.SchemaInfo{Schema: userV2, SchemaType: "AVRO"}
	v3 := schemaregistry.SchemaInfo{Schema: userV3}

	id1, err := c.Register("users-value", v1, false)
	must(err)
	id2, err := c.Register("users-value", v2, true)
	must(err)
	if id1 == id2 || id1 <= 0 {
		t.Fatalf("ids %d %d", id1, id2)
	}
	got, err := c.GetBySubjectAndID("users-value", id1)
	must(err)
	if got.Schema != canonical(t, userV1) {
		t.Errorf("schema by id: %q", got.Schema)
	}
	svs, err := c.GetSubjectsAndVersionsByID(id2)
	must(err)
	if len(svs) != 1 || svs[0].Subject != "users-value" || svs[0].Version != 2 {
		t.Errorf("subjects and versions of id %d: %+v", id2, svs)
	}
	lookedUp, err := c.GetID("users-value", v1, false)
	must(err)
	version, err := c.GetVersion("users-value", v2, true)
	must(err)
	latest, err := c.GetLatestSchemaMetadata("users-value")
	must(err)
	versions, err := c.GetAllVersions("users-value")
	must(err)
	subjects, err := c.GetAllSubjects()
	must(err)
	contexts, err := c.GetAllContexts()
	must(err)
	if lookedUp != id1 || version != 2 || latest.ID != id2 || latest.Version != 2 ||
		!reflect.DeepEqual(versions, []int{1, 2}) || !reflect.DeepEqual(subjects, []string{"users-value"}) ||
		!reflect.DeepEqual(contexts, []string{"."}) {
		t.Errorf("lookups: id %d version %d latest %+v versions %v subjects %v contexts %v",
			lookedUp, version, latest, versions, subjects, contexts)
	}

	ok, err := c.TestCompatibility("users-value", 2, v3)
	must(err)
	okAll, err := c.TestSubjectCompatibility("users-value", v2)
	must(err)
	if ok || !okAll {
		t.Errorf("compatibility: v3 against v2 %v, v2 against all %v", ok, okAll)
	}
	_, err = c.Register("users-value", v3, false)
	var restErr *rest.Error
	if !errors.As(err, &restErr) || restErr.Code != http.StatusConflict {
		t.Errorf("incompatible register: %v", err)
	}

	level, err := c.UpdateCompatibility("users-value", schemaregistry.Forward)
	must(err)
	got2, err := c.GetCompatibility("users-value")
	must(err)
	cfg, err := c.GetConfig("other", true)
	must(err)
	def, err := c.GetDefaultCompatibility()
	must(err)
	if level != schemaregistry.Forward || got2 != schemaregistry.Forward || cfg.CompatibilityLevel != schemaregistry.Backward ||
		def != schemaregistry.Backward {
		t.Errorf("config: set %v got %v other %+v default %v", level, got2, cfg, def)
	}
	_, err = c.GetConfig("other", false)
	if !errors.As(err, &restErr) || restErr.Code != 40408 {
		t.Errorf("subject without config: %v", err)
	}

	deleted, err := c.DeleteSubjectVersion("users-value", 1, false)
	must(err)
	soft, err := c.DeleteSubject("users-value", false)
	must(err)
	hard, err := c.DeleteSubject("users-value", true)
	must(err)
	if deleted != 1 || !reflect.DeepEqual(soft, []int{2}) || !reflect.DeepEqual(hard, []int{1, 2}) {
		t.Errorf("deletes: %d %v %v", deleted, soft, hard)
	}
	_, err = c.GetAllVersions("users-value")
	if !errors.As(err, &restErr) || restErr.Code != 40401 {
		t.Errorf("versions of a deleted subject: %v", err)
	}
}
