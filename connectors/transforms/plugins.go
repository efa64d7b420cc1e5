package transforms

import "github.com/retailpulse/retailpulse/connectors"

const (
	pkg     = "org.apache.kafka.connect.transforms."
	predPkg = pkg + "predicates."
	// Version is reported for the built-in transforms.
	Version = "1.0.0"
)

// Plugins returns the transformation and predicate declarations.
func Plugins() []connectors.Plugin {
	t := func(class string, spec *connectors.ConfigSpec, fn func() connectors.Transformation) connectors.Plugin {
		return connectors.Plugin{Class: pkg + class, Type: connectors.PluginTransformation, Version: Version, Spec: spec, NewTransform: fn}
	}
	p := func(class string, spec *connectors.ConfigSpec, fn func() connectors.Predicate) connectors.Plugin {
		return connectors.Plugin{Class: predPkg + class, Type: connectors.PluginPredicate, Version: Version, Spec: spec, NewPredicate: fn}
	}
	return []connectors.Plugin{
		t("RegexRouter", RegexRouterSpec, func() connectors.Transformation { return &RegexRouter{} }),
		t("InsertField$Key", InsertFieldSpec, func() connectors.Transformation { return &InsertField{key: true} }),
		t("InsertField$Value", InsertFieldSpec, func() connectors.Transformation { return &InsertField{} }),
		t("ReplaceField$Key", ReplaceFieldSpec, func() connectors.Transformation { return &ReplaceField{key: true} }),
		t("ReplaceField$Value", ReplaceFieldSpec, func() connectors.Transformation { return &ReplaceField{} }),
		t("ExtractField$Key", ExtractFieldSpec, func() connectors.Transformation { return &ExtractField{key: true} }),
		t("ExtractField$Value", ExtractFieldSpec, func() connectors.Transformation { return &ExtractField{} }),
		t("Filter", connectors.MustConfigSpec(), func() connectors.Transformation { return Filter{} }),
		p("TopicNameMatches", TopicNameMatchesSpec, func() connectors.Predicate { return &TopicNameMatches{} }),
		p("HasHeaderKey", HasHeaderKeySpec, func() connectors.Predicate { return &HasHeaderKey{} }),
		p("RecordIsTombstone", connectors.MustConfigSpec(), func() connectors.Predicate { return RecordIsTombstone{} }),
	}
}

// operand returns the key or value side of rec.
func operand(rec *connectors.Record, key bool) (any, *connectors.Schema) {
	if key {
		return rec.Key, rec.KeySchema
	}
	return rec.Value, rec.ValueSchema
}

func setOperand(rec *connectors.Record, key bool, v any, s *connectors.Schema) {
	if key {
		rec.Key, rec.KeySchema = v, s
		return
	}
	rec.Value, rec.ValueSchema = v, s
}
