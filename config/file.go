package config

import (
	"fmt"
	"io"
	"io/fs"
	"os"
)

// NotRegularError is a config path that names something other than a
// regular file: a pipe, a directory, a device or a socket.
type NotRegularError struct {
	Path string
	What string // "a pipe (FIFO)", "a directory", ...
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("config file %s is %s, not a regular file; huegate reads its config from a regular file only", e.Path, e.What)
}

// Stat is os.Stat (symlinks followed: a Kubernetes ConfigMap is one) that
// refuses anything but a regular file with a *NotRegularError.
func Stat(path string) (fs.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &NotRegularError{Path: path, What: kind(fi.Mode())}
	}
	return fi, nil
}

// ReadFile reads a config file, which must be a regular file. Opening a
// pipe for reading waits until something writes to it, which would freeze
// start-up, a reload and the stop waiting for that reload; a device could
// be read without end. So the path is checked first, and opened without
// blocking and checked again, in case something else took its place in
// between. The error for a missing file wraps os.ErrNotExist.
func ReadFile(path string) ([]byte, error) {
	if _, err := Stat(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &NotRegularError{Path: path, What: kind(fi.Mode())}
	}
	return io.ReadAll(f)
}

// kind names what a file that is not regular is, for NotRegularError.
func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a pipe (FIFO)" // also what `--config <(...)` names
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}
