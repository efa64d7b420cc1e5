// Command retailpulse is the one binary of retailpulse: `up` runs the whole
// system in one process; the other subcommands run one sidecar each.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/sirupsen/logrus"
)

func main() {
	// gohbase (HBaseSink) logs every region lookup through logrus at info;
	// only its warnings are worth an operator's attention.
	logrus.SetLevel(logrus.WarnLevel)

	// The first SIGINT/SIGTERM cancels ctx and starts a clean drain; a second
	// one kills the process the default way, for when a drain hangs.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	if err := newRootCommand().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "retailpulse:", err)
		os.Exit(1)
	}
}
