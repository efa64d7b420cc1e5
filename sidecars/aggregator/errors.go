package aggregator

import "errors"

var (
	// ErrInvalidOption is returned by New for an option value that cannot
	// work. The message names the option.
	ErrInvalidOption = errors.New("invalid aggregator option")
	// ErrMissingTopic is returned when a topic the aggregator reads or
	// writes does not exist; the aggregator creates only its changelog.
	ErrMissingTopic = errors.New("topic does not exist")
	// ErrFenced means another process with the same instance id (and so the
	// same transactional.id or group.instance.id) took over. Run returns it
	// instead of fighting back.
	ErrFenced = errors.New("fenced by another aggregator instance with the same instance id")
	// ErrStateMismatch means a restored changelog partition and the group's
	// committed input offset disagree in a way no crash can cause, for
	// example because the changelog topic was truncated by hand.
	ErrStateMismatch = errors.New("changelog state does not match committed input offset")
	// ErrAssignmentLost means the group took partitions away before this
	// instance could commit them (it missed its session timeout); the
	// uncommitted work is dropped and the instance rejoins.
	ErrAssignmentLost = errors.New("partition assignment lost")
	// ErrNotStarted is returned by Ready before Start and after Run ended.
	ErrNotStarted = errors.New("aggregator not running")
)
