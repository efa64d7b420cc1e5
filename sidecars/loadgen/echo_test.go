package loadgen_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/retailpulse/retailpulse/sidecars/loadgen"
)

// echoEnv switches TestHelperEcho on in a child process.
const echoEnv = "RETAILPULSE_LOADGEN_ECHO"

// echoAnswer is what the proxy answers a one-event v2 request.
const echoAnswer = `{"key_schema_id":null,"value_schema_id":1,"offsets":[{"partition":3,"offset":123456,"error_code":null,"error":null}]}`

// TestHelperEcho is not a test: startEcho runs the test binary again with
// only this function selected, to answer every POST with a fixed v2 produce
// answer from another process. Its per-request cost is a fraction of the
// proxy's, so BenchmarkSingleV2Echo measures the generator nearly alone.
func TestHelperEcho(t *testing.T) {
	if os.Getenv(echoEnv) == "" {
		t.Skip("helper process of the loadgen benchmarks")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("echo-url=http://%s\n", ln.Addr())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	answer := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.kafka.v2+json\r\nContent-Length: " +
		strconv.Itoa(len(echoAnswer)) + "\r\n\r\n" + echoAnswer)
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go serveEcho(c, answer)
	}
}

func serveEcho(c net.Conn, answer []byte) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 64<<10)
	for {
		length := -1
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				return
			}
			if len(line) <= 2 {
				break
			}
			if name, value, ok := bytes.Cut(line, []byte(":")); ok && strings.EqualFold(string(name), "Content-Length") {
				length, _ = strconv.Atoi(string(bytes.TrimSpace(value)))
			}
		}
		if length < 0 {
			return
		}
		if _, err := br.Discard(length); err != nil {
			return
		}
		if _, err := c.Write(answer); err != nil {
			return
		}
	}
}

func startEcho(tb testing.TB) (url string, pid int) {
	tb.Helper()
	v, pid := startChild(tb, "TestHelperEcho", echoEnv, "echo-url")
	return v["echo-url"], pid
}

// BenchmarkSingleV2Echo is BenchmarkSingleV2 against a server that only
// answers: loadgen-cpu-µs/req is the generator's own cost per request.
func BenchmarkSingleV2Echo(b *testing.B) {
	url, pid := startEcho(b)
	o := loadgen.Options{URL: url, API: loadgen.APIv2, BatchSize: 1, Concurrency: 128, Progress: -1}
	warm := o
	warm.Events = 20 * int64(o.Concurrency)
	if _, err := loadgen.Run(context.Background(), warm, io.Discard); err != nil {
		b.Fatal(err)
	}
	o.Events = int64(b.N)
	b.ResetTimer()
	srv0, self0 := cpuOf(b, pid), cpuOf(b, os.Getpid())
	res, err := loadgen.Run(context.Background(), o, io.Discard)
	b.StopTimer()
	srvCPU, selfCPU := cpuOf(b, pid)-srv0, cpuOf(b, os.Getpid())-self0
	if err != nil {
		b.Fatal(err)
	}
	if res.Accepted != int64(b.N) || res.Failed != 0 {
		b.Fatalf("accepted %d of %d, %d failed: %+v", res.Accepted, b.N, res.Failed, res.Status)
	}
	perReq := func(c interface{ Microseconds() int64 }) float64 {
		return float64(c.Microseconds()) / float64(res.Requests)
	}
	b.ReportMetric(res.RequestsPerSec, "req/s")
	b.ReportMetric(perReq(selfCPU), "loadgen-cpu-µs/req")
	b.ReportMetric(perReq(srvCPU), "server-cpu-µs/req")
	b.ReportMetric(0, "ns/op")
}
