package hbasetest

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill ZooKeeper when the test process
// dies, so a test binary killed by its timeout leaves no java behind.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
