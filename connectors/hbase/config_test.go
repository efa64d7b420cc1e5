package hbase_test

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/builtin"
	"github.com/retailpulse/retailpulse/connectors/hbase"
	"github.com/retailpulse/retailpulse/sidecars/connect/connecttest"
)

func TestPluginRegistersUnderClassAndAlias(t *testing.T) {
	// Once builtin lists the sink, it must be there without extras.
	reg, err := builtin.Registry()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Lookup(hbase.SinkClass); err != nil {
		if reg, err = builtin.Registry(hbase.Plugin()); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{hbase.SinkClass, "HBaseSink", "HBaseSinkConnector"} {
		p, err := reg.Lookup(name, connectors.PluginSink)
		if err != nil || p.Class != hbase.SinkClass {
			t.Errorf("lookup %q: %v %v", name, p.Class, err)
		}
	}
}

func validProps() map[string]string {
	return hbase.ProfileConfig("p", "zk1,zk2:2182", "/hbase", "http://registry:8081")
}

func crossErrors(t *testing.T, props map[string]string) map[string]string {
	t.Helper()
	cfg := taskConfig(t, props)
	out := map[string]string{}
	for _, fe := range hbase.Plugin().NewSink().(connectors.CrossValidator).ValidateConfig(cfg) {
		out[fe.Key] += fe.Message + ";"
	}
	return out
}

func TestProfileConfigIsValid(t *testing.T) {
	if errs := crossErrors(t, validProps()); len(errs) != 0 {
		t.Fatalf("ProfileConfig rejected: %v", errs)
	}
	for _, cv := range connectors.CommonSpec.Merge(connectors.SinkSpec, hbase.Spec).Validate(validProps()) {
		if len(cv.Errors) > 0 {
			t.Errorf("%s: %v", cv.Name, cv.Errors)
		}
	}
}

func TestConfigErrorsNameTheirKey(t *testing.T) {
	cases := []struct {
		set  map[string]string
		key  string
		want string
	}{
		{map[string]string{hbase.ColumnMappingConfig: "views"}, hbase.ColumnMappingConfig, "want field=family"},
		{map[string]string{hbase.ColumnMappingConfig: "views=m"}, hbase.ColumnMappingConfig, "offset column family"},
		{map[string]string{hbase.ColumnMappingConfig: "a=c,a=p"}, hbase.ColumnMappingConfig, "mapped twice"},
		{map[string]string{hbase.ColumnMappingConfig: "a.b=c"}, hbase.ColumnMappingConfig, "top-level"},
		{map[string]string{hbase.ColumnMappingConfig: "a=x:y"}, hbase.ColumnMappingConfig, "illegal character"},
		{map[string]string{hbase.MaxFieldsConfig: "spend_minor"}, hbase.MaxFieldsConfig, "also in increment.fields"},
		{map[string]string{hbase.DefaultColumnFamilyConfig: "m"}, hbase.DefaultColumnFamilyConfig, "offset column family"},
		{map[string]string{hbase.ZookeeperQuorumConfig: "a:b:c"}, hbase.ZookeeperQuorumConfig, "not host or host:port"},
		{map[string]string{hbase.ZookeeperQuorumConfig: "zk:99999"}, hbase.ZookeeperQuorumConfig, "invalid port"},
		{map[string]string{hbase.TableNameFormatConfig: "t_${partition}"}, hbase.TableNameFormatConfig, "only ${topic}"},
		{map[string]string{hbase.TableNameFormatConfig: "bad name"}, hbase.TableNameFormatConfig, "illegal character"},
		{map[string]string{hbase.RowKeyDefinitionConfig: "value"}, hbase.RowKeyDefinitionConfig, "value.<field>"},
		{map[string]string{hbase.RowKeyDefinitionConfig: "key..id"}, hbase.RowKeyDefinitionConfig, "empty path segment"},
	}
	for _, c := range cases {
		props := validProps()
		maps.Copy(props, c.set)
		errs := crossErrors(t, props)
		if !strings.Contains(errs[c.key], c.want) {
			t.Errorf("%v: errors %v, want %q on %s", c.set, errs, c.want, c.key)
		}
	}
}

func TestSpecRejectsBadValues(t *testing.T) {
	spec := connectors.CommonSpec.Merge(connectors.SinkSpec, hbase.Spec)
	props := validProps()
	delete(props, hbase.ZookeeperQuorumConfig)
	props[hbase.ErrorModeConfig] = "retry"
	props[hbase.RowKeySaltBucketsConfig] = "300"
	props[hbase.ZnodeParentConfig] = "hbase"
	props[hbase.InsertModeConfig] = "INSERT"
	bad := map[string]bool{}
	for _, cv := range spec.Validate(props) {
		if len(cv.Errors) > 0 {
			bad[cv.Name] = true
		}
	}
	for _, k := range []string{hbase.ZookeeperQuorumConfig, hbase.ErrorModeConfig, hbase.RowKeySaltBucketsConfig,
		hbase.ZnodeParentConfig, hbase.InsertModeConfig} {
		if !bad[k] {
			t.Errorf("%s was accepted", k)
		}
	}
}

// TestComposeConnectorMatchesProfileConfig keeps the compose registration
// and the Go layout from drifting apart.
func TestComposeConnectorMatchesProfileConfig(t *testing.T) {
	var reg struct {
		Name   string
		Config map[string]string
	}
	reg.Name, reg.Config = connecttest.ReadConnectorFile(t, filepath.Join("..", "..", "compose", "connectors", "hbase-sink.json"), nil)
	want := hbase.ProfileConfig(reg.Name, reg.Config[hbase.ZookeeperQuorumConfig], reg.Config[hbase.ZnodeParentConfig],
		reg.Config["value.converter.schema.registry.url"])
	if !maps.Equal(reg.Config, want) {
		for k, v := range want {
			if reg.Config[k] != v {
				t.Errorf("%s = %q, ProfileConfig says %q", k, reg.Config[k], v)
			}
		}
		for k := range reg.Config {
			if _, ok := want[k]; !ok {
				t.Errorf("%s is not in ProfileConfig", k)
			}
		}
	}
	script, err := os.ReadFile(filepath.Join("..", "..", "compose", "hbase", "create-profile-table.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, must := range []string{"'" + hbase.ProfileTable + "'", "NAME => '" + hbase.FamilyCounters + "'",
		"NAME => '" + hbase.FamilyProfile + "'", "NAME => '" + hbase.FamilyMeta + "'"} {
		if !strings.Contains(string(script), must) {
			t.Errorf("create script lacks %s", must)
		}
	}
	var splits []string
	for _, k := range hbase.SaltSplitKeys(hbase.ProfileSaltBuckets) {
		splits = append(splits, "'"+string(k)+"'")
	}
	if !strings.Contains(string(script), "SPLITS => ["+strings.Join(splits, ", ")+"]") {
		t.Errorf("create script does not pre-split on the salt prefixes %v", splits)
	}
}
