package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/cel-go/cel"
	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

// costLimit bounds the work one expression may do per event, so a rule
// iterating a huge attributes map cannot stall the proxy.
const costLimit = 100_000

// Request is the context an event arrived with.
type Request struct {
	API         string // "v2", "v3" or "sdk"
	UserAgent   string
	RemoteAddr  string
	Origin      string
	Principal   string // the API key's storefront; "" without API keys
	ContentType string
	ReceivedAt  time.Time

	vars map[string]any
}

func (r *Request) celVars() map[string]any {
	if r.vars == nil {
		r.vars = map[string]any{
			"api": r.API, "user_agent": r.UserAgent, "remote_addr": r.RemoteAddr, "origin": r.Origin,
			"principal": r.Principal, "content_type": r.ContentType, "received_ms": r.ReceivedAt.UnixMilli(),
		}
	}
	return r.vars
}

// Position is where Kafka stored a record.
type Position struct {
	Partition int32
	Offset    int64
}

// Decision is the verdict on one event.
type Decision struct {
	Action Action // Pass, Drop, DLQ or Retry
	Rule   string // the deciding rule; "" for Pass
	Reason string
	// Tags were added by tag rules (also on Pass).
	Tags map[string]string
	// Original is, for a duplicate, where the first copy was stored.
	Original *Position

	// The duplicate-window claims the event holds: the first inline, as
	// rule sets rarely have two duplicate rules.
	first   claim
	claimed bool
	more    []claim
}

func (d *Decision) claim(c claim) {
	if !d.claimed {
		d.first, d.claimed = c, true
		return
	}
	d.more = append(d.more, c)
}

// Settle must be called once for a Pass decision when the event's write is
// known: stored with its position, or failed. It is a no-op for other
// actions (the engine already released what they held).
func (d *Decision) Settle(stored bool, pos Position) {
	if d.claimed {
		d.first.settle(stored, pos)
	}
	for i := range d.more {
		d.more[i].settle(stored, pos)
	}
	d.first, d.claimed, d.more = claim{}, false, nil
}

type rule struct {
	name   string
	action Action
	reason string
	tags   map[string]string
	when   cel.Program
	check  check
}

// Engine is one compiled rule list; it is immutable and safe for concurrent
// use (built-in state is internally synchronised).
type Engine struct {
	rules []rule
	m     *ruleMetrics
	// fields are the event fields some rule reads; allFields when a rule
	// uses the event as a whole. Callers build only those for Evaluate.
	fields      map[string]bool
	allFields   bool
	expressions bool
}

// Needs reports whether a rule reads the event field name. Evaluate may be
// given an event map holding only the needed fields.
func (e *Engine) Needs(name string) bool { return e.allFields || e.fields[name] }

// Names lists the rules in evaluation order.
func (e *Engine) Names() []string {
	out := make([]string, len(e.rules))
	for i, r := range e.rules {
		out[i] = r.name
	}
	return out
}

func newEnv() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("event", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("request", cel.MapType(cel.StringType, cel.DynType)),
		cel.Function("is_bot", cel.Overload("is_bot_string", []*cel.Type{cel.StringType}, cel.BoolType,
			cel.UnaryBinding(func(v ref.Val) ref.Val {
				s, _ := v.Value().(string)
				return types.Bool(matchBot(s, BotPatterns) != "")
			}))),
		cel.Function("is_uuid", cel.Overload("is_uuid_string", []*cel.Type{cel.StringType}, cel.BoolType,
			cel.UnaryBinding(func(v ref.Val) ref.Val {
				s, _ := v.Value().(string)
				return types.Bool(avro.IsUUID(s))
			}))),
	)
}

// compile builds an engine from parsed specs; errors name the line.
func compile(env *cel.Env, specs []ruleSpec, st *state, m *ruleMetrics, file string) (*Engine, error) {
	e := &Engine{m: m, fields: map[string]bool{}}
	for i := range specs {
		s := &specs[i]
		r := rule{name: s.Name, action: Action(s.Action), reason: s.Reason, tags: s.Tags}
		if strings.TrimSpace(s.When) != "" {
			prg, err := compileWhen(env, s, file, e)
			if err != nil {
				return nil, err
			}
			r.when = prg
			e.expressions = true
		}
		for _, f := range builtinFields[s.Builtin] {
			e.fields[f] = true
		}
		if s.Builtin != "" {
			c, err := newCheck(s, st)
			if err != nil {
				return nil, &FileError{File: file, Line: s.line, Rule: s.Name, Reason: err.Error()}
			}
			r.check = c
		} else if s.hasWindow || s.Capacity != 0 || len(s.Patterns) > 0 || len(s.EventTypes) > 0 {
			return nil, &FileError{File: file, Line: s.line, Rule: s.Name,
				Reason: "window, capacity, patterns and event_types apply only to builtins"}
		}
		e.rules = append(e.rules, r)
	}
	return e, nil
}

func compileWhen(env *cel.Env, s *ruleSpec, file string, e *Engine) (cel.Program, error) {
	ast, iss := env.Compile(s.When)
	if iss != nil && iss.Err() != nil {
		errs := iss.Errors()
		// An error at the end of input sits on the line after a block
		// scalar's last one; point at the last line of the text instead.
		lastLine := strings.Count(strings.TrimRight(s.When, " \t\r\n"), "\n") + 1
		line, msgs := s.whenLine, make([]string, 0, len(errs))
		for i, ce := range errs {
			if i == 0 && ce.Location != nil && ce.Location.Line() > 0 {
				line = s.whenLine + min(ce.Location.Line(), lastLine) - 1
			}
			msgs = append(msgs, fmt.Sprintf("%s (column %d of the expression)", ce.Message, ce.Location.Column()+1))
		}
		return nil, &FileError{File: file, Line: line, Rule: s.Name, Reason: "when: " + strings.Join(msgs, "; ")}
	}
	if t := ast.OutputType(); !t.IsExactType(cel.BoolType) && !t.IsExactType(cel.DynType) {
		return nil, &FileError{File: file, Line: s.whenLine, Rule: s.Name,
			Reason: fmt.Sprintf("when must be a boolean expression, it gives %s", t)}
	}
	noteFields(ast, e)
	prg, err := env.Program(ast, cel.CostLimit(costLimit), cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, &FileError{File: file, Line: s.whenLine, Rule: s.Name, Reason: "when: " + err.Error()}
	}
	return prg, nil
}

// noteFields records which event fields an expression selects. Any other
// use of event (indexing, passing it whole, iterating it) needs them all.
func noteFields(a *cel.Ast, e *Engine) {
	idents, selects := 0, 0
	celast.PreOrderVisit(a.NativeRep().Expr(), celast.NewExprVisitor(func(x celast.Expr) {
		switch x.Kind() {
		case celast.IdentKind:
			if x.AsIdent() == "event" {
				idents++
			}
		case celast.SelectKind:
			sel := x.AsSelect()
			if op := sel.Operand(); op.Kind() == celast.IdentKind && op.AsIdent() == "event" {
				selects++
				e.fields[sel.FieldName()] = true
			}
		}
	}))
	if idents > selects {
		e.allFields = true
	}
}

// Evaluate runs the rules over an event map. ev must not be modified
// concurrently.
func (e *Engine) Evaluate(ev map[string]any, req *Request) Decision {
	event := EventOf(ev)
	return e.EvaluateEvent(&event, req)
}

// HasExpressions reports whether some rule has a when-expression, the only
// rules that read Event.Fields.
func (e *Engine) HasExpressions() bool { return e.expressions }

// EvaluateEvent runs the rules over ev.
func (e *Engine) EvaluateEvent(ev *Event, req *Request) Decision {
	var d Decision
	now := req.ReceivedAt.UnixMilli()
	var act *activation
	for i := range e.rules {
		r := &e.rules[i]
		if r.when != nil {
			if act == nil {
				act = &activation{ev: ev, request: req.celVars()}
			}
			out, _, err := r.when.Eval(act)
			if err != nil {
				e.m.errors.WithLabelValues(r.name).Inc()
				continue
			}
			if b, ok := out.Value().(bool); !ok || !b {
				if !ok {
					e.m.errors.WithLabelValues(r.name).Inc()
				}
				continue
			}
		}
		reason := r.reason
		var o outcome
		if r.check != nil {
			o = r.check.eval(ev, req, now)
			if o.claimed {
				d.claim(o.claim)
			}
			if o.retry {
				d.Settle(false, Position{})
				return Decision{Action: Retry, Rule: r.name, Reason: o.reason, Tags: d.Tags}
			}
			if !o.hit {
				continue
			}
			if reason == "" {
				reason = o.reason
			}
		}
		if reason == "" {
			reason = "matched rule " + r.name
		}
		e.m.matches.WithLabelValues(r.name, string(r.action)).Inc()
		if r.action == Tag {
			if d.Tags == nil {
				d.Tags = make(map[string]string, len(r.tags))
			}
			for k, v := range r.tags {
				d.Tags[k] = v
			}
			continue
		}
		// The event will not be stored: release any duplicate-window claim.
		d.Settle(false, Position{})
		d.Action, d.Rule, d.Reason, d.Original = r.action, r.name, reason, o.original
		return d
	}
	return d
}
