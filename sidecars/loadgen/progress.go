package loadgen

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// progress prints one line per interval, rewriting it in place: achieved
// rates and latency over the last interval, totals so far.
func progress(out io.Writer, o *Options, c *counters, window *histogram, start time.Time, stop <-chan struct{}) {
	t := time.NewTicker(o.Progress)
	defer t.Stop()
	last, lastAt := int64(0), start
	for {
		select {
		case <-stop:
			fmt.Fprintln(out)
			return
		case now := <-t.C:
			acc := c.accepted.Load()
			w := window.snapshot(true)
			rate := float64(acc-last) / now.Sub(lastAt).Seconds()
			last, lastAt = acc, now
			target := "max"
			if o.Rate > 0 {
				target = human(o.Rate)
			}
			fmt.Fprintf(out, "\r%6.1fs  %s ev/s (target %s)  accepted %s  p50 %s  p99 %s  rejected %d  429s %d  failed %d   ",
				now.Sub(start).Seconds(), human(rate), target, human(float64(acc)), ms(w.quantile(0.5)), ms(w.quantile(0.99)),
				c.rejected.Load(), c.throttled.Load(), c.failed.Load())
		}
	}
}

func summary(out io.Writer, o *Options, r Result) {
	codes := make([]int, 0, len(r.Status))
	for code := range r.Status {
		codes = append(codes, code)
	}
	sort.Ints(codes)
	var st []string
	for _, code := range codes {
		st = append(st, fmt.Sprintf("%d×%d", code, r.Status[code]))
	}
	target := "as fast as possible"
	if o.Rate > 0 {
		target = fmt.Sprintf("target %s ev/s", human(o.Rate))
	}
	fmt.Fprintf(out, "api %s, batch %d, %d connections, %s, %s\n", o.API, o.BatchSize, o.Concurrency, o.Source, target)
	fmt.Fprintf(out, "%d events in %d requests over %s: %s events/s accepted, %s requests/s\n",
		r.Events, r.Requests, r.Elapsed.Round(time.Millisecond), human(r.EventsPerSec), human(r.RequestsPerSec))
	fmt.Fprintf(out, "latency (from when each request was due): p50 %s  p90 %s  p99 %s  p99.9 %s  max %s\n",
		ms(r.Latency.P50), ms(r.Latency.P90), ms(r.Latency.P99), ms(r.Latency.P999), ms(r.Latency.Max))
	fmt.Fprintf(out, "accepted %d, rejected %d, throttled requests %d, failed requests %d; status %s\n",
		r.Accepted, r.Rejected, r.Throttled, r.Failed, strings.Join(st, " "))
}

func human(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
