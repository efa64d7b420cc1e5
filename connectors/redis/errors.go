package redis

import "errors"

var (
	// ErrMapping is wrapped when a record cannot be turned into a Redis
	// update: a missing key placeholder or watermark, a value that cannot be
	// rendered, a rolling map entry that is not a number.
	ErrMapping = errors.New("record cannot be mapped")
	// ErrRejected is wrapped when Redis refused the update of one record
	// (WRONGTYPE, a script error): the record is reported, the batch goes on.
	ErrRejected = errors.New("redis rejected the update")
	// ErrExpression is wrapped when a source expression, key pattern or
	// field mapping in the config does not parse.
	ErrExpression = errors.New("invalid expression")
	// ErrTLS is wrapped when the TLS files cannot be loaded.
	ErrTLS = errors.New("invalid tls configuration")
)
