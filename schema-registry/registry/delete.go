package registry

import (
	"context"
)

// DeleteSubject deletes a subject's versions and returns their numbers. A
// soft delete (the default) keeps every id resolvable and the subject's
// config and mode; a permanent delete is allowed only after a soft delete
// and also removes config and mode. Versions other schemas reference cannot
// be deleted either way.
func (r *Registry) DeleteSubject(ctx context.Context, subject string, permanent bool) ([]int, error) {
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	if err := r.Sync(ctx); err != nil {
		return nil, err
	}
	r.mu.RLock()
	targets, err := r.planSubjectDelete(subject, permanent)
	_, hasConfig := r.st.configs[subject]
	_, hasMode := r.st.modes[subject]
	r.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	if !permanent {
		upTo := targets[len(targets)-1]
		if _, err := r.write(ctx, encodeSubjectKey(KeyDeleteSubject, subject), encodeDeleteSubjectValue(subject, upTo)); err != nil {
			return nil, err
		}
		return targets, nil
	}
	for _, v := range targets {
		if _, err := r.write(ctx, encodeSchemaKey(subject, v), nil); err != nil {
			return nil, err
		}
	}
	if err := r.dropSubjectSettings(ctx, subject, hasConfig, hasMode); err != nil {
		return nil, err
	}
	return targets, nil
}

func (r *Registry) planSubjectDelete(subject string, permanent bool) ([]int, error) {
	mode := r.effectiveMode(subject)
	if mode == ModeReadOnly || mode == ModeReadOnlyOverride {
		return nil, readOnly(subject)
	}
	all := r.st.versionList(subject, true)
	if len(all) == 0 {
		return nil, subjectNotFound(subject)
	}
	live := r.st.versionList(subject, false)
	switch {
	case !permanent && len(live) == 0:
		return nil, newError(ErrSubjectSoftDeleted,
			"Subject '%s' was soft deleted.Set permanent=true to delete permanently", subject)
	case permanent && len(live) > 0:
		return nil, newError(ErrSubjectNotSoftDeleted,
			"Subject '%s' was not deleted first before being permanently deleted", subject)
	}
	targets := live
	if permanent {
		targets = all
	}
	for _, v := range targets {
		if len(r.st.referencedBy(subject, v)) > 0 {
			return nil, referencesExist(subject, v)
		}
	}
	return targets, nil
}

// DeleteVersion deletes one version (or Latest) of a subject and returns
// its number, with the same soft-then-permanent rule as DeleteSubject.
func (r *Registry) DeleteVersion(ctx context.Context, subject string, version int, permanent bool) (int, error) {
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	if err := r.Sync(ctx); err != nil {
		return 0, err
	}
	r.mu.RLock()
	sv, err := r.planVersionDelete(subject, version, permanent)
	_, hasConfig := r.st.configs[subject]
	_, hasMode := r.st.modes[subject]
	last := len(r.st.versionList(subject, true)) == 1
	r.mu.RUnlock()
	if err != nil {
		return 0, err
	}
	if !permanent {
		sv.Deleted = true
		rec := SchemaRecord{Subject: subject, Version: sv.Version, ID: sv.ID, SchemaType: sv.SchemaType,
			References: sv.References, Schema: sv.Schema, Deleted: true}
		if _, err := r.write(ctx, encodeSchemaKey(subject, sv.Version), encodeSchemaValue(rec)); err != nil {
			return 0, err
		}
		return sv.Version, nil
	}
	if _, err := r.write(ctx, encodeSchemaKey(subject, sv.Version), nil); err != nil {
		return 0, err
	}
	if last {
		if err := r.dropSubjectSettings(ctx, subject, hasConfig, hasMode); err != nil {
			return 0, err
		}
	}
	return sv.Version, nil
}

func (r *Registry) planVersionDelete(subject string, version int, permanent bool) (SchemaVersion, error) {
	mode := r.effectiveMode(subject)
	if mode == ModeReadOnly || mode == ModeReadOnlyOverride {
		return SchemaVersion{}, readOnly(subject)
	}
	// Latest means the newest live version for a soft delete and the
	// newest of any kind for a permanent one.
	sv, err := r.versionLocked(subject, version, true)
	if version == Latest && !permanent {
		sv, err = r.versionLocked(subject, version, false)
		if err != nil && len(r.st.versionList(subject, true)) > 0 {
			return SchemaVersion{}, newError(ErrVersionNotFound, "Version latest not found.")
		}
	}
	if err != nil {
		return SchemaVersion{}, err
	}
	if !permanent && sv.Deleted {
		return SchemaVersion{}, newError(ErrVersionSoftDeleted,
			"Subject '%s' Version %d was soft deleted.Set permanent=true to delete permanently", subject, sv.Version)
	}
	if len(r.st.referencedBy(subject, sv.Version)) > 0 {
		return SchemaVersion{}, referencesExist(subject, sv.Version)
	}
	if permanent && !sv.Deleted {
		return SchemaVersion{}, newError(ErrVersionNotSoftDeleted,
			"Subject '%s' Version %d was not deleted first before being permanently deleted", subject, sv.Version)
	}
	return sv, nil
}

// dropSubjectSettings removes a subject's config and mode once it has no
// versions left.
func (r *Registry) dropSubjectSettings(ctx context.Context, subject string, hasConfig, hasMode bool) error {
	if hasConfig {
		if _, err := r.write(ctx, encodeSubjectKey(KeyConfig, subject), nil); err != nil {
			return err
		}
	}
	if hasMode {
		if _, err := r.write(ctx, encodeSubjectKey(KeyMode, subject), nil); err != nil {
			return err
		}
	}
	return nil
}
