package compat

import (
	"fmt"
	"strings"
)

// Difference types, as in Confluent's replies (Avro Java's
// SchemaIncompatibilityType), plus AmbiguousFieldMatch.
const (
	NameMismatch                   = "NAME_MISMATCH"
	FixedSizeMismatch              = "FIXED_SIZE_MISMATCH"
	MissingEnumSymbols             = "MISSING_ENUM_SYMBOLS"
	ReaderFieldMissingDefaultValue = "READER_FIELD_MISSING_DEFAULT_VALUE"
	TypeMismatch                   = "TYPE_MISMATCH"
	MissingUnionBranch             = "MISSING_UNION_BRANCH"

	// AmbiguousFieldMatch: a reader field matches two writer fields, by its
	// name and an alias or by two aliases. Avro Java throws here, and
	// Confluent replies "Unexpected exception during compatibility check: ...";
	// String() gives that text.
	AmbiguousFieldMatch = "AMBIGUOUS_FIELD_MATCH"
)

const (
	roleNew = "new"
	roleOld = "old"
)

// Difference is one reason a reader schema cannot read a writer schema.
type Difference struct {
	// Type is one of the difference type constants, e.g. TypeMismatch.
	Type string
	// Path is the JSON pointer of the fault in the reader schema, e.g.
	// "/fields/1/type/symbols"; "/" is the whole schema.
	Path string
	// Field is the dotted path of reader field names leading to the fault,
	// e.g. "cart.items", or "" when the fault is not inside a field.
	Field string
	// Description is Confluent's sentence, with "new" and "old" naming the
	// schemas as the check was oriented.
	Description string
	// AdditionalInfo is Avro's detail: the field name, "expected: X", the
	// missing symbols as "[A, B]", or "reader type: X not compatible with
	// writer type: Y" (type names upper case, as Java prints them).
	AdditionalInfo string

	readerRole string // "new" or "old", for Summary
	branch     kind   // the writer type a union lacks
}

// String formats d as one of Confluent's message entries:
// {errorType:'...', description:'...', additionalInfo:'...'}.
func (d Difference) String() string {
	if d.Type == AmbiguousFieldMatch {
		return "Unexpected exception during compatibility check: " + d.Description
	}
	return "{errorType:'" + d.Type + "', description:'" + d.Description + "', additionalInfo:'" +
		d.AdditionalInfo + "'}"
}

func (d rawDiff) difference(readerRole, writerRole string) Difference {
	path := "/" + strings.Join(d.ptr, "/")
	return Difference{
		Type:           d.typ,
		Path:           path,
		Field:          strings.Join(d.fields, "."),
		Description:    describe(d.typ, path, d.info, readerRole, writerRole),
		AdditionalInfo: d.info,
		readerRole:     readerRole,
		branch:         d.branch,
	}
}

// describe words a difference as Confluent's Difference class does.
func describe(typ, path, info, reader, writer string) string {
	switch typ {
	case FixedSizeMismatch:
		return fmt.Sprintf("The size of FIXED type field at path '%s' in the %s schema does not match with the %s schema",
			path, reader, writer)
	case TypeMismatch:
		return fmt.Sprintf("The type (path '%s') of a field in the %s schema does not match with the %s schema",
			path, reader, writer)
	case NameMismatch:
		return fmt.Sprintf("The name of the schema has changed (path '%s')", path)
	case MissingEnumSymbols:
		return fmt.Sprintf("The %s schema is missing enum symbols '%s' at path '%s' in the %s schema",
			reader, info, path, writer)
	case MissingUnionBranch:
		return fmt.Sprintf("The %s schema is missing a type inside a union field at path '%s' in the %s schema",
			reader, path, writer)
	case ReaderFieldMissingDefaultValue:
		return fmt.Sprintf("The field '%s' at path '%s' in the %s schema has no default value and is missing in the %s schema",
			info, path, reader, writer)
	case AmbiguousFieldMatch:
		return fmt.Sprintf("%s (path '%s' in the %s schema)", info, path, reader)
	}
	return ""
}

// Summary returns one line for people: which field or path broke the check,
// why, and what that means for readers, e.g.
//
//	field "discount" (/fields/17) was added without a default: old data cannot be read by the new schema (BACKWARD)
//
// Transitive levels also name the old version that failed; further
// differences are counted, not listed.
func (r Result) Summary() string {
	level := string(r.Level)
	if level == "" {
		level = "unknown level"
	}
	if r.Compatible {
		if r.Level == LevelNone {
			return "compatible: checks are disabled (NONE)"
		}
		return fmt.Sprintf("compatible (%s)", level)
	}
	if len(r.Differences) == 0 {
		if len(r.Messages) > 0 {
			return fmt.Sprintf("incompatible: %s (%s)", r.Messages[0], level)
		}
		return fmt.Sprintf("incompatible (%s)", level)
	}
	d := r.Differences[0]
	tail := level
	if r.Level.Transitive() && r.OldVersion != 0 {
		tail = fmt.Sprintf("%s, against version %d", level, r.OldVersion)
	}
	line := fmt.Sprintf("%s: %s (%s)", d.explain(), d.consequence(), tail)
	if more := len(r.Differences) - 1; more == 1 {
		line += "; 1 more difference"
	} else if more > 1 {
		line += fmt.Sprintf("; %d more differences", more)
	}
	return line
}

// where names the field and path, or the path alone.
func (d Difference) where() string {
	if d.Field != "" {
		return fmt.Sprintf("field %q (%s)", d.Field, d.Path)
	}
	return "the schema at " + d.Path
}

func (d Difference) consequence() string {
	if d.readerRole == roleOld {
		return "new data cannot be read by the old schema"
	}
	return "old data cannot be read by the new schema"
}

func (d Difference) explain() string {
	readerIsNew := d.readerRole != roleOld
	switch d.Type {
	case ReaderFieldMissingDefaultValue:
		if readerIsNew {
			return d.where() + " was added without a default"
		}
		return d.where() + " was removed, and the old schema has no default for it"
	case TypeMismatch:
		return fmt.Sprintf("%s changed type (%s)", d.where(), strings.ToLower(d.AdditionalInfo))
	case MissingEnumSymbols:
		if readerIsNew {
			return fmt.Sprintf("%s lost enum symbols %s", d.where(), d.AdditionalInfo)
		}
		return fmt.Sprintf("%s gained enum symbols %s that the old schema lacks, and it has no enum default",
			d.where(), d.AdditionalInfo)
	case MissingUnionBranch:
		if readerIsNew {
			return fmt.Sprintf("%s no longer accepts %s values", d.where(), d.branch)
		}
		return fmt.Sprintf("%s now allows %s values, which the old schema does not accept", d.where(), d.branch)
	case NameMismatch:
		return fmt.Sprintf("%s was renamed without an alias (%s)", d.where(), d.AdditionalInfo)
	case FixedSizeMismatch:
		return fmt.Sprintf("%s changed fixed size (%s)", d.where(), d.AdditionalInfo)
	case AmbiguousFieldMatch:
		return fmt.Sprintf("%s matches several fields (%s)", d.where(), d.AdditionalInfo)
	}
	return d.where() + " differs"
}
