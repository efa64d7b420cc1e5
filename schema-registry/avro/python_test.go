package avro

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// debianPython is the interpreter apt packages install into; a pyenv python3
// earlier on PATH would not see python3-avro.
const debianPython = "/usr/bin/python3"

// TestPythonAvro cross-checks with the Apache Avro Python implementation
// (Debian python3-avro, installed by scripts/test.sh): every schema parses,
// every golden record decodes completely, and python re-encodes it to the
// identical bytes, which also runs python's own datum validation (uuid text,
// int ranges) over our output.
func TestPythonAvro(t *testing.T) {
	if err := exec.Command(debianPython, "-c", "import avro.io, avro.schema").Run(); err != nil {
		t.Skipf("python3-avro not available (%s -c 'import avro': %v); apt-get install -y python3-avro to run this check", debianPython, err)
	}

	var stems []string
	for _, s := range All() {
		stems = append(stems, strings.TrimSuffix(s.File, ".avsc"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	args := append([]string{"testdata/pycheck.py", ".", "testdata"}, stems...)
	cmd := exec.CommandContext(ctx, debianPython, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("running pycheck.py: %v\n%s", err, stderr.String())
	}

	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var r struct {
			Stem     string `json:"stem"`
			OK       bool   `json:"ok"`
			FullName string `json:"fullname"`
			Error    string `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("pycheck.py printed %q: %v", sc.Text(), err)
		}
		seen[r.Stem] = true
		if !r.OK {
			t.Errorf("python3-avro on %s: %s", r.Stem, r.Error)
			continue
		}
		s, _ := ByName(r.FullName)
		if strings.TrimSuffix(s.File, ".avsc") != r.Stem {
			t.Errorf("python3-avro parsed %s.avsc as %q", r.Stem, r.FullName)
		}
	}
	for _, stem := range stems {
		if !seen[stem] {
			t.Errorf("pycheck.py reported nothing for %s", stem)
		}
	}
}
