package broker

import "errors"

var (
	// ErrBadListenAddr is returned for a listen address that is not host:port.
	ErrBadListenAddr = errors.New("listen address must be host:port")
	// ErrStarted is returned when Start is called twice.
	ErrStarted = errors.New("broker already started")
	// ErrDataDirInUse is returned when another broker holds the data dir.
	ErrDataDirInUse = errors.New("data dir is in use by another broker")
)
