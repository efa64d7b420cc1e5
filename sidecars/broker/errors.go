package broker

import "errors"

var (
	// ErrBadListenAddr is returned for a listen address that is not host:port.
	ErrBadListenAddr = errors.New("listen address must be host:port")
	// ErrStarted is returned when Start is called twice.
	ErrStarted = errors.New("broker already started")
)
