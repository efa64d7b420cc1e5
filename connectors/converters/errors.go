package converters

import "errors"

// Sentinels of this package; each also wraps connectors.ErrConversion
// where a record is involved.
var (
	// ErrNoEnvelope means JsonConverter with schemas.enable=true read JSON
	// that is not a {"schema":...,"payload":...} envelope.
	ErrNoEnvelope = errors.New(`JsonConverter with schemas.enable requires "schema" and "payload" fields and may not ` +
		`contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in ` +
		`your converter configuration.`)
	// ErrUnsupportedType means a value or schema has a type the converter
	// cannot represent.
	ErrUnsupportedType = errors.New("unsupported type")
)
