package connect

import (
	"sort"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Logger names the worker exposes under /admin/loggers. Setting a level on
// a namespace sets it on every logger in it; "root" is the namespace of
// all loggers.
const (
	loggerRoot       = "root"
	loggerNamespace  = "io.retailpulse.connect"
	loggerHerder     = loggerNamespace + ".herder"
	loggerREST       = loggerNamespace + ".rest"
	loggerStore      = loggerNamespace + ".store"
	loggerTask       = loggerNamespace + ".task"
	loggerMembership = loggerNamespace + ".membership"
)

// logLevels gives each named logger an adjustable level, independent of the
// level the injected logger was built with (so DEBUG can be switched on for
// one part of the worker at run time).
type logLevels struct {
	base   *zap.Logger
	mu     sync.Mutex
	levels map[string]*loggerState
}

type loggerState struct {
	level    zap.AtomicLevel
	modified *int64
}

func newLogLevels(base *zap.Logger) *logLevels {
	l := &logLevels{base: base, levels: map[string]*loggerState{}}
	for _, n := range []string{loggerRoot, loggerNamespace, loggerHerder, loggerREST, loggerStore, loggerTask, loggerMembership} {
		l.levels[n] = &loggerState{level: zap.NewAtomicLevelAt(l.initial())}
	}
	return l
}

// initial is the level loggers start at: the injected logger's, or INFO
// for a logger that writes nowhere.
func (l *logLevels) initial() zapcore.Level {
	if lv := l.base.Level(); lv != zapcore.InvalidLevel {
		return lv
	}
	return zapcore.InfoLevel
}

// logger returns the logger called name, filtered by its adjustable level.
func (l *logLevels) logger(name string) *zap.Logger {
	l.mu.Lock()
	st, ok := l.levels[name]
	if !ok {
		st = &loggerState{level: zap.NewAtomicLevelAt(l.initial())}
		l.levels[name] = st
	}
	l.mu.Unlock()
	short := strings.TrimPrefix(strings.TrimPrefix(name, loggerNamespace), ".")
	lg := l.base
	if short != "" && name != loggerRoot {
		lg = lg.Named(short)
	}
	return lg.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core { return &levelCore{Core: c, level: st.level} }))
}

type loggerInfo struct {
	Level        string `json:"level"`
	LastModified *int64 `json:"last_modified"`
}

func (l *logLevels) all() map[string]loggerInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]loggerInfo{}
	for n, st := range l.levels {
		out[n] = loggerInfo{Level: upstreamLevel(st.level.Level()), LastModified: st.modified}
	}
	return out
}

func (l *logLevels) get(name string) (loggerInfo, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st, ok := l.levels[name]
	if !ok {
		return loggerInfo{}, false
	}
	return loggerInfo{Level: upstreamLevel(st.level.Level()), LastModified: st.modified}, true
}

// set applies level to namespace and everything under it and returns the
// affected logger names, sorted. An unknown namespace becomes a logger of
// its own, as in log4j.
func (l *logLevels) set(namespace string, level zapcore.Level) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now().UnixMilli()
	var changed []string
	for n, st := range l.levels {
		if namespace == loggerRoot || n == namespace || strings.HasPrefix(n, namespace+".") {
			st.level.SetLevel(level)
			st.modified = &now
			changed = append(changed, n)
		}
	}
	if len(changed) == 0 {
		l.levels[namespace] = &loggerState{level: zap.NewAtomicLevelAt(level), modified: &now}
		changed = append(changed, namespace)
	}
	sort.Strings(changed)
	return changed
}

// parseLevel maps log4j level names to zap levels. OFF silences a logger;
// TRACE is zap's debug, its most verbose level.
func parseLevel(s string) (zapcore.Level, bool) {
	switch strings.ToUpper(s) {
	case "TRACE", "DEBUG":
		return zapcore.DebugLevel, true
	case "INFO":
		return zapcore.InfoLevel, true
	case "WARN":
		return zapcore.WarnLevel, true
	case "ERROR":
		return zapcore.ErrorLevel, true
	case "FATAL":
		return zapcore.FatalLevel, true
	case "OFF":
		return zapcore.InvalidLevel, true
	}
	return 0, false
}

func upstreamLevel(l zapcore.Level) string {
	switch l {
	case zapcore.DebugLevel:
		return "DEBUG"
	case zapcore.InfoLevel:
		return "INFO"
	case zapcore.WarnLevel:
		return "WARN"
	case zapcore.ErrorLevel, zapcore.DPanicLevel, zapcore.PanicLevel:
		return "ERROR"
	case zapcore.FatalLevel:
		return "FATAL"
	}
	return "OFF"
}

// levelCore filters by its own level and writes straight to the wrapped
// core, bypassing the wrapped core's level so that a logger can be made
// more verbose than the process default.
type levelCore struct {
	zapcore.Core
	level zap.AtomicLevel
}

func (c *levelCore) Enabled(l zapcore.Level) bool { return c.level.Enabled(l) }

func (c *levelCore) With(fields []zapcore.Field) zapcore.Core {
	return &levelCore{Core: c.Core.With(fields), level: c.level}
}

func (c *levelCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *levelCore) Level() zapcore.Level { return c.level.Level() }
