// Package logging builds the one zap logger a retailpulse process uses. The
// logger is created in main and injected into every component; nothing in the
// product logs through a global.
package logging

import (
	"fmt"
	"os"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Format selects the log encoding.
type Format string

const (
	// FormatAuto picks console output on a terminal and JSON everywhere else
	// (containers, CI, files), which is what log shippers expect.
	FormatAuto    Format = "auto"
	FormatJSON    Format = "json"
	FormatConsole Format = "console"
)

// Options configure New.
type Options struct {
	Level  string // debug, info, warn, error; default info
	Format Format // default auto
	// IsTerminal overrides terminal detection; nil means detect on stderr.
	IsTerminal func() bool
}

// New returns a logger writing to stderr.
func New(o Options) (*zap.Logger, error) {
	level := zapcore.InfoLevel
	if o.Level != "" {
		if err := level.UnmarshalText([]byte(strings.ToLower(o.Level))); err != nil {
			return nil, fmt.Errorf("parsing log level %q: must be debug, info, warn or error", o.Level)
		}
	}
	format := o.Format
	if format == "" {
		format = FormatAuto
	}
	if format == FormatAuto {
		tty := o.IsTerminal
		if tty == nil {
			tty = stderrIsTerminal
		}
		format = FormatJSON
		if tty() {
			format = FormatConsole
		}
	}

	var enc zapcore.Encoder
	switch format {
	case FormatJSON:
		ec := zap.NewProductionEncoderConfig()
		ec.EncodeTime = zapcore.ISO8601TimeEncoder
		enc = zapcore.NewJSONEncoder(ec)
	case FormatConsole:
		ec := zap.NewDevelopmentEncoderConfig()
		ec.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05.000")
		ec.EncodeLevel = zapcore.CapitalColorLevelEncoder
		enc = zapcore.NewConsoleEncoder(ec)
	default:
		return nil, fmt.Errorf("parsing log format %q: must be auto, json or console", o.Format)
	}
	core := zapcore.NewCore(enc, zapcore.Lock(os.Stderr), zap.NewAtomicLevelAt(level))
	return zap.New(core, zap.AddCaller(), zap.ErrorOutput(zapcore.Lock(os.Stderr))), nil
}

// stderrIsTerminal reports whether stderr is a character device. It avoids a
// dependency on x/term; a TTY is the only character device a log would meet.
func stderrIsTerminal() bool {
	fi, err := os.Stderr.Stat()
	if err != nil {
		return false
	}
	return fi.Mode()&os.ModeCharDevice != 0
}
