package broker

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockFile is held (flock, exclusive) for as long as a broker uses a data
// directory: two brokers appending to the same segment files would corrupt
// them. The kernel drops the lock when the process dies, so a kill -9 never
// leaves a stale lock behind.
const lockFile = ".retailpulse-broker.lock"

func lockDataDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening lock file in %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("locking data dir %s: %w", dir, ErrDataDirInUse)
		}
		return nil, fmt.Errorf("locking data dir %s: %w", dir, err)
	}
	return f, nil
}

func unlockDataDir(f *os.File) {
	if f != nil {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}
}
