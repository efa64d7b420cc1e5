//go:build !linux

package loadgen

import (
	"context"
	"fmt"
)

// haveEventLoop is false: elsewhere every connection has its own goroutine.
const haveEventLoop = false

type evloop struct{}

func newEvloop(context.Context, *Options, string, []worker, *schedule) (*evloop, error) {
	return nil, fmt.Errorf("%w: no event loop on this platform", ErrInvalidOptions)
}

func (*evloop) run() {}
