package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/internal/topics"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

// buildBinary compiles retailpulse once per test run so the end-to-end tests
// exercise the real binary, flags, signals and all.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "retailpulse")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("building retailpulse: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

type upProcess struct {
	cmd     *exec.Cmd
	lines   chan string
	stderr  *lockedBuffer
	exited  chan struct{} // closed once the process is reaped
	waitErr error
}

// lockedBuffer collects stderr while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startUp runs `retailpulse up` and waits for its endpoint table.
func startUp(t *testing.T, bin string, env []string, args ...string) (*upProcess, []string) {
	t.Helper()
	p, table, err := launchUp(t, bin, env, args...)
	if err != nil {
		t.Fatal(err)
	}
	return p, table
}

// upPorts are the ports one `up` listens on.
type upPorts struct{ kafka, registry, proxy, connect int }

func (u upPorts) env() []string {
	return []string{"RETAILPULSE_KAFKA_PORT=" + strconv.Itoa(u.kafka),
		"RETAILPULSE_SCHEMA_REGISTRY_PORT=" + strconv.Itoa(u.registry),
		"RETAILPULSE_RESTPROXY_PORT=" + strconv.Itoa(u.proxy), "RETAILPULSE_CONNECT_PORT=" + strconv.Itoa(u.connect)}
}

func localURL(port int) string { return "http://127.0.0.1:" + strconv.Itoa(port) }

// startUpOnFreePorts runs up, with env added, on ports found free just
// before. Test processes of other packages bind ports too and may take one
// in between, so a bind failure is retried on new ports (and only that
// failure). It returns the endpoint table too.
func startUpOnFreePorts(t *testing.T, bin string, env []string, args ...string) (*upProcess, upPorts, []string) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		ports := upPorts{freePort(t), freePort(t), freePort(t), freePort(t)}
		p, table, err := launchUp(t, bin, append(append([]string(nil), env...), ports.env()...), args...)
		if err == nil {
			return p, ports, table
		}
		if attempt == 3 || !strings.Contains(p.stderr.String(), "address already in use") {
			t.Fatal(err)
		}
		t.Logf("attempt %d: a port was taken; retrying on new ports", attempt)
	}
}

// launchUp starts up and waits for its endpoint table; an error says why it
// never became ready, with its stderr.
func launchUp(t *testing.T, bin string, env []string, args ...string) (*upProcess, []string, error) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"up"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stdout, _ := cmd.StdoutPipe()
	p := &upProcess{cmd: cmd, lines: make(chan string, 100), stderr: &lockedBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-p.exited })
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		// Wait only after stdout is drained (os/exec's rule), so stderr is
		// complete by the time a failure is reported.
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	// The endpoint table follows "retailpulse is up" in one write; collect its
	// indented rows until output pauses.
	var table []string
	up := false
	deadline := time.After(90 * time.Second)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				<-p.exited
				return p, nil, fmt.Errorf("up exited (%v) before becoming ready; stderr:\n%s", p.waitErr, p.stderr)
			}
			if strings.HasPrefix(l, "retailpulse is up") {
				up = true
			} else if up && strings.HasPrefix(l, "  ") {
				table = append(table, strings.TrimSpace(l))
			}
		case <-deadline:
			return p, nil, fmt.Errorf("up not ready in time; stderr:\n%s", p.stderr)
		case <-time.After(300 * time.Millisecond):
			if len(table) > 0 {
				return p, table, nil
			}
		}
	}
}

func (p *upProcess) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var rest []string
	for l := range p.lines {
		rest = append(rest, l)
	}
	select {
	case <-p.exited:
		if p.waitErr != nil {
			t.Fatalf("up exited with %v after SIGTERM; stderr:\n%s", p.waitErr, p.stderr)
		}
	case <-time.After(45 * time.Second):
		t.Fatalf("up did not stop within 45 s of SIGTERM")
	}
	if !strings.Contains(strings.Join(rest, "\n"), "stopped") {
		t.Errorf("up did not report a clean stop; stdout tail: %q", rest)
	}
}

// kcatTopics lists topics the way the README tells users to: kcat -L.
func kcatTopics(t *testing.T, bootstrap string) map[string]int {
	t.Helper()
	if _, err := exec.LookPath("kcat"); err != nil {
		t.Fatal("kcat not found: scripts/test.sh installs it (apt-get install kcat)")
	}
	raw, err := exec.Command("kcat", "-b", bootstrap, "-L", "-J", "-m", "10").Output()
	if err != nil {
		t.Fatalf("kcat -L: %v", err)
	}
	var md struct {
		Topics []struct {
			Topic      string `json:"topic"`
			Partitions []any  `json:"partitions"`
		} `json:"topics"`
	}
	if err := json.Unmarshal(raw, &md); err != nil {
		t.Fatalf("parsing kcat -L -J output: %v\n%s", err, raw)
	}
	out := map[string]int{}
	for _, tm := range md.Topics {
		out[tm.Topic] = len(tm.Partitions)
	}
	return out
}

// subjectIDs reads subject → latest schema id over the registry's REST API.
func subjectIDs(t *testing.T, base string) map[string]int {
	t.Helper()
	get := func(path string, v any) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	var subjects []string
	get("/subjects", &subjects)
	out := map[string]int{}
	for _, s := range subjects {
		var v struct{ ID int }
		get("/subjects/"+s+"/versions/latest", &v)
		out[s] = v.ID
	}
	return out
}

func TestUpEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds and runs the binary")
	}
	bin := buildBinary(t)
	dataDir := t.TempDir()
	// Settings come from all three sources: a flag, an env var and a file.
	cfgFile := filepath.Join(t.TempDir(), "rp.yaml")
	if err := os.WriteFile(cfgFile, []byte("partitions: 4\nlog-format: json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, ports, table := startUpOnFreePorts(t, bin, []string{"RETAILPULSE_CONFIG=" + cfgFile}, "--data-dir", dataDir)
	bootstrap := "127.0.0.1:" + strconv.Itoa(ports.kafka)
	registryURL, proxyURL, cnPort := localURL(ports.registry), localURL(ports.proxy), ports.connect
	env := append([]string{"RETAILPULSE_CONFIG=" + cfgFile}, ports.env()...)
	if !strings.HasPrefix(table[0], "kafka") || !strings.Contains(table[0], bootstrap) {
		t.Fatalf("endpoint table does not name the broker at %s: %q", bootstrap, table)
	}
	if len(table) < 3 || !strings.HasPrefix(table[1], "schema-registry") || !strings.Contains(table[1], registryURL) ||
		!strings.HasPrefix(table[2], "rest-proxy") || !strings.Contains(table[2], proxyURL) {
		t.Fatalf("endpoint table does not name the registry at %s and the proxy at %s: %q", registryURL, proxyURL, table)
	}
	connectURL := "http://127.0.0.1:" + strconv.Itoa(cnPort)
	if len(table) < 4 || !strings.HasPrefix(table[3], "connect") || !strings.Contains(table[3], connectURL) {
		t.Fatalf("endpoint table does not name Connect at %s: %q", connectURL, table)
	}
	var plugins []struct{ Class string }
	resp, err := http.Get(connectURL + "/connector-plugins")
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&plugins)
	resp.Body.Close()
	if len(plugins) == 0 {
		t.Fatalf("Connect lists no plugins")
	}
	// The topics command (what compose runs) finds everything up created.
	out, err := exec.Command(bin, "topics", "--kafka-bootstrap", bootstrap).CombinedOutput()
	if err != nil || strings.Contains(string(out), "created") || !strings.Contains(string(out), "user-events  ") {
		t.Errorf("topics command against up: err=%v\n%s", err, out)
	}
	ids := subjectIDs(t, registryURL)
	for _, s := range avro.All() {
		if ids[s.Subject] == 0 {
			t.Errorf("subject %s not registered by up; have %v", s.Subject, ids)
		}
	}
	got := kcatTopics(t, bootstrap)
	for _, name := range topics.Names() {
		if _, ok := got[name]; !ok {
			t.Errorf("topic %q missing after up; have %v", name, got)
		}
	}
	if got[topics.UserEvents] != 4 || got[topics.Schemas] != 1 {
		t.Errorf("partitions: user-events=%d (want 4 from the file), _schemas=%d (want 1)", got[topics.UserEvents], got[topics.Schemas])
	}

	// An SDK-shaped event through the REST proxy, as the README shows.
	resp, err = http.Post(proxyURL+"/topics/user-events", "application/vnd.kafka.json.v2+json", strings.NewReader(
		`{"records":[{"value":{"event_id":"7a3b4c5d-6e7f-4a1b-8c2d-3e4f5a6b7c8d","event_type":"PRODUCT_VIEW",`+
			`"user_id":"u-13","session_id":"s-7","event_time":1767225600000,"item_id":"sku-5","price":19.99,"currency":"EUR"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var produced struct {
		ValueSchemaID int `json:"value_schema_id"`
		Offsets       []struct {
			ErrorCode *int `json:"error_code"`
		} `json:"offsets"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&produced)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(produced.Offsets) != 1 || produced.Offsets[0].ErrorCode != nil ||
		produced.ValueSchemaID != ids["user-events-value"] {
		t.Fatalf("REST produce: %s %+v", resp.Status, produced)
	}

	// Leave a record behind to find after the restart.
	prod, err := kafka.NewProducer(kclient.Config{Bootstrap: bootstrap}.Producer("test"))
	if err != nil {
		t.Fatal(err)
	}
	topic := topics.UserEvents
	dr := make(chan kafka.Event, 1)
	if err := prod.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},
		Key: []byte("u1"), Value: []byte("hello")}, dr); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-dr:
		if m := ev.(*kafka.Message); m.TopicPartition.Error != nil {
			t.Fatalf("delivery failed: %v", m.TopicPartition.Error)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no delivery report within 15 s")
	}
	prod.Close()
	p.stop(t)

	// A second up on the same data dir finds everything and creates nothing.
	p, _ = startUp(t, bin, env, "--data-dir", dataDir)
	if strings.Contains(p.stderr.String(), "created topics") {
		t.Errorf("second up created topics again:\n%s", p.stderr)
	}
	if again := subjectIDs(t, registryURL); !reflect.DeepEqual(again, ids) {
		t.Errorf("schema ids changed across restart: %v → %v", ids, again)
	}
	admin, err := kafka.NewAdminClient(kclient.Config{Bootstrap: bootstrap}.Admin("test"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	specs := map[kafka.TopicPartition]kafka.OffsetSpec{}
	for i := int32(0); i < 4; i++ {
		specs[kafka.TopicPartition{Topic: &topic, Partition: i}] = kafka.LatestOffsetSpec
	}
	res, err := admin.ListOffsets(ctx, specs)
	admin.Close()
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, r := range res.ResultInfos {
		total += int64(r.Offset)
	}
	if total != 2 {
		t.Errorf("after restart user-events holds %d records, want 2 (one via REST, one via librdkafka)", total)
	}
	p.stop(t)
}

func TestUpRejectsBadConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds and runs the binary")
	}
	bin := buildBinary(t)
	cfgFile := filepath.Join(t.TempDir(), "rp.yaml")
	_ = os.WriteFile(cfgFile, []byte("partitons: 4\n"), 0o600)
	out, err := exec.Command(bin, "up", "--config", cfgFile).CombinedOutput()
	if err == nil || !strings.Contains(string(out), `"partitons"`) {
		t.Fatalf("want a failure naming the unknown key, got err=%v out=%s", err, out)
	}
	out, err = exec.Command(bin, "up", "--kafka-bootstrap", "nohostport").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "kafka-bootstrap") {
		t.Fatalf("want a failure naming --kafka-bootstrap, got err=%v out=%s", err, out)
	}
}
