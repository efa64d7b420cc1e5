package httpx

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
)

// BenchmarkSmallPOST is one small POST and its answer per op over loopback
// keep-alive connections, 32 at a time, against a route in the fast lane
// and the same route on net/http; client and server share the process, so
// ns/op and allocs/op are both sides together (the client is a plain loop
// that costs the same in both).
func BenchmarkSmallPOST(b *testing.B) {
	for _, lane := range []bool{false, true} {
		name := "net-http"
		if lane {
			name = "fast-lane"
		}
		b.Run(name, func(b *testing.B) {
			s, err := New("bench", WithAddr("127.0.0.1:0"))
			if err != nil {
				b.Fatal(err)
			}
			handle := s.Handle
			if lane {
				handle = s.HandleFast
			}
			answer := []byte(`{"offsets":[{"partition":0,"offset":1}]}`)
			handle("POST /topics/{topic}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/vnd.kafka.v2+json")
				_, _ = w.Write(answer)
			}))
			if err := s.Start(); err != nil {
				b.Fatal(err)
			}
			defer func() { _ = s.Shutdown(context.Background()) }()
			req := []byte(post("/topics/user-events", `{"records":[{"value":{"event_id":"e-1","user_id":"u-1"}}]}`,
				"Content-Type: application/vnd.kafka.json.v2+json", "User-Agent: bench"))
			const conns = 32
			var (
				wg   sync.WaitGroup
				next = make(chan struct{}, conns)
				fail = make(chan error, conns)
			)
			b.ReportAllocs()
			b.ResetTimer()
			go func() {
				for range b.N {
					next <- struct{}{}
				}
				close(next)
			}()
			for range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c, err := net.Dial("tcp", s.Addr())
					if err != nil {
						fail <- err
						return
					}
					defer c.Close()
					br := bufio.NewReader(c)
					for range next {
						if _, err := c.Write(req); err != nil {
							fail <- err
							return
						}
						resp, err := http.ReadResponse(br, nil)
						if err != nil {
							fail <- err
							return
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						_ = resp.Body.Close()
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			select {
			case err := <-fail:
				b.Fatal(err)
			default:
			}
		})
	}
}
