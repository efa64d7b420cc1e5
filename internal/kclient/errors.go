package kclient

import "errors"

var (
	// ErrNoBootstrap is returned when no bootstrap servers are configured.
	ErrNoBootstrap = errors.New("no kafka bootstrap servers configured")
	// ErrTopicMismatch is returned when an existing topic contradicts a
	// setting its users rely on (for example a multi-partition _schemas).
	ErrTopicMismatch = errors.New("existing topic does not match its required settings")
	// ErrUnsupportedProperty is returned by Kgo for a kafka property the
	// franz-go clients cannot honour.
	ErrUnsupportedProperty = errors.New("unsupported kafka property")
	// ErrInvalidProperty is returned by Kgo for a kafka property value it
	// cannot honour (an unknown security.protocol, an unreadable CA file).
	ErrInvalidProperty = errors.New("invalid kafka property")
)
