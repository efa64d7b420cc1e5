package cassandra

import "errors"

var (
	// ErrMapping is wrapped when a topic.<topic>.<keyspace>.<table>.mapping
	// does not parse.
	ErrMapping = errors.New("invalid mapping")
	// ErrSchema is wrapped when a mapping does not fit its table: an
	// unknown column, an unmapped primary key column, an unsupported type.
	ErrSchema = errors.New("mapping does not match the table")
	// ErrRecord is wrapped when one record cannot be written as mapped: a
	// missing field, a null key column, a value of the wrong type.
	ErrRecord = errors.New("record cannot be mapped")
	// ErrWrite is wrapped when Cassandra refused a record's statement, or
	// it still failed after the retries.
	ErrWrite = errors.New("writing to cassandra failed")
	// ErrConnect is wrapped when no session could be opened.
	ErrConnect = errors.New("connecting to cassandra failed")
)
