package rules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Actions a rule can take.
type Action string

const (
	// Pass lets the event through (possibly with tags).
	Pass Action = ""
	// Drop discards the event; the client is told it was accepted.
	Drop Action = "drop"
	// DLQ writes the event as received to the dead-letter topic.
	DLQ Action = "dlq"
	// Tag adds tags and continues with the next rule.
	Tag Action = "tag"
	// Retry is never written in a file: the engine answers it when an event
	// with the same event_id is being written right now, so the client must
	// retry rather than be told "duplicate" of a write that may still fail.
	Retry Action = "retry"
)

// ruleSpec is one rule as written in the file.
type ruleSpec struct {
	Name       string            `yaml:"name"`
	Builtin    string            `yaml:"builtin"`
	When       string            `yaml:"when"`
	Action     string            `yaml:"action"`
	Reason     string            `yaml:"reason"`
	Tags       map[string]string `yaml:"tags"`
	Window     string            `yaml:"window"`
	Capacity   int               `yaml:"capacity"`
	Patterns   []string          `yaml:"patterns"`
	EventTypes []string          `yaml:"event_types"`

	line      int // of the rule
	whenLine  int // of the first line of the expression
	window    time.Duration
	hasWindow bool
}

var knownKeys = map[string]bool{
	"name": true, "builtin": true, "when": true, "action": true, "reason": true, "tags": true,
	"window": true, "capacity": true, "patterns": true, "event_types": true,
}

var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)

var yamlLine = regexp.MustCompile(`line (\d+)`)

// parseSpec reads a rule file. Every error is a *FileError with a line.
func parseSpec(src []byte, file string) ([]ruleSpec, error) {
	fail := func(line int, rule, format string, args ...any) error {
		return &FileError{File: file, Line: line, Rule: rule, Reason: fmt.Sprintf(format, args...)}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		line := 0
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		return nil, fail(line, "", "%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(doc.Content) == 0 {
		return nil, fail(0, "", "file is empty; want a mapping with a rules list")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fail(root.Line, "", "top level must be a mapping with a rules list")
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		switch k := root.Content[i]; k.Value {
		case "rules":
			list = root.Content[i+1]
		default:
			return nil, fail(k.Line, "", "unknown top-level key %q (want rules)", k.Value)
		}
	}
	if list == nil {
		return nil, fail(root.Line, "", "missing the rules list")
	}
	if list.Kind != yaml.SequenceNode {
		return nil, fail(list.Line, "", "rules must be a list")
	}
	specs := make([]ruleSpec, 0, len(list.Content))
	seen := map[string]int{}
	for _, n := range list.Content {
		s, err := parseRule(n, fail)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[s.Name]; dup {
			return nil, fail(s.line, s.Name, "name already used by the rule at line %d", prev)
		}
		seen[s.Name] = s.line
		specs = append(specs, s)
	}
	return specs, nil
}

func parseRule(n *yaml.Node, fail func(int, string, string, ...any) error) (ruleSpec, error) {
	if n.Kind != yaml.MappingNode {
		return ruleSpec{}, fail(n.Line, "", "each rule must be a mapping")
	}
	s := ruleSpec{line: n.Line}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !knownKeys[k.Value] {
			return s, fail(k.Line, "", "unknown key %q (want one of name, builtin, when, action, reason, tags, window, capacity, patterns, event_types)", k.Value)
		}
		if k.Value == "when" {
			s.whenLine = v.Line
			if v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				s.whenLine++ // a block scalar's text starts below its indicator
			}
		}
	}
	if err := n.Decode(&s); err != nil {
		return s, fail(n.Line, "", "%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	switch {
	case s.Name == "":
		return s, fail(n.Line, "", "missing name")
	case !validName.MatchString(s.Name):
		return s, fail(n.Line, s.Name, "name must be lower case letters, digits, '_', '-' or '.', at most 63 characters")
	case s.Builtin == "" && strings.TrimSpace(s.When) == "":
		return s, fail(n.Line, s.Name, "needs a when expression or a builtin")
	}
	switch Action(s.Action) {
	case Drop, DLQ:
		if len(s.Tags) > 0 {
			return s, fail(n.Line, s.Name, "tags apply only to action tag")
		}
	case Tag:
		if len(s.Tags) == 0 {
			return s, fail(n.Line, s.Name, "action tag needs tags")
		}
		for k := range s.Tags {
			if !validName.MatchString(k) {
				return s, fail(n.Line, s.Name, "tag name %q must be lower case letters, digits, '_', '-' or '.'", k)
			}
		}
	case "":
		return s, fail(n.Line, s.Name, "missing action (drop, dlq or tag)")
	default:
		return s, fail(n.Line, s.Name, "unknown action %q (want drop, dlq or tag)", s.Action)
	}
	if s.Window != "" {
		d, err := time.ParseDuration(s.Window)
		if err != nil || d <= 0 {
			return s, fail(n.Line, s.Name, "window %q is not a positive duration such as 500ms or 10m", s.Window)
		}
		s.window, s.hasWindow = d, true
	}
	if s.Capacity < 0 {
		return s, fail(n.Line, s.Name, "capacity must be positive")
	}
	return s, nil
}
