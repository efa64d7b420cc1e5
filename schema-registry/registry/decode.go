package registry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
)

// Entry is one decoded _schemas record.
type Entry struct {
	KeyType string
	// Subject is the key's subject; "" is the global scope of CONFIG, MODE
	// and CLEAR_SUBJECT.
	Subject string
	// Version is the SCHEMA key's version.
	Version int
	// Tombstone is a null (or empty) value: a hard delete for SCHEMA, a
	// removal for CONFIG and MODE.
	Tombstone bool
	// Exactly one of the following is set for a non-tombstone, by keytype.
	Schema     *SchemaRecord
	Config     *Config
	Mode       string
	DeleteUpTo int
}

// SchemaRecord is the value of a SCHEMA record.
type SchemaRecord struct {
	Subject    string
	Version    int
	ID         int
	SchemaType string
	References []Reference
	Schema     string
	Deleted    bool
}

// DecodeRecord decodes a _schemas key and value in the upstream JSON formats.
// It accepts what Confluent Schema Registry and Karapace write (any property
// order, unknown properties, the global subject as null or absent) and
// returns an error wrapping ErrCorruptRecord or ErrForeignRecord, naming the
// offending property, for anything else. It never panics.
func DecodeRecord(key, value []byte) (Entry, error) {
	var k map[string]json.RawMessage
	if err := json.Unmarshal(key, &k); err != nil || k == nil {
		return Entry{}, fmt.Errorf("decoding key: %w: not a JSON object", ErrCorruptRecord)
	}
	var e Entry
	if err := jsonField(k, "keytype", &e.KeyType); err != nil || e.KeyType == "" {
		return Entry{}, fmt.Errorf("decoding key: %w: keytype missing or not a string", ErrCorruptRecord)
	}
	value = bytes.TrimSpace(value)
	e.Tombstone = len(value) == 0 || bytes.Equal(value, []byte("null"))
	var err error
	switch e.KeyType {
	case KeyNoop:
		return e, nil
	case KeySchema:
		err = decodeSchema(k, value, &e)
	case KeyConfig, KeyMode, KeyClearSubject:
		if e.Subject, err = optionalSubject(k); err == nil && !e.Tombstone {
			err = decodeScoped(value, &e)
		}
	case KeyDeleteSubject:
		if err = jsonField(k, "subject", &e.Subject); err != nil || e.Subject == "" {
			err = fmt.Errorf("subject missing or not a string")
		} else if !e.Tombstone {
			err = decodeScoped(value, &e)
		}
	default:
		return Entry{}, fmt.Errorf("decoding key: %w: keytype %q", ErrForeignRecord, e.KeyType)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("decoding %s record: %w: %v", e.KeyType, ErrCorruptRecord, err)
	}
	return e, nil
}

func decodeSchema(k map[string]json.RawMessage, value []byte, e *Entry) error {
	if err := jsonField(k, "subject", &e.Subject); err != nil || e.Subject == "" {
		return fmt.Errorf("key subject missing or not a string")
	}
	if err := jsonField(k, "version", &e.Version); err != nil || !validVersion(e.Version) {
		return fmt.Errorf("key version missing or out of range")
	}
	if e.Tombstone {
		return nil
	}
	var v struct {
		Subject    *string     `json:"subject"`
		Version    *int        `json:"version"`
		ID         *int        `json:"id"`
		SchemaType string      `json:"schemaType"`
		References []Reference `json:"references"`
		Schema     *string     `json:"schema"`
		Deleted    bool        `json:"deleted"`
	}
	if err := json.Unmarshal(value, &v); err != nil {
		return fmt.Errorf("value: %v", err)
	}
	switch {
	case v.Subject == nil || *v.Subject != e.Subject:
		return fmt.Errorf("value subject does not match the key's %q", e.Subject)
	case v.Version == nil || *v.Version != e.Version:
		return fmt.Errorf("value version does not match the key's %d", e.Version)
	case v.ID == nil || *v.ID < 0 || *v.ID > math.MaxInt32:
		return fmt.Errorf("value id missing or out of range")
	case v.Schema == nil || *v.Schema == "":
		return fmt.Errorf("value schema missing or empty")
	}
	for i, r := range v.References {
		if r.Name == "" || r.Subject == "" || !validVersion(r.Version) {
			return fmt.Errorf("value references[%d] needs a name, a subject and a version >= 1", i)
		}
	}
	if v.SchemaType == "" {
		v.SchemaType = TypeAvro
	}
	e.Schema = &SchemaRecord{Subject: e.Subject, Version: e.Version, ID: *v.ID, SchemaType: v.SchemaType,
		References: v.References, Schema: *v.Schema, Deleted: v.Deleted}
	return nil
}

func decodeScoped(value []byte, e *Entry) error {
	switch e.KeyType {
	case KeyConfig:
		var v configValueJSON
		if err := json.Unmarshal(value, &v); err != nil {
			return fmt.Errorf("value: %v", err)
		}
		c := Config{Normalize: v.Normalize}
		if v.CompatibilityLevel != "" {
			lvl, err := normalizeLevel(v.CompatibilityLevel)
			if err != nil {
				return fmt.Errorf("value compatibilityLevel %q is not a level", v.CompatibilityLevel)
			}
			c.Compatibility = lvl
		}
		e.Config = &c
	case KeyMode:
		var v modeValueJSON
		if err := json.Unmarshal(value, &v); err != nil {
			return fmt.Errorf("value: %v", err)
		}
		m, err := ParseMode(v.Mode)
		if err != nil {
			return fmt.Errorf("value mode %q is not a mode", v.Mode)
		}
		e.Mode = m
	case KeyDeleteSubject:
		var v struct {
			Version *int `json:"version"`
		}
		if err := json.Unmarshal(value, &v); err != nil {
			return fmt.Errorf("value: %v", err)
		}
		if v.Version == nil || !validVersion(*v.Version) {
			return fmt.Errorf("value version missing or out of range")
		}
		e.DeleteUpTo = *v.Version
	}
	return nil
}

// optionalSubject reads a key's subject that may be null or absent (global).
func optionalSubject(k map[string]json.RawMessage) (string, error) {
	raw, ok := k["subject"]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("key subject is neither a string nor null")
	}
	return s, nil
}

func jsonField(m map[string]json.RawMessage, name string, dst any) error {
	raw, ok := m[name]
	if !ok {
		return fmt.Errorf("%s missing", name)
	}
	return json.Unmarshal(raw, dst)
}

func validVersion(v int) bool { return v >= 1 && v <= math.MaxInt32 }
