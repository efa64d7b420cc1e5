//go:build linux

package loadgen

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// The event loop drives a share of the connections from one goroutine with
// its own epoll set, each connection with at most one request in flight,
// as the worker goroutines do. Against a proxy sharing two cores, a
// goroutine per connection cost the generator about 5 µs a request above
// its write and read: a read that finds nothing and parks, the runtime's
// netpoll and futex hand-offs, a deadline timer re-armed per request. Here
// a request is one write and, per answer, one read; epoll_wait is shared by
// every answer that arrived meanwhile, and timeouts are a sweep over the
// connections a few times a second.

const (
	sysEpollPwait2 = 441 // the same number on every Linux architecture
	// sweepEvery bounds how late a timeout is noticed.
	sweepEvery = 100 * time.Millisecond
	epollET    = 1 << 31
)

// haveEventLoop says runLoops can drive plain-HTTP runs on this platform.
const haveEventLoop = true

// loopConn is one keep-alive connection and its worker.
type loopConn struct {
	w        worker
	idx      int    // in the loop's conns and epoll data
	fd       int    // -1 while not connected
	out      []byte // the request; out[sent:] is still to be written
	sent     int
	in       []byte // what the server sent so far
	scratch  []byte // chunked bodies
	n        int    // events in the request in flight; 0 when idle
	due      time.Time
	deadline time.Time
}

type evloop struct {
	ctx     context.Context
	o       *Options
	addr    string
	head    []byte // request line and headers up to the Content-Length value
	conns   []*loopConn
	idle    []*loopConn
	busy    int
	epfd    int
	wakeMu  sync.Mutex
	wakeFD  int // eventfd written when ctx ends; -1 once closed
	events  []syscall.EpollEvent
	pwait2  bool
	sched   *schedule
	pending bool // k and due hold a claimed request not yet sent
	k       int64
	due     time.Time
	stopped bool
	sweepAt time.Time
}

// newEvloop prepares a loop for workers; it dials on first use.
func newEvloop(ctx context.Context, o *Options, target string, workers []worker, sched *schedule) (*evloop, error) {
	addr, head, err := requestHead(o, target)
	if err != nil {
		return nil, err
	}
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("creating epoll set: %w", err)
	}
	l := &evloop{ctx: ctx, o: o, addr: addr, head: head, epfd: epfd, wakeFD: -1, sched: sched, pwait2: true,
		events: make([]syscall.EpollEvent, len(workers)+1)}
	wfd, _, errno := syscall.Syscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if errno != 0 {
		l.close()
		return nil, fmt.Errorf("creating eventfd: %w", errno)
	}
	l.wakeFD = int(wfd)
	if err := l.watch(l.wakeFD, len(workers), syscall.EPOLLIN|epollET); err != nil {
		l.close()
		return nil, err
	}
	for i := range workers {
		c := &loopConn{w: workers[i], idx: i, fd: -1, in: make([]byte, 0, 4<<10)}
		l.conns = append(l.conns, c)
		l.idle = append(l.idle, c)
	}
	return l, nil
}

// requestHead splits target into the address to dial and the fixed start
// of every request.
func requestHead(o *Options, target string) (addr string, head []byte, err error) {
	p, err := newPoster(target, o.APIKey, o.Timeout, nil)
	if err != nil {
		return "", nil, err
	}
	r, ok := p.(*rawConn)
	if !ok {
		return "", nil, fmt.Errorf("%w: the event loop needs an http target, got %q", ErrInvalidOptions, target)
	}
	head = fmt.Appendf(nil, "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: retailpulse-loadgen\r\nContent-Type: %s\r\n",
		r.path, r.host, contentType(o.API))
	if o.APIKey != "" {
		head = fmt.Appendf(head, "X-API-Key: %s\r\n", o.APIKey)
	}
	return r.addr, append(head, "Content-Length: "...), nil
}

func (l *evloop) watch(fd, index int, events uint32) error {
	ev := syscall.EpollEvent{Events: events, Fd: int32(index)}
	if err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return fmt.Errorf("adding fd %d to the epoll set: %w", fd, err)
	}
	return nil
}

func (l *evloop) close() {
	for _, c := range l.conns {
		l.disconnect(c)
	}
	l.wakeMu.Lock()
	if l.wakeFD >= 0 {
		_ = syscall.Close(l.wakeFD)
		l.wakeFD = -1
	}
	l.wakeMu.Unlock()
	_ = syscall.Close(l.epfd)
}

// run sends requests until the schedule is exhausted or ctx ends, then
// waits for the answers in flight (each bounded by the timeout).
func (l *evloop) run() {
	defer l.close()
	stop := context.AfterFunc(l.ctx, func() {
		l.wakeMu.Lock()
		defer l.wakeMu.Unlock()
		if l.wakeFD >= 0 {
			one := uint64(1)
			_, _, _ = syscall.Syscall(syscall.SYS_WRITE, uintptr(l.wakeFD), uintptr(unsafe.Pointer(&one)), 8)
		}
	})
	defer stop()
	now := time.Now()
	l.sweepAt = now.Add(sweepEvery)
	for {
		wait := l.issue(now)
		if l.busy == 0 && l.stopped {
			return
		}
		n := l.wait(max(min(wait, l.sweepAt.Sub(now)), 0))
		for _, ev := range l.events[:n] {
			i := int(ev.Fd)
			if i == len(l.conns) {
				l.stopped = true // ctx ended
				continue
			}
			l.ready(l.conns[i], ev.Events)
		}
		now = time.Now()
		if !now.Before(l.sweepAt) {
			l.sweep(now)
			l.sweepAt = now.Add(sweepEvery)
		}
	}
}

// issue sends the requests that are due on idle connections and returns
// how long until the next one is due (a long time when none is waiting).
// It sets stopped once the run has no more requests to send.
func (l *evloop) issue(now time.Time) time.Duration {
	if !l.stopped && l.ctx.Err() != nil {
		l.stopped = true
	}
	o := l.o
	for len(l.idle) > 0 && !l.stopped {
		if !l.pending {
			l.k = l.sched.seq.Add(1) - 1
			if o.Events > 0 && l.k*int64(o.BatchSize) >= o.Events {
				l.stopped = true
				break
			}
			l.pending = true
			if l.sched.interval > 0 {
				l.due = l.sched.start.Add(time.Duration(l.k) * l.sched.interval)
			} else {
				l.due = time.Now()
			}
		}
		if l.sched.interval > 0 && l.due.After(now) {
			if now = time.Now(); l.due.After(now) {
				return l.due.Sub(now)
			}
		}
		c := l.idle[len(l.idle)-1]
		l.idle = l.idle[:len(l.idle)-1]
		l.pending = false
		n := o.BatchSize
		if o.Events > 0 {
			n = int(min(int64(n), o.Events-l.k*int64(o.BatchSize)))
		}
		l.send(c, n, l.due)
	}
	return sweepEvery
}

func (l *evloop) send(c *loopConn, n int, due time.Time) {
	c.w.c.events.Add(int64(n))
	c.n, c.due = n, due
	l.busy++
	if c.fd < 0 {
		if err := l.connect(c); err != nil {
			l.fail(c)
			return
		}
	}
	c.w.build(n)
	c.out = append(c.out[:0], l.head...)
	c.out = strconv.AppendInt(c.out, int64(len(c.w.body)), 10)
	c.out = append(c.out, "\r\n\r\n"...)
	c.out = append(c.out, c.w.body...)
	c.sent = 0
	if l.sched.interval > 0 {
		c.deadline = time.Now().Add(l.o.Timeout)
	} else {
		c.deadline = due.Add(l.o.Timeout) // due is now
	}
	l.flush(c)
}

// connect dials with the standard library (resolution, timeout, ctx) and
// takes over a duplicate of its socket, so the runtime's poller no longer
// watches it.
func (l *evloop) connect(c *loopConn) error {
	d := net.Dialer{Timeout: l.o.Timeout}
	nc, err := d.DialContext(l.ctx, "tcp", l.addr)
	if err != nil {
		return err
	}
	defer nc.Close()
	rc, err := nc.(*net.TCPConn).SyscallConn()
	if err != nil {
		return err
	}
	fd := -1
	var errno syscall.Errno
	if err := rc.Control(func(s uintptr) {
		var r uintptr
		r, _, errno = syscall.Syscall(syscall.SYS_FCNTL, s, syscall.F_DUPFD_CLOEXEC, 0)
		fd = int(r)
	}); err != nil {
		return err
	}
	if errno != 0 {
		return fmt.Errorf("duplicating the socket: %w", errno)
	}
	if err := l.watch(fd, c.idx, syscall.EPOLLIN|syscall.EPOLLRDHUP|epollET); err != nil {
		_ = syscall.Close(fd)
		return err
	}
	c.fd = fd
	return nil
}

// flush writes what is left of the request; the socket is non-blocking, so
// a full send buffer waits for EPOLLOUT.
func (l *evloop) flush(c *loopConn) {
	for c.sent < len(c.out) {
		m, errno := rawIO(syscall.SYS_WRITE, c.fd, c.out[c.sent:])
		switch {
		case errno == syscall.EAGAIN:
			l.modify(c, syscall.EPOLLIN|syscall.EPOLLOUT|syscall.EPOLLRDHUP)
			return
		case errno == syscall.EINTR:
			continue
		case errno != 0:
			l.fail(c)
			return
		}
		c.sent += m
	}
}

func (l *evloop) modify(c *loopConn, events uint32) {
	ev := syscall.EpollEvent{Events: events | epollET, Fd: int32(c.idx)}
	if err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_MOD, c.fd, &ev); err != nil {
		l.fail(c)
	}
}

// ready handles one connection's epoll events.
func (l *evloop) ready(c *loopConn, events uint32) {
	if c.fd < 0 {
		return
	}
	if c.n == 0 {
		// An idle connection only hears the server closing it (or
		// bytes it did not ask for): reconnect on next use.
		l.disconnect(c)
		return
	}
	if events&syscall.EPOLLOUT != 0 && c.sent < len(c.out) {
		l.flush(c)
		if c.n == 0 {
			return
		}
		if c.sent == len(c.out) {
			l.modify(c, syscall.EPOLLIN|syscall.EPOLLRDHUP)
		}
	}
	if events&(syscall.EPOLLIN|syscall.EPOLLRDHUP|syscall.EPOLLHUP|syscall.EPOLLERR) != 0 {
		l.read(c)
	}
}

// read takes what the socket holds and completes the request once the
// answer is whole. Edge-triggered: it reads until a read comes back short.
func (l *evloop) read(c *loopConn) {
	for {
		if len(c.in) == cap(c.in) {
			if cap(c.in) >= maxAnswer {
				l.fail(c)
				return
			}
			c.in = append(c.in, make([]byte, cap(c.in))...)[:len(c.in)]
		}
		space := cap(c.in) - len(c.in)
		m, errno := rawIO(syscall.SYS_READ, c.fd, c.in[len(c.in):cap(c.in)])
		switch {
		case errno == syscall.EAGAIN:
			return
		case errno == syscall.EINTR:
			continue
		case errno != 0:
			l.fail(c)
			return
		}
		c.in = c.in[:len(c.in)+m]
		resp, used, err := parseResponse(c.in, m == 0, &c.scratch)
		if err != nil {
			l.fail(c)
			return
		}
		if used > 0 {
			l.complete(c, resp, used)
			return
		}
		if m < space {
			return
		}
	}
}

func (l *evloop) complete(c *loopConn, resp response, used int) {
	c.w.answered(resp.status, resp.body, c.n, time.Since(c.due))
	c.n = 0
	l.busy--
	// Bytes past the answer, or an answer before the whole request went
	// out, leave the connection in no state to reuse.
	if resp.closeConn || used < len(c.in) || c.sent < len(c.out) {
		l.disconnect(c)
	}
	c.in = c.in[:0]
	l.idle = append(l.idle, c)
}

// fail counts the request in flight on c as failed and drops the
// connection.
func (l *evloop) fail(c *loopConn) {
	if c.n > 0 {
		c.w.fail(l.ctx, c.n)
		c.n = 0
		l.busy--
		l.idle = append(l.idle, c)
	}
	l.disconnect(c)
	c.in = c.in[:0]
}

func (l *evloop) disconnect(c *loopConn) {
	if c.fd >= 0 {
		_ = syscall.Close(c.fd) // also leaves the epoll set
		c.fd = -1
	}
}

// sweep fails the requests whose timeout passed.
func (l *evloop) sweep(now time.Time) {
	for _, c := range l.conns {
		if c.n > 0 && now.After(c.deadline) {
			l.fail(c)
		}
	}
}

// wait blocks in epoll for up to d and returns how many events arrived.
func (l *evloop) wait(d time.Duration) int {
	for {
		var n uintptr
		var errno syscall.Errno
		if l.pwait2 {
			ts := syscall.NsecToTimespec(int64(d))
			n, _, errno = syscall.Syscall6(sysEpollPwait2, uintptr(l.epfd), uintptr(unsafe.Pointer(&l.events[0])),
				uintptr(len(l.events)), uintptr(unsafe.Pointer(&ts)), 0, 0)
			if errno == syscall.ENOSYS {
				l.pwait2 = false
				continue
			}
		} else {
			// Millisecond timeouts, rounded up: pacing is coarser on
			// kernels before 5.11.
			ms := int((d + time.Millisecond - 1) / time.Millisecond)
			r, err := syscall.EpollWait(l.epfd, l.events, ms)
			n, errno = uintptr(max(r, 0)), 0
			if err != nil {
				errno = err.(syscall.Errno)
			}
		}
		switch {
		case errno == syscall.EINTR:
			return 0
		case errno != 0:
			// Only a broken epoll set fails here; stop issuing and let
			// the sweep time the requests in flight out.
			l.stopped = true
			time.Sleep(min(d, sweepEvery))
			return 0
		}
		return int(n)
	}
}

// rawIO reads or writes a non-blocking socket. It never blocks, so it skips
// the runtime's syscall bookkeeping.
func rawIO(trap uintptr, fd int, p []byte) (int, syscall.Errno) {
	if len(p) == 0 {
		return 0, 0
	}
	r, _, errno := syscall.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if errno != 0 {
		return 0, errno
	}
	return int(r), 0
}
