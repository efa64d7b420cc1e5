package window

import "errors"

var (
	// ErrInvalidSpec is returned by Spec.Validate and NewPartition for window
	// settings that cannot work together. The message names the setting.
	ErrInvalidSpec = errors.New("invalid window spec")
	// ErrInvalidWeights is returned for behaviour-score weights that are
	// negative or not finite.
	ErrInvalidWeights = errors.New("invalid score weights")
	// ErrInvalidEvent is returned by Prepare for an event the aggregator
	// cannot count. The message names the field.
	ErrInvalidEvent = errors.New("invalid event")
	// ErrCorruptState is returned by Partition.Restore for a changelog record
	// that does not decode. The message names the key and the field.
	ErrCorruptState = errors.New("corrupt changelog state")
)
