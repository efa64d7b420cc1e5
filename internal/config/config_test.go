package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func flags() *pflag.FlagSet {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	fs.String(FileFlag, "", "config file")
	fs.String("data-dir", "./data", "data dir")
	fs.Int("partitions", 6, "partitions")
	fs.StringSlice("peers", nil, "peers")
	fs.StringToString("users", nil, "users")
	return fs
}

func known(fs *pflag.FlagSet) map[string]bool {
	m := map[string]bool{}
	fs.VisitAll(func(f *pflag.Flag) { m[f.Name] = true })
	return m
}

func writeFile(t *testing.T, body string) string {
	p := filepath.Join(t.TempDir(), "rp.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrecedenceFlagEnvFileDefault(t *testing.T) {
	path := writeFile(t, "data-dir: /from/file\npartitions: 3\npeers: [a, b]\nusers: {bob: x}\n")
	t.Setenv("RETAILPULSE_PARTITIONS", "4")

	fs := flags()
	if err := fs.Parse([]string{"--config", path, "--data-dir", "/from/flag"}); err != nil {
		t.Fatal(err)
	}
	if err := Apply(fs, known(fs)); err != nil {
		t.Fatal(err)
	}
	get := func(n string) string { return fs.Lookup(n).Value.String() }
	if got := get("data-dir"); got != "/from/flag" {
		t.Errorf("flag must beat file: data-dir=%s", got)
	}
	if got := get("partitions"); got != "4" {
		t.Errorf("env must beat file: partitions=%s", got)
	}
	if got := get("peers"); got != "[a,b]" {
		t.Errorf("file list: peers=%s", got)
	}
	if got := get("users"); got != "[bob=x]" {
		t.Errorf("file map: users=%s", got)
	}
}

func TestDefaultsWhenNothingSet(t *testing.T) {
	fs := flags()
	_ = fs.Parse(nil)
	if err := Apply(fs, known(fs)); err != nil {
		t.Fatal(err)
	}
	if got := fs.Lookup("data-dir").Value.String(); got != "./data" {
		t.Errorf("data-dir=%s", got)
	}
}

func TestConfigFileFromEnv(t *testing.T) {
	t.Setenv("RETAILPULSE_CONFIG", writeFile(t, "data-dir: /env/file\n"))
	fs := flags()
	_ = fs.Parse(nil)
	if err := Apply(fs, known(fs)); err != nil {
		t.Fatal(err)
	}
	if got := fs.Lookup("data-dir").Value.String(); got != "/env/file" {
		t.Errorf("data-dir=%s", got)
	}
}

func TestErrorsNameTheKey(t *testing.T) {
	fs := flags()
	_ = fs.Parse([]string{"--config", writeFile(t, "data-dri: x\n")})
	err := Apply(fs, known(fs))
	if !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), "data-dri") {
		t.Fatalf("want unknown key error naming data-dri, got %v", err)
	}

	t.Setenv("RETAILPULSE_PARTITIONS", "many")
	fs = flags()
	_ = fs.Parse(nil)
	err = Apply(fs, known(fs))
	if err == nil || !strings.Contains(err.Error(), "RETAILPULSE_PARTITIONS") {
		t.Fatalf("want error naming the env var, got %v", err)
	}
}

func TestDocumentAddsEnvNames(t *testing.T) {
	fs := flags()
	Document(fs)
	Document(fs) // idempotent
	if u := fs.Lookup("data-dir").Usage; u != "data dir [env RETAILPULSE_DATA_DIR]" {
		t.Errorf("usage=%q", u)
	}
}
