package registry

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/schema-registry/compat"
)

// ValidateSubject refuses names upstream refuses: empty, not UTF-8, or
// holding control characters.
func ValidateSubject(subject string) error {
	if strings.TrimSpace(subject) == "" || !utf8.ValidString(subject) ||
		strings.IndexFunc(subject, unicode.IsControl) >= 0 {
		return newError(ErrInvalidSubject, "The specified subject '%s' is not a valid.", subject)
	}
	return nil
}

func validateScope(subject string) error {
	if subject == "" {
		return nil
	}
	return ValidateSubject(subject)
}

// Register registers a schema under subject and returns its global id. An
// identical schema already live under the subject returns its id without a
// write; one registered under another subject keeps its id. Otherwise the
// schema must pass the subject's compatibility level (not checked in
// IMPORT mode) and becomes version max+1, where deleted versions count.
//
// The record goes through the log, and Register answers once this process
// has applied it. If another process took the id or version first, every
// process rejects the record; Register sees that and retries with fresh
// numbers.
func (r *Registry) Register(ctx context.Context, subject string, in SchemaInput, opt RegisterOptions) (int, error) {
	if err := ValidateSubject(subject); err != nil {
		return 0, err
	}
	// Most registrations repeat one that exists (serializers register on
	// start); answer those from state without a log round trip.
	if id, ok, err := r.existing(subject, in, opt); err != nil || ok {
		return id, err
	}
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	if err := r.Sync(ctx); err != nil {
		return 0, err
	}
	for attempt := 1; attempt <= r.cfg.maxRetries; attempt++ {
		p, err := r.plan(subject, in, opt)
		if err != nil || p.record == nil {
			return p.id, err
		}
		off, err := r.write(ctx, encodeSchemaKey(subject, p.record.Version), encodeSchemaValue(*p.record))
		if err != nil {
			return 0, err
		}
		if why, rejected := r.wasRejected(off); rejected {
			r.cfg.logger.Info("registration lost a race with another writer; retrying",
				zap.String("subject", subject), zap.Int("attempt", attempt), zap.String("reason", why))
			continue
		}
		// As upstream: a soft-deleted older version holding the same id is
		// superseded by the new one, so tombstone it.
		for _, v := range p.supersedes {
			if _, err := r.write(ctx, encodeSchemaKey(subject, v), nil); err != nil {
				r.cfg.logger.Warn("tombstoning a superseded soft-deleted version", zap.String("subject", subject),
					zap.Int("version", v), zap.Error(err))
			}
		}
		return p.id, nil
	}
	return 0, newError(ErrStore, "Error while registering the schema: another writer took its id or version %d times in a row",
		r.cfg.maxRetries)
}

func (r *Registry) existing(subject string, in SchemaInput, opt RegisterOptions) (int, bool, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	normalize := opt.Normalize || r.normalizeFor(subject)
	c, err := r.st.prepare(in, normalize, r.cfg.maxSchemaBytes)
	if err != nil {
		return 0, false, err
	}
	if _, ve := r.st.findInSubject(subject, c, normalize, false); ve != nil {
		if opt.ID > 0 && opt.ID != ve.id {
			return 0, false, newError(ErrIDMismatch, "Schema already registered with id %d instead of input id %d", ve.id, opt.ID)
		}
		return ve.id, true, nil
	}
	return 0, false, nil
}

// registration is what plan decided: either an id to answer with (record
// nil), or a record to write and the versions it supersedes.
type registration struct {
	id         int
	record     *SchemaRecord
	supersedes []int
}

func (r *Registry) plan(subject string, in SchemaInput, opt RegisterOptions) (registration, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	mode := r.effectiveMode(subject)
	if mode == ModeReadOnly || mode == ModeReadOnlyOverride {
		return registration{}, readOnly(subject)
	}
	normalize := opt.Normalize || r.normalizeFor(subject)
	c, err := r.st.prepare(in, normalize, r.cfg.maxSchemaBytes)
	if err != nil {
		return registration{}, err
	}
	if _, ve := r.st.findInSubject(subject, c, normalize, false); ve != nil {
		if opt.ID > 0 && opt.ID != ve.id {
			return registration{}, newError(ErrIDMismatch, "Schema already registered with id %d instead of input id %d", ve.id, opt.ID)
		}
		return registration{id: ve.id}, nil
	}
	explicit := opt.ID > 0 || opt.Version > 0
	if explicit && mode != ModeImport {
		return registration{}, newError(ErrNotPermitted, "Subject %s is not in import mode", subject)
	}
	if !explicit && mode != ModeReadWrite {
		return registration{}, newError(ErrNotPermitted, "Subject %s is not in read-write mode", subject)
	}
	id, err := r.pickID(c, opt.ID)
	if err != nil {
		return registration{}, err
	}
	version := r.st.latest(subject, true) + 1
	if opt.Version > 0 {
		if ve := r.st.version(subject, opt.Version); ve != nil && ve.id != id {
			return registration{}, newError(ErrNotPermitted,
				"Overwrite new schema with version %d not permitted: it holds schema id %d", opt.Version, ve.id)
		}
		version = opt.Version
	}
	if mode != ModeImport {
		res := r.checkLocked(subject, c, r.st.versionList(subject, false))
		r.m.check(res.Compatible, "register")
		if !res.Compatible {
			return registration{}, &IncompatibleError{Subject: subject, Check: res}
		}
	}
	text := c.text
	if bound := r.st.ids[id]; bound != nil {
		// A reused id is written with the text it is bound to, which
		// another writer may have stored in a non-canonical form: every
		// process compares stored texts when it applies the record.
		text = bound.text
	}
	p := registration{id: id, record: &SchemaRecord{Subject: subject, Version: version, ID: id,
		SchemaType: c.schemaType, References: c.refs, Schema: text}}
	for _, v := range r.st.versionList(subject, true) {
		if ve := r.st.version(subject, v); ve.deleted && ve.id == id && v < version {
			p.supersedes = append(p.supersedes, v)
		}
	}
	return p, nil
}

// pickID reuses the id bound to the same schema, takes the requested one,
// or takes max+1. Ids are never rebound to a different schema.
func (r *Registry) pickID(c *candidate, requested int) (int, error) {
	bound, ok := r.st.byKey[c.identity]
	if !ok {
		bound, ok = r.st.byKey[c.canonKey]
	}
	if ok {
		if requested > 0 && requested != bound {
			return 0, newError(ErrIDMismatch, "Schema already registered with id %d instead of input id %d", bound, requested)
		}
		return bound, nil
	}
	if requested > 0 {
		if ie := r.st.ids[requested]; ie != nil {
			return 0, newError(ErrNotPermitted, "Overwrite new schema with id %d not permitted.", requested)
		}
		return requested, nil
	}
	return r.st.maxID + 1, nil
}

// checkLocked checks the candidate against the given versions (ascending)
// under the subject's effective level. Callers hold r.mu.
func (r *Registry) checkLocked(subject string, c *candidate, versions []int) CompatibilityResult {
	level, source := r.effectiveLevel(subject)
	out := CompatibilityResult{Compatible: true, Level: level, LevelSource: source}
	lvl, err := compat.ParseLevel(level)
	if err != nil {
		// Levels are validated before they are stored; a foreign record
		// with a bad level is skipped on apply. Nothing to check against.
		return out
	}
	previous := make([]compat.Version, 0, len(versions))
	for _, v := range versions {
		ie := r.st.ids[r.st.version(subject, v).id]
		if ie.parsed != nil {
			previous = append(previous, compat.Version{Version: v, Schema: ie.parsed})
		}
	}
	res := compat.Check(lvl, c.parsed, previous)
	out.Compatible, out.Messages, out.OldVersion = res.Compatible, res.Messages, res.OldVersion
	if !res.Compatible {
		out.Summary = res.Summary()
	}
	return out
}

// CheckCompatibility checks a schema against one version of subject
// (version > 0 or Latest) or, with version 0, against all live versions
// under the subject's level. A subject without live versions is compatible
// with anything when checked against Latest or all versions.
func (r *Registry) CheckCompatibility(subject string, version int, in SchemaInput, normalize bool) (CompatibilityResult, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	normalize = normalize || r.normalizeFor(subject)
	c, err := r.st.prepare(in, normalize, r.cfg.maxSchemaBytes)
	if err != nil {
		return CompatibilityResult{}, err
	}
	live := r.st.versionList(subject, false)
	var against []int
	switch {
	case version == 0:
		against = live
	case version == Latest:
		if len(live) > 0 {
			against = live[len(live)-1:]
		}
	default:
		if ve := r.st.version(subject, version); ve == nil || ve.deleted {
			return CompatibilityResult{}, versionNotFound(version)
		}
		against = []int{version}
	}
	res := r.checkLocked(subject, c, against)
	r.m.check(res.Compatible, "check")
	return res, nil
}
