package avro

import "errors"

var (
	// ErrUnknownSchema is returned when a name does not match a governed schema.
	ErrUnknownSchema = errors.New("unknown schema")
	// ErrUnsupportedType is returned by Encode and Decode for a Go value that
	// has no governed schema, or for a nil pointer.
	ErrUnsupportedType = errors.New("unsupported go type")
	// ErrInvalidField is returned by Encode for a value the schema's type
	// admits but its declared meaning does not (an unknown enum symbol, a
	// uuid field that is not a UUID). The message names the field.
	ErrInvalidField = errors.New("invalid field value")
	// ErrTrailingBytes is returned by Decode when the record ends before the
	// input does, which usually means the bytes were written with another
	// schema.
	ErrTrailingBytes = errors.New("trailing bytes after record")
)
