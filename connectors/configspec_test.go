package connectors_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/retailpulse/retailpulse/connectors"
)

var spec = connectors.MustConfigSpec(
	connectors.ConfigKey{Name: "host", Type: connectors.TypeString, Required: true, Group: "Conn"},
	connectors.ConfigKey{Name: "port", Type: connectors.TypeInt, Default: 6379, Validators: []connectors.Validator{connectors.Between(1, 65535)}, Group: "Conn"},
	connectors.ConfigKey{Name: "ttl.ms", Type: connectors.TypeLong, Default: int64(3600000)},
	connectors.ConfigKey{Name: "ratio", Type: connectors.TypeDouble, Default: 0.5},
	connectors.ConfigKey{Name: "tls", Type: connectors.TypeBoolean, Default: false},
	connectors.ConfigKey{Name: "fields", Type: connectors.TypeList, Default: []string{"a", "b"}},
	connectors.ConfigKey{Name: "mode", Type: connectors.TypeString, Default: "upsert", Validators: []connectors.Validator{connectors.OneOf("upsert", "append")}},
	connectors.ConfigKey{Name: "password", Type: connectors.TypePassword},
)

func TestParseTypesAndDefaults(t *testing.T) {
	cfg, err := spec.Parse(map[string]string{"host": "redis", "port": " 6380 ", "tls": "TRUE", "fields": "x, y ,z",
		"password": "pw", "extra": "kept"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.String("host") != "redis" || cfg.Int("port") != 6380 || cfg.Long("ttl.ms") != 3600000 || cfg.Double("ratio") != 0.5 ||
		!cfg.Bool("tls") || strings.Join(cfg.List("fields"), "|") != "x|y|z" || cfg.String("mode") != "upsert" ||
		cfg.Password("password") != "pw" {
		t.Fatalf("parsed wrong: %+v", cfg.Originals())
	}
	if v, ok := cfg.Raw("extra"); !ok || v != "kept" {
		t.Fatalf("raw extra = %q %v", v, ok)
	}
	cfg, err = spec.Parse(map[string]string{"host": "h"})
	if err != nil || cfg.Has("password") || cfg.Password("password") != "" {
		t.Fatalf("optional key without default: has=%v err=%v", cfg.Has("password"), err)
	}
}

func TestParseErrorsNameEveryKey(t *testing.T) {
	_, err := spec.Parse(map[string]string{"port": "0", "ttl.ms": "soon", "tls": "yes", "mode": "merge", "ratio": "NaN"})
	if !errors.Is(err, connectors.ErrInvalidConfig) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{
		`Missing required configuration "host" which has no default value.`,
		"Invalid value 0 for configuration port: Value must be at least 1",
		"Invalid value soon for configuration ttl.ms: Not a number of type LONG",
		"Invalid value yes for configuration tls: Expected value to be either true or false",
		"Invalid value merge for configuration mode: String must be one of: upsert, append",
		"Invalid value NaN for configuration ratio: Not a number of type DOUBLE",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestValidateHidesPasswords(t *testing.T) {
	vals := spec.Validate(map[string]string{"host": "h", "password": "secret", "port": "99999"})
	byName := map[string]connectors.ConfigValue{}
	for _, v := range vals {
		byName[v.Name] = v
	}
	if *byName["password"].Value != connectors.HiddenValue {
		t.Fatalf("password shown as %q", *byName["password"].Value)
	}
	if *byName["ttl.ms"].Value != "3600000" || *byName["fields"].Value != "a,b" {
		t.Fatalf("defaults rendered as %q %q", *byName["ttl.ms"].Value, *byName["fields"].Value)
	}
	if len(byName["port"].Errors) != 1 || byName["port"].Errors[0] != "Invalid value 99999 for configuration port: Value must be no more than 65535" {
		t.Fatalf("port errors %v", byName["port"].Errors)
	}
	bad := spec.Validate(map[string]string{"host": "h", "password": "x"})
	for _, v := range bad {
		for _, e := range v.Errors {
			if strings.Contains(e, "x") && v.Name == "password" {
				t.Fatalf("password leaked in error %q", e)
			}
		}
	}
	pk, _ := spec.Key("password")
	if d, ok := pk.FormatDefault(); ok || d != "" {
		t.Fatalf("no default should render as null, got %q", d)
	}
}

func TestSpecConstructionErrors(t *testing.T) {
	cases := map[string][]connectors.ConfigKey{
		"duplicate":             {{Name: "a", Type: connectors.TypeString}, {Name: "a", Type: connectors.TypeInt}},
		"unknown type":          {{Name: "a", Type: "MAP"}},
		"default of wrong type": {{Name: "a", Type: connectors.TypeInt, Default: "x"}},
		"default fails check":   {{Name: "a", Type: connectors.TypeInt, Default: 0, Validators: []connectors.Validator{connectors.AtLeast(1)}}},
		"required with default": {{Name: "a", Type: connectors.TypeInt, Default: 1, Required: true}},
		"empty name":            {{Type: connectors.TypeInt}},
	}
	for name, keys := range cases {
		if _, err := connectors.NewConfigSpec(keys...); !errors.Is(err, connectors.ErrInvalidSpec) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestMergePrefixedGroups(t *testing.T) {
	m := connectors.CommonSpec.Merge(connectors.SinkSpec, spec)
	if _, ok := m.Key("topics"); !ok {
		t.Fatal("merge lost sink keys")
	}
	if g := m.Groups(); g[0] != "Common" || g[len(g)-1] != "Conn" {
		t.Fatalf("groups %v", g)
	}
	p := spec.Prefixed("transforms.x.", "Transforms: x")
	k, ok := p.Key("transforms.x.port")
	if !ok || k.Group != "Transforms: x" {
		t.Fatalf("prefixed key %+v", k)
	}
	if got := spec.PasswordKeys(); len(got) != 1 || got[0] != "password" {
		t.Fatalf("password keys %v", got)
	}
}

func TestMaskKeepsProviderReferences(t *testing.T) {
	out := connectors.Mask(map[string]string{"a.password": "pw", "b.password": "${file:/secrets:b}", "c": "plain"},
		func(k string) bool { return strings.HasSuffix(k, "password") })
	if out["a.password"] != connectors.HiddenValue || out["b.password"] != "${file:/secrets:b}" || out["c"] != "plain" {
		t.Fatalf("masked %v", out)
	}
}

func TestConfigGetterMisuseIsAProgrammingError(t *testing.T) {
	cfg, _ := spec.Parse(map[string]string{"host": "h"})
	for name, fn := range map[string]func(){
		"undeclared": func() { cfg.String("nope") },
		"wrong type": func() { cfg.Int("host") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			fn()
		}()
	}
}
