package compat

import (
	"strconv"
	"strings"
	"unicode/utf16"
)

// Level is a Schema Registry compatibility level.
type Level string

// The compatibility levels. BACKWARD is the Schema Registry default.
const (
	LevelNone               Level = "NONE"
	LevelBackward           Level = "BACKWARD"
	LevelBackwardTransitive Level = "BACKWARD_TRANSITIVE"
	LevelForward            Level = "FORWARD"
	LevelForwardTransitive  Level = "FORWARD_TRANSITIVE"
	LevelFull               Level = "FULL"
	LevelFullTransitive     Level = "FULL_TRANSITIVE"
)

var levels = []Level{LevelNone, LevelBackward, LevelBackwardTransitive, LevelForward, LevelForwardTransitive,
	LevelFull, LevelFullTransitive}

// ParseLevel parses a level name case-insensitively. The error is
// ErrInvalidLevel, whose text is Confluent's 42203 message.
func ParseLevel(s string) (Level, error) {
	for _, l := range levels {
		if strings.EqualFold(s, string(l)) {
			return l, nil
		}
	}
	return "", ErrInvalidLevel
}

// Valid reports whether l is one of the seven levels.
func (l Level) Valid() bool {
	for _, v := range levels {
		if l == v {
			return true
		}
	}
	return false
}

// Transitive reports whether l checks against every previous version
// rather than only the latest.
func (l Level) Transitive() bool { return strings.HasSuffix(string(l), "_TRANSITIVE") }

func (l Level) backward() bool { return strings.HasPrefix(string(l), "BACKWARD") || l.full() }
func (l Level) forward() bool  { return strings.HasPrefix(string(l), "FORWARD") || l.full() }
func (l Level) full() bool     { return strings.HasPrefix(string(l), "FULL") }

// Version is a registered schema version of a subject.
type Version struct {
	Version int
	Schema  *Schema
}

// Result is the outcome of Check.
type Result struct {
	Compatible bool
	// Messages are Confluent's verbose messages: the differences, then
	// "{oldSchemaVersion: N}" and "{oldSchema: '...'}" for the failing
	// version, then "{validateFields: 'false', compatibility: 'LEVEL'}".
	Messages    []string
	Differences []Difference
	// OldVersion is the version of the first failing old schema, 0 if
	// compatible.
	OldVersion int
	// Level is the level that was applied.
	Level Level
}

// maxLoggedSchema is how much of an old schema Confluent quotes, in UTF-16
// code units.
const maxLoggedSchema = 10 * 1024

// Check checks candidate against previous, the non-deleted versions of a
// subject ordered oldest to newest, with Confluent's semantics: plain levels
// compare with the latest version only, transitive levels with every
// version, newest first, stopping at the first that fails. BACKWARD reads
// old data with the new schema, FORWARD new data with the old schema, FULL
// does both (forward first, as Confluent does; when only the forward half
// fails, Confluent does not quote the old schema, and neither does Check).
// With no previous versions, or at level NONE, every candidate is compatible.
func Check(level Level, candidate *Schema, previous []Version) Result {
	res := Result{Compatible: true, Level: level}
	if !level.Valid() {
		return Result{Messages: []string{ErrInvalidLevel.Error()}, Level: level}
	}
	if level == LevelNone || len(previous) == 0 {
		return res
	}
	if candidate == nil {
		return Result{Messages: []string{"no candidate schema to check"}, Level: level}
	}
	oldest := len(previous) - 1
	if level.Transitive() {
		oldest = 0
	}
	for i := len(previous) - 1; i >= oldest; i-- {
		old := previous[i]
		if old.Schema == nil {
			continue
		}
		var diffs []Difference
		var msgs []string
		if level.forward() {
			fwd := canRead(old.Schema, candidate, roleOld, roleNew)
			diffs = append(diffs, fwd...)
			msgs = appendStrings(msgs, fwd)
			if !level.full() && len(fwd) > 0 {
				msgs = append(msgs, oldSchemaMessages(old)...)
			}
		}
		if level.backward() {
			bwd := canRead(candidate, old.Schema, roleNew, roleOld)
			diffs = append(diffs, bwd...)
			msgs = appendStrings(msgs, bwd)
			if len(bwd) > 0 {
				msgs = append(msgs, oldSchemaMessages(old)...)
			}
		}
		if len(diffs) > 0 {
			msgs = append(msgs, "{validateFields: 'false', compatibility: '"+string(level)+"'}")
			return Result{Messages: msgs, Differences: diffs, OldVersion: old.Version, Level: level}
		}
	}
	return res
}

func appendStrings(msgs []string, diffs []Difference) []string {
	for _, d := range diffs {
		msgs = append(msgs, d.String())
	}
	return msgs
}

func oldSchemaMessages(old Version) []string {
	var out []string
	if old.Version != 0 {
		out = append(out, "{oldSchemaVersion: "+strconv.Itoa(old.Version)+"}")
	}
	text := old.Schema.Canonical()
	var units []uint16
	if len(text) > maxLoggedSchema { // UTF-8 never has fewer bytes than UTF-16 has units
		units = utf16.Encode([]rune(text))
	}
	if len(units) <= maxLoggedSchema {
		return append(out, "{oldSchema: '"+text+"'}")
	}
	cut := units[:maxLoggedSchema]
	if u := cut[len(cut)-1]; u >= 0xD800 && u < 0xDC00 {
		cut = cut[:len(cut)-1] // never split a character in two
	}
	return append(out, "{oldSchema: <truncated to "+strconv.Itoa(maxLoggedSchema)+" characters> '"+
		string(utf16.Decode(cut))+"'}")
}
