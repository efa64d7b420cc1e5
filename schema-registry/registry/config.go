package registry

import (
	"context"
)

// effectiveLevel is the compatibility level that governs subject and where
// it comes from. Callers hold r.mu.
func (r *Registry) effectiveLevel(subject string) (string, LevelSource) {
	if c, ok := r.st.configs[subject]; ok && subject != "" && c.Compatibility != "" {
		return c.Compatibility, FromSubject
	}
	if c, ok := r.st.configs[""]; ok && c.Compatibility != "" {
		return c.Compatibility, FromGlobal
	}
	return r.cfg.defaultLevel, FromDefault
}

// normalizeFor reports whether config asks to normalize schemas of subject.
// Callers hold r.mu.
func (r *Registry) normalizeFor(subject string) bool {
	if c, ok := r.st.configs[subject]; ok && c.Normalize != nil {
		return *c.Normalize
	}
	if c, ok := r.st.configs[""]; ok && c.Normalize != nil {
		return *c.Normalize
	}
	return false
}

// effectiveMode is the mode that governs subject. Callers hold r.mu.
func (r *Registry) effectiveMode(subject string) string {
	if m, ok := r.st.modes[subject]; ok && subject != "" {
		return m
	}
	if m, ok := r.st.modes[""]; ok {
		return m
	}
	return ModeReadWrite
}

// Config returns the compatibility config of subject ("" for the global
// one). Without a subject-level config it answers 40408, or with
// defaultToGlobal the global config. The global config always has a level:
// the server default when none was set.
func (r *Registry) Config(subject string, defaultToGlobal bool) (Config, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if subject != "" {
		if c, ok := r.st.configs[subject]; ok {
			// A subject config may set only normalize; its level is then
			// the one that applies.
			c.Compatibility, _ = r.effectiveLevel(subject)
			return c, nil
		}
		if !defaultToGlobal {
			return Config{}, newError(ErrNoSubjectConfig,
				"Subject '%s' does not have subject-level compatibility configured", subject)
		}
	}
	c := r.st.configs[""]
	if c.Compatibility == "" {
		c.Compatibility = r.cfg.defaultLevel
	}
	return c, nil
}

// SetConfig sets the compatibility config of subject ("" for global). An
// empty level with a Normalize setting keeps the current level.
func (r *Registry) SetConfig(ctx context.Context, subject string, c Config) (Config, error) {
	if c.Compatibility == "" && c.Normalize == nil {
		_, err := normalizeLevel("")
		return Config{}, err
	}
	if c.Compatibility != "" {
		lvl, err := normalizeLevel(c.Compatibility)
		if err != nil {
			return Config{}, err
		}
		c.Compatibility = lvl
	}
	if err := validateScope(subject); err != nil {
		return Config{}, err
	}
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	r.mu.RLock()
	if old, ok := r.st.configs[subject]; ok && c.Compatibility == "" {
		c.Compatibility = old.Compatibility
	}
	r.mu.RUnlock()
	if _, err := r.write(ctx, encodeSubjectKey(KeyConfig, subject), encodeConfigValue(subject, c)); err != nil {
		return Config{}, err
	}
	return c, nil
}

// DeleteConfig removes the config of subject ("" for global) and returns
// it. A subject without one answers 40401, as upstream does.
func (r *Registry) DeleteConfig(ctx context.Context, subject string) (Config, error) {
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	if err := r.Sync(ctx); err != nil {
		return Config{}, err
	}
	r.mu.RLock()
	old, ok := r.st.configs[subject]
	r.mu.RUnlock()
	if !ok && subject != "" {
		return Config{}, subjectNotFound(subject)
	}
	if !ok || old.Compatibility == "" {
		old.Compatibility = r.cfg.defaultLevel
	}
	if _, err := r.write(ctx, encodeSubjectKey(KeyConfig, subject), nil); err != nil {
		return Config{}, err
	}
	return old, nil
}

// Mode returns the mode of subject ("" for global): 40409 without a
// subject-level mode, unless defaultToGlobal.
func (r *Registry) Mode(subject string, defaultToGlobal bool) (string, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if subject != "" {
		if m, ok := r.st.modes[subject]; ok {
			return m, nil
		}
		if !defaultToGlobal {
			return "", newError(ErrNoSubjectMode, "Subject '%s' does not have subject-level mode configured", subject)
		}
	}
	return r.effectiveMode(""), nil
}

// SetMode sets the mode of subject ("" for global). Entering IMPORT while
// the scope has live subjects is refused unless force.
func (r *Registry) SetMode(ctx context.Context, subject, mode string, force bool) (string, error) {
	m, err := ParseMode(mode)
	if err != nil {
		return "", err
	}
	if err := validateScope(subject); err != nil {
		return "", err
	}
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	if err := r.Sync(ctx); err != nil {
		return "", err
	}
	r.mu.RLock()
	entering := m == ModeImport && r.effectiveMode(subject) != ModeImport
	occupied := r.hasLiveSubjects(subject)
	r.mu.RUnlock()
	if entering && !force {
		if occupied {
			return "", newError(ErrNotPermitted, "Cannot import since found existing subjects")
		}
		// Soft-deleted versions would block imported ones from taking
		// their numbers; upstream clears them the same way.
		if _, err := r.write(ctx, encodeSubjectKey(KeyClearSubject, subject), encodeClearSubjectValue(subject)); err != nil {
			return "", err
		}
	}
	if _, err := r.write(ctx, encodeSubjectKey(KeyMode, subject), encodeModeValue(subject, m)); err != nil {
		return "", err
	}
	return m, nil
}

// DeleteMode removes the mode of subject ("" for global) and returns it.
func (r *Registry) DeleteMode(ctx context.Context, subject string) (string, error) {
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	if err := r.Sync(ctx); err != nil {
		return "", err
	}
	r.mu.RLock()
	old, ok := r.st.modes[subject]
	r.mu.RUnlock()
	if !ok && subject != "" {
		return "", subjectNotFound(subject)
	}
	if !ok {
		old = ModeReadWrite
	}
	if _, err := r.write(ctx, encodeSubjectKey(KeyMode, subject), nil); err != nil {
		return "", err
	}
	return old, nil
}

// hasLiveSubjects reports whether subject (or, for "", any subject) has a
// live version. Callers hold r.mu.
func (r *Registry) hasLiveSubjects(subject string) bool {
	if subject != "" {
		return len(r.st.versionList(subject, false)) > 0
	}
	for name := range r.st.subjects {
		if len(r.st.versionList(name, false)) > 0 {
			return true
		}
	}
	return false
}
