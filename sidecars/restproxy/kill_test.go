package restproxy_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/sidecars/restproxy"
)

// helperEnv switches TestHelperProxyProcess on and carries
// "<bootstrap> <registry url>".
const helperEnv = "RETAILPULSE_RESTPROXY_HELPER"

// TestHelperProxyProcess is not a test: TestKill9AckedRecordsAreInKafka runs
// the test binary again with only this function selected, to get a proxy
// in a process it can SIGKILL. It serves until killed or until stdin closes.
func TestHelperProxyProcess(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		t.Skip("helper process of TestKill9AckedRecordsAreInKafka")
	}
	bootstrap, regURL, _ := strings.Cut(spec, " ")
	p, err := restproxy.New(restproxy.WithAddr("127.0.0.1:0"), restproxy.WithKafka(kclient.Config{Bootstrap: bootstrap}),
		restproxy.WithSchemaRegistry(regURL))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx := context.Background()
	if err := p.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for p.Ready(ctx) != nil {
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Printf("proxy-url=%s\n", p.URL())
	_, _ = io.Copy(io.Discard, os.Stdin)
	os.Exit(3) // the parent went away without killing us
}

// TestKill9AckedRecordsAreInKafka kills the proxy with SIGKILL under load:
// every record that got a success answer must be in Kafka, read back with
// read_committed. Records whose answer was lost may or may not be there.
func TestKill9AckedRecordsAreInKafka(t *testing.T) {
	_, kc := startBroker(t)
	regURL, reg, _ := startRegistry(t)

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProxyProcess$", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), helperEnv+"="+kc.Bootstrap+" "+regURL)
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting proxy process: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = stdin.Close(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	url := ""
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "proxy-url="); ok {
			url = v
			break
		}
	}
	if url == "" {
		t.Fatal("proxy process did not report its url")
	}
	go func() {
		for sc.Scan() {
		}
	}()

	// 32 clients post single events (and small batches) as fast as they
	// can; each remembers the event ids the proxy acknowledged.
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	var acked sync.Map
	var nAcked, seq atomic.Int64
	var killed atomic.Bool
	var wg sync.WaitGroup
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for !killed.Load() {
				n := 1 + w%3 // 1, 2 or 3 records per request
				ids := make([]string, n)
				recs := make([]string, n)
				for i := range recs {
					k := seq.Add(1)
					ids[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", k)
					recs[i] = `{"value":` + eventJSON(int(k), map[string]any{"event_id": ids[i], "user_id": fmt.Sprintf("u-%d", k%97)}) + `}`
				}
				resp, err := client.Post(url+"/topics/user-events", ctAvro, strings.NewReader(`{"records":[`+strings.Join(recs, ",")+`]}`))
				if err != nil {
					if killed.Load() {
						return
					}
					continue
				}
				var rep v2Reply
				err = json.NewDecoder(resp.Body).Decode(&rep)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || len(rep.Offsets) != n {
					continue // an answer cut off by the kill acknowledges nothing
				}
				for i, o := range rep.Offsets {
					if o.ErrorCode == nil && o.Offset != nil {
						acked.Store(ids[i], [2]int64{int64(*o.Partition), *o.Offset})
						nAcked.Add(1)
					}
				}
				if killed.Load() {
					return
				}
			}
		}(w)
	}
	// Let load build up, then kill mid-stream.
	deadline := time.Now().Add(30 * time.Second)
	for nAcked.Load() < 3000 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	killed.Store(true)
	wg.Wait()
	_ = cmd.Wait()
	if nAcked.Load() < 100 {
		t.Fatalf("only %d records acknowledged before the kill; load never built up", nAcked.Load())
	}

	// Everything acknowledged must be readable, committed, exactly where
	// the proxy said it was stored.
	stored := map[string][2]int64{}
	des, err := serde.NewDeserializer(reg, serde.WithReaderSchema(func() string { s, _ := avro.ByName("UserEvent"); return s.Text }()))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range readTopic(t, kc, "user-events", -1) {
		var ev avro.UserEvent
		if err := des.Deserialize(context.Background(), "user-events", c.value, &ev); err != nil {
			t.Fatalf("undecodable record at %d/%d: %v", c.partition, c.offset, err)
		}
		stored[ev.EventID] = [2]int64{int64(c.partition), c.offset}
	}
	missing := 0
	acked.Range(func(k, v any) bool {
		at, ok := stored[k.(string)]
		switch {
		case !ok:
			missing++
			if missing <= 5 {
				t.Errorf("acknowledged event %s (partition/offset %v) is not in Kafka", k, v)
			}
		case at != v.([2]int64):
			t.Errorf("event %s acknowledged at partition/offset %v but stored at %v", k, v, at)
		}
		return true
	})
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged events lost", missing, nAcked.Load())
	}
	t.Logf("killed under load: %d events acknowledged, all stored; %d stored in total (the rest were in flight)",
		nAcked.Load(), len(stored))
}
