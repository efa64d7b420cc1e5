package main

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestReadmeExamplesWorkAgainstUp runs the shell examples of the READMEs
// that talk to `up` (curl, kcat) against a fresh `up`, with the ports
// swapped for free ones, and checks each block's output carries what its
// "# {...}" comment promises (error codes and counts) and, where nothing is
// promised, no error at all. A README that drifts from the API fails here.
func TestReadmeExamplesWorkAgainstUp(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds and runs the binary")
	}
	for _, bin := range []string{"curl", "kcat"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s not found (scripts/test.sh installs it)", bin)
		}
	}
	bin := buildBinary(t)
	p, up, _ := startUpOnFreePorts(t, bin, nil, "--data-dir", t.TempDir())
	defer p.stop(t)
	ports := map[string]int{"9092": up.kafka, "8081": up.registry, "8082": up.proxy, "8083": up.connect}

	ran := 0
	for _, doc := range []string{"../../README.md", "../../sidecars/restproxy/README.md"} {
		raw, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for i, block := range shellBlocks(string(raw)) {
			if !runnableAgainstUp(block) {
				continue
			}
			ran++
			script := block
			for from, to := range ports {
				script = regexp.MustCompile(`(127\.0\.0\.1|localhost):`+from+`\b`).ReplaceAllString(script, "127.0.0.1:"+strconv.Itoa(to))
			}
			script = strings.ReplaceAll(script, "/tmp/events.jsonl", t.TempDir()+"/events.jsonl")
			out, err := exec.Command("bash", "-o", "pipefail", "-c", script).CombinedOutput()
			if err != nil {
				t.Errorf("%s block %d failed: %v\n%s\noutput:\n%s", doc, i, err, block, out)
				continue
			}
			checkPromises(t, doc, i, block, string(out))
		}
	}
	t.Logf("ran %d README example blocks against up", ran)
	if ran < 8 {
		t.Fatalf("ran %d README blocks; the extraction is broken", ran)
	}
}

var fence = regexp.MustCompile("(?s)```sh\n(.*?)```")

func shellBlocks(md string) []string {
	var out []string
	for _, m := range fence.FindAllStringSubmatch(md, -1) {
		out = append(out, m[1])
	}
	return out
}

// runnableAgainstUp: blocks that only talk to the local ports with curl,
// printf and kcat; not those that start things (go run, docker) or need a
// Redis the test does not provide.
func runnableAgainstUp(block string) bool {
	if !strings.Contains(block, "curl") {
		return false
	}
	for _, no := range []string{"go run", "docker", "redis-cli", "open ", "$ ", "@compose/"} {
		if strings.Contains(block, no) {
			return false
		}
	}
	return true
}

var promise = regexp.MustCompile(`"(error_code|accepted|dropped|dead_lettered|value_schema_id)":\s*(null|\d+)`)

// checkPromises compares the promised fields of the block's "# {" comment
// lines with the output; without a promise, any 4xx/5xx error code fails.
func checkPromises(t *testing.T, doc string, i int, block, out string) {
	t.Helper()
	promised := false
	for _, l := range strings.Split(block, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "# {") {
			continue
		}
		for _, m := range promise.FindAllStringSubmatch(l, -1) {
			promised = true
			want := regexp.MustCompile(`"` + m[1] + `":\s*` + m[2] + `\b`)
			if !want.MatchString(out) {
				t.Errorf("%s block %d promises %s=%s; output:\n%s", doc, i, m[1], m[2], out)
			}
		}
	}
	if !promised && regexp.MustCompile(`"error_code":\s*[45]\d\d`).MatchString(out) {
		t.Errorf("%s block %d answered with an error it does not document:\n%s\noutput:\n%s", doc, i, block, out)
	}
}
