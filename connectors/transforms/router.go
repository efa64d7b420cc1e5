package transforms

import (
	"fmt"
	"regexp"

	"github.com/retailpulse/retailpulse/connectors"
)

// RegexRouterSpec is RegexRouter's config.
var RegexRouterSpec = connectors.MustConfigSpec(
	connectors.ConfigKey{Name: "regex", Type: connectors.TypeString, Required: true,
		Validators: []connectors.Validator{connectors.NonEmptyString(), connectors.ValidRegex()}, Importance: connectors.High,
		Documentation: "Regular expression to use for matching the whole topic name."},
	connectors.ConfigKey{Name: "replacement", Type: connectors.TypeString, Required: true, Importance: connectors.High,
		Documentation: "Replacement string; $1, $2 ... refer to groups of the regex."},
)

// RegexRouter renames topics that match regex as a whole.
type RegexRouter struct {
	re          *regexp.Regexp
	replacement string
}

// Configure implements connectors.Transformation.
func (r *RegexRouter) Configure(cfg *connectors.Config) error {
	re, err := regexp.Compile("^(?:" + cfg.String("regex") + ")$")
	if err != nil {
		return fmt.Errorf("configuring RegexRouter: %w", err)
	}
	r.re, r.replacement = re, cfg.String("replacement")
	return nil
}

// Apply implements connectors.Transformation.
func (r *RegexRouter) Apply(rec connectors.Record) (connectors.Record, bool, error) {
	if m := r.re.FindStringSubmatchIndex(rec.Topic); m != nil {
		rec.Topic = string(r.re.ExpandString(nil, r.replacement, rec.Topic, m))
	}
	return rec, true, nil
}

// Filter drops every record it is applied to; pair it with a predicate.
type Filter struct{}

// Configure implements connectors.Transformation.
func (Filter) Configure(*connectors.Config) error { return nil }

// Apply implements connectors.Transformation.
func (Filter) Apply(rec connectors.Record) (connectors.Record, bool, error) { return rec, false, nil }

// TopicNameMatchesSpec is TopicNameMatches' config.
var TopicNameMatchesSpec = connectors.MustConfigSpec(
	connectors.ConfigKey{Name: "pattern", Type: connectors.TypeString, Required: true,
		Validators: []connectors.Validator{connectors.NonEmptyString(), connectors.ValidRegex()}, Importance: connectors.Medium,
		Documentation: "A regular expression for matching the whole topic name."},
)

// TopicNameMatches is true for records whose topic matches pattern.
type TopicNameMatches struct{ re *regexp.Regexp }

// Configure implements connectors.Predicate.
func (p *TopicNameMatches) Configure(cfg *connectors.Config) error {
	re, err := regexp.Compile("^(?:" + cfg.String("pattern") + ")$")
	if err != nil {
		return fmt.Errorf("configuring TopicNameMatches: %w", err)
	}
	p.re = re
	return nil
}

// Test implements connectors.Predicate.
func (p *TopicNameMatches) Test(rec connectors.Record) bool { return p.re.MatchString(rec.Topic) }

// HasHeaderKeySpec is HasHeaderKey's config.
var HasHeaderKeySpec = connectors.MustConfigSpec(
	connectors.ConfigKey{Name: "name", Type: connectors.TypeString, Required: true,
		Validators: []connectors.Validator{connectors.NonEmptyString()}, Importance: connectors.Medium,
		Documentation: "The header name."},
)

// HasHeaderKey is true for records with at least one header called name.
type HasHeaderKey struct{ name string }

// Configure implements connectors.Predicate.
func (p *HasHeaderKey) Configure(cfg *connectors.Config) error {
	p.name = cfg.String("name")
	return nil
}

// Test implements connectors.Predicate.
func (p *HasHeaderKey) Test(rec connectors.Record) bool {
	_, ok := rec.Header(p.name)
	return ok
}

// RecordIsTombstone is true for records with a null value.
type RecordIsTombstone struct{}

// Configure implements connectors.Predicate.
func (RecordIsTombstone) Configure(*connectors.Config) error { return nil }

// Test implements connectors.Predicate.
func (RecordIsTombstone) Test(rec connectors.Record) bool { return rec.Value == nil }
