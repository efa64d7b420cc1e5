package connectors

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

// Validator checks a parsed config value. Messages follow Kafka's
// validators so that UIs written against Kafka Connect read naturally.
type Validator interface {
	Validate(v any) error
	// String describes the valid values for documentation.
	String() string
}

type validatorFunc struct {
	fn   func(any) error
	desc string
}

func (v validatorFunc) Validate(x any) error { return v.fn(x) }
func (v validatorFunc) String() string       { return v.desc }

// ValidatorFunc adapts fn; desc documents the valid values.
func ValidatorFunc(desc string, fn func(any) error) Validator {
	return validatorFunc{fn: fn, desc: desc}
}

func asFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// AtLeast requires a number >= lo.
func AtLeast(lo float64) Validator {
	return validatorFunc{desc: fmt.Sprintf("[%v,...]", lo), fn: func(v any) error {
		if f, ok := asFloat(v); ok && f < lo {
			return fmt.Errorf("Value must be at least %v", lo)
		}
		return nil
	}}
}

// Between requires lo <= number <= hi.
func Between(lo, hi float64) Validator {
	return validatorFunc{desc: fmt.Sprintf("[%v,...,%v]", lo, hi), fn: func(v any) error {
		f, ok := asFloat(v)
		if ok && f < lo {
			return fmt.Errorf("Value must be at least %v", lo)
		}
		if ok && f > hi {
			return fmt.Errorf("Value must be no more than %v", hi)
		}
		return nil
	}}
}

// OneOf requires a string among allowed (case-sensitive, as Kafka's
// ValidString).
func OneOf(allowed ...string) Validator {
	list := strings.Join(allowed, ", ")
	return validatorFunc{desc: "[" + list + "]", fn: func(v any) error {
		s, _ := v.(string)
		for _, a := range allowed {
			if s == a {
				return nil
			}
		}
		return fmt.Errorf("String must be one of: %s", list)
	}}
}

// NonEmptyString requires a string with a non-blank character and no
// control characters.
func NonEmptyString() Validator {
	return validatorFunc{desc: "non-empty string without ISO control characters", fn: func(v any) error {
		s, _ := v.(string)
		if strings.TrimSpace(s) == "" {
			return errors.New("String may not be empty")
		}
		for _, r := range s {
			if unicode.IsControl(r) {
				return errors.New("String may not contain control sequences")
			}
		}
		return nil
	}}
}

// ValidRegex requires a string that compiles as a regular expression (RE2
// syntax); empty is allowed.
func ValidRegex() Validator {
	return validatorFunc{desc: "valid regex", fn: func(v any) error {
		s, _ := v.(string)
		if s == "" {
			return nil
		}
		if _, err := regexp.Compile(s); err != nil {
			return fmt.Errorf("Invalid regex: %v", err)
		}
		return nil
	}}
}

// NonEmptyList requires a LIST with at least one non-blank element.
func NonEmptyList() Validator {
	return validatorFunc{desc: "non-empty list", fn: func(v any) error {
		l, _ := v.([]string)
		if len(l) == 0 {
			return errors.New("Empty list")
		}
		for _, e := range l {
			if e == "" {
				return errors.New("Empty element in list")
			}
		}
		return nil
	}}
}

// URLList requires a LIST of absolute http(s) URLs.
func URLList() Validator {
	return validatorFunc{desc: "list of http(s) URLs", fn: func(v any) error {
		l, _ := v.([]string)
		if len(l) == 0 {
			return errors.New("Empty list")
		}
		for _, e := range l {
			u, err := url.Parse(e)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("Expected a list of http(s) URLs, %q is not one", e)
			}
		}
		return nil
	}}
}
