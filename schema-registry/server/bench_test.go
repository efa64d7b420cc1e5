package server_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// BenchmarkLookupByID measures GET /schemas/ids/{id}, the call every
// deserializer makes on a cache miss, over TCP with keep-alive.
func BenchmarkLookupByID(b *testing.B) {
	h, client, ids := benchSetup(b)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if err := getID(client, h.url, ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkLookupByIDParallel is the same with GOMAXPROCS concurrent clients.
func BenchmarkLookupByIDParallel(b *testing.B) {
	h, client, ids := benchSetup(b)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if err := getID(client, h.url, ids[i%len(ids)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

func benchSetup(b *testing.B) (*harness, *http.Client, []int) {
	h := start(b, setup{})
	var ids []int
	for i := 0; i < 100; i++ {
		schema := fmt.Sprintf(`{"type":"record","name":"R%d","fields":[{"name":"f","type":"string"}]}`, i)
		status, _, _ := h.do(b, "POST", fmt.Sprintf("/subjects/s%d/versions", i), body(schema), nil)
		if status != 200 {
			b.Fatalf("register: %d", status)
		}
		ids = append(ids, i+1)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	return h, client, ids
}

func getID(c *http.Client, url string, id int) error {
	resp, err := c.Get(fmt.Sprintf("%s/schemas/ids/%d", url, id))
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET /schemas/ids/%d: status %d", id, resp.StatusCode)
	}
	return nil
}
