package redistest

import "syscall"

// procAttr makes the kernel kill redis-server when the test binary dies,
// so a crashed or timed-out test leaves no server behind.
func procAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
