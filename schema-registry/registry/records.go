package registry

import (
	"encoding/json"
)

// Keytypes of the _schemas topic, as Confluent Schema Registry writes them.
const (
	KeySchema        = "SCHEMA"
	KeyConfig        = "CONFIG"
	KeyMode          = "MODE"
	KeyDeleteSubject = "DELETE_SUBJECT"
	KeyClearSubject  = "CLEAR_SUBJECT"
	KeyNoop          = "NOOP"
)

// Reference names another subject's version that a schema uses by name.
type Reference struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// The key and value structs below declare their fields in the order
// Confluent's Jackson annotations give them, so our records are
// byte-for-byte what upstream writes. Readers must not depend on the order.

type schemaKeyJSON struct {
	KeyType string `json:"keytype"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
	Magic   int    `json:"magic"`
}

// subjectKeyJSON is CONFIG, MODE, DELETE_SUBJECT and CLEAR_SUBJECT. A nil
// Subject is written as "subject":null: the global scope.
type subjectKeyJSON struct {
	KeyType string  `json:"keytype"`
	Subject *string `json:"subject"`
	Magic   int     `json:"magic"`
}

type noopKeyJSON struct {
	KeyType string `json:"keytype"`
	Magic   int    `json:"magic"`
}

type schemaValueJSON struct {
	Subject    string      `json:"subject"`
	Version    int         `json:"version"`
	ID         int         `json:"id"`
	SchemaType string      `json:"schemaType,omitempty"`
	References []Reference `json:"references,omitempty"`
	Schema     string      `json:"schema"`
	Deleted    bool        `json:"deleted"`
}

type configValueJSON struct {
	Subject            *string `json:"subject,omitempty"`
	CompatibilityLevel string  `json:"compatibilityLevel,omitempty"`
	Normalize          *bool   `json:"normalize,omitempty"`
}

type modeValueJSON struct {
	Subject *string `json:"subject,omitempty"`
	Mode    string  `json:"mode"`
}

type deleteSubjectValueJSON struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

type clearSubjectValueJSON struct {
	Subject *string `json:"subject,omitempty"`
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only plain structs of strings and numbers are marshalled here.
		panic("registry: marshalling record: " + err.Error())
	}
	return b
}

func scope(subject string) *string {
	if subject == "" {
		return nil
	}
	return &subject
}

func encodeSchemaKey(subject string, version int) []byte {
	return mustJSON(schemaKeyJSON{KeyType: KeySchema, Subject: subject, Version: version, Magic: 1})
}

// encodeSubjectKey encodes a magic-0 key; subject "" is the global scope.
func encodeSubjectKey(keytype, subject string) []byte {
	return mustJSON(subjectKeyJSON{KeyType: keytype, Subject: scope(subject), Magic: 0})
}

func encodeNoopKey() []byte { return mustJSON(noopKeyJSON{KeyType: KeyNoop, Magic: 0}) }

func encodeSchemaValue(v SchemaRecord) []byte {
	t := v.SchemaType
	if t == TypeAvro {
		t = ""
	}
	return mustJSON(schemaValueJSON{Subject: v.Subject, Version: v.Version, ID: v.ID, SchemaType: t,
		References: v.References, Schema: v.Schema, Deleted: v.Deleted})
}

func encodeConfigValue(subject string, c Config) []byte {
	return mustJSON(configValueJSON{Subject: scope(subject), CompatibilityLevel: c.Compatibility, Normalize: c.Normalize})
}

func encodeModeValue(subject, mode string) []byte {
	return mustJSON(modeValueJSON{Subject: scope(subject), Mode: mode})
}

func encodeDeleteSubjectValue(subject string, upTo int) []byte {
	return mustJSON(deleteSubjectValueJSON{Subject: subject, Version: upTo})
}

func encodeClearSubjectValue(subject string) []byte {
	return mustJSON(clearSubjectValueJSON{Subject: scope(subject)})
}
