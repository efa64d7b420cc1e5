package kclient

import "errors"

var (
	// ErrNoBootstrap is returned when no bootstrap servers are configured.
	ErrNoBootstrap = errors.New("no kafka bootstrap servers configured")
	// ErrTopicMismatch is returned when an existing topic contradicts a
	// setting its users rely on (for example a multi-partition _schemas).
	ErrTopicMismatch = errors.New("existing topic does not match its required settings")
)
