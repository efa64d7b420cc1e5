// Package config gives every retailpulse command one precedence order for its
// settings: command-line flag, then RETAILPULSE_* environment variable, then
// the YAML file named by --config, then the flag's default.
//
// Every setting is a flag; the environment variable and YAML key are derived
// from the flag name (data-dir → RETAILPULSE_DATA_DIR and `data-dir:`), so the
// three sources can never drift apart and `--help` documents all of them.
package config

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
)

// EnvPrefix starts every environment variable.
const EnvPrefix = "RETAILPULSE_"

// FileFlag is the flag naming the YAML file.
const FileFlag = "config"

// ErrUnknownKey is returned for a YAML key that is no flag of any command.
var ErrUnknownKey = errors.New("unknown configuration key")

// EnvName returns the environment variable for a flag name.
func EnvName(flag string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// Document appends the environment variable to every flag's usage text so
// `--help` shows all three ways to set it.
func Document(fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name == "help" || strings.Contains(f.Usage, EnvPrefix) {
			return
		}
		f.Usage += " [env " + EnvName(f.Name) + "]"
	})
}

// Apply fills every flag the user did not set on the command line from the
// environment, then from the YAML file. known lists every flag name of the
// whole command tree: a file key outside it is a typo and fails loudly, while
// keys meant for other commands are ignored so one file can serve them all.
func Apply(fs *pflag.FlagSet, known map[string]bool) error {
	file, err := fileValues(fs)
	if err != nil {
		return err
	}
	for k := range file {
		if !known[k] {
			return fmt.Errorf("reading config file: %w %q (known keys are the long flag names, e.g. data-dir)", ErrUnknownKey, k)
		}
	}
	var errs []error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || f.Name == FileFlag {
			return
		}
		if v, ok := os.LookupEnv(EnvName(f.Name)); ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("setting %s from %s=%q: %w", f.Name, EnvName(f.Name), v, err))
			}
			return
		}
		if v, ok := file[f.Name]; ok {
			if err := setFromYAML(fs, f, v); err != nil {
				errs = append(errs, fmt.Errorf("setting %s from config file: %w", f.Name, err))
			}
		}
	})
	return errors.Join(errs...)
}

func fileValues(fs *pflag.FlagSet) (map[string]any, error) {
	path := ""
	if f := fs.Lookup(FileFlag); f != nil {
		path = f.Value.String()
		if !f.Changed {
			if v, ok := os.LookupEnv(EnvName(FileFlag)); ok {
				path = v
			}
		}
	}
	if path == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config file: %w", err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("parsing config file %s: %w", path, err)
	}
	return m, nil
}

func setFromYAML(fs *pflag.FlagSet, f *pflag.Flag, v any) error {
	switch t := v.(type) {
	case []any:
		parts := make([]string, len(t))
		for i, p := range t {
			parts[i] = fmt.Sprint(p)
		}
		return fs.Set(f.Name, strings.Join(parts, ","))
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + fmt.Sprint(t[k])
		}
		return fs.Set(f.Name, strings.Join(parts, ","))
	case nil:
		return nil
	default:
		return fs.Set(f.Name, fmt.Sprint(t))
	}
}
