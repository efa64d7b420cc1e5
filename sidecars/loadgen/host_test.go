package loadgen_test

import (
	"crypto/sha256"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The same binary on this VM has measured twice the throughput from one
// hour to the next, with and without hypervisor steal, so each benchmark
// run also reports what the host gave it: steal-% over the run, and
// calib-ms, the time of a fixed piece of CPU work (hashing and a map
// larger than L2) before and after the run. Rows are comparable only at
// similar calib-ms.

// hostTicks are the machine-wide CPU counters of /proc/stat's cpu line.
type hostTicks struct{ total, steal int64 }

func hostCPU(tb testing.TB) hostTicks {
	tb.Helper()
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		tb.Fatalf("reading /proc/stat: %v", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	var t hostTicks
	// cpu user nice system idle iowait irq softirq steal guest guest_nice;
	// guest time is already inside user.
	for i, f := range strings.Fields(line)[1:] {
		if i >= 8 {
			break
		}
		n, _ := strconv.ParseInt(f, 10, 64)
		t.total += n
		if i == 7 {
			t.steal = n
		}
	}
	return t
}

func (t hostTicks) minus(o hostTicks) hostTicks {
	return hostTicks{t.total - o.total, t.steal - o.steal}
}

func (t hostTicks) stealPercent() float64 {
	if t.total == 0 {
		return 0
	}
	return 100 * float64(t.steal) / float64(t.total)
}

// calibrate times a fixed single-threaded workload: 4 MiB of SHA-256 and
// 200k map operations over 64k keys.
func calibrate() time.Duration {
	buf := make([]byte, 256<<10)
	for i := range buf {
		buf[i] = byte(i)
	}
	m := make(map[uint64]uint64, 1<<16)
	start := time.Now()
	for range 16 {
		sum := sha256.Sum256(buf)
		buf[0] = sum[0]
	}
	x := uint64(1)
	for i := range 200_000 {
		x = x*6364136223846793005 + 1442695040888963407
		k := x >> 48
		m[k] += uint64(i)
	}
	elapsed := time.Since(start)
	if len(m) == 0 {
		panic("calibration map empty")
	}
	return elapsed
}
