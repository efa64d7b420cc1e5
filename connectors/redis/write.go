package redis

import (
	"context"
	"fmt"

	goredis "github.com/redis/go-redis/v9"

	"github.com/retailpulse/retailpulse/connectors"
)

// write sends the script calls of one chunk in a pipeline. A NOSCRIPT
// reply (the server restarted or was flushed since Start) reloads the
// script and resends the whole pipeline, which is safe because every
// update is idempotent.
func (t *Task) write(ctx context.Context, c *chunk) ([]failure, error) {
	cls := calls(c, t.s.cluster)
	args := c.argsOf(cls, applyScript.Hash())
	for attempt := 0; ; attempt++ {
		pipe := t.client.Pipeline()
		cmds := make([]*goredis.Cmd, len(args))
		for i, a := range args {
			cmds[i] = pipe.Do(ctx, a...)
		}
		// Exec's own error is the first failed command's; each command is
		// inspected instead.
		_, _ = pipe.Exec(ctx)
		var rejected []failure
		noScript := false
		for i, cmd := range cmds {
			err := cmd.Err()
			switch {
			case err == nil:
				rej, err := outcomes(c, cls[i], cmd.Val())
				if err != nil {
					return nil, err
				}
				rejected = append(rejected, rej...)
			case goredis.HasErrorPrefix(err, "NOSCRIPT"):
				noScript = true
			case isRejection(err):
				// The script itself failed: none of its records is known
				// to be applied.
				for _, e := range cls[i].entries {
					rejected = append(rejected, failure{c.index[e], fmt.Errorf("%w: %w", ErrRejected, err)})
				}
			default:
				return nil, classify(err)
			}
		}
		if !noScript {
			return rejected, nil
		}
		if attempt > 0 {
			return nil, fmt.Errorf("update script missing right after loading it: %w", connectors.ErrRetriable)
		}
		t.log.Info("update script not cached by the server; loading it again")
		if err := t.loadScript(ctx); err != nil {
			return nil, err
		}
	}
}

// outcomes reads the per-record replies of one script call: 1 applied, 0
// skipped as not newer, or the error Redis raised for that record.
func outcomes(c *chunk, cl call, reply any) ([]failure, error) {
	res, ok := reply.([]any)
	if !ok || len(res) != len(cl.entries) {
		return nil, fmt.Errorf("reading update script reply: got %T of %d replies for %d records", reply, len(res), len(cl.entries))
	}
	var rejected []failure
	for i, r := range res {
		switch x := r.(type) {
		case int64:
			if x != 0 && x != 1 {
				return nil, fmt.Errorf("reading update script reply: unexpected status %d", x)
			}
		case string:
			err := scriptError(x)
			if !isRejection(err) {
				return nil, classify(err)
			}
			rejected = append(rejected, failure{c.index[cl.entries[i]], fmt.Errorf("%w: %w", ErrRejected, err)})
		default:
			return nil, fmt.Errorf("reading update script reply: unexpected %T", r)
		}
	}
	return rejected, nil
}

// scriptError is an error reply the script caught for one record; it is a
// goredis.Error, so it is classified like a reply to a command.
type scriptError string

func (e scriptError) Error() string { return string(e) }

// RedisError marks scriptError as a server reply.
func (scriptError) RedisError() {}
