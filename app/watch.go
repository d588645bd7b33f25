package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/rs/zerolog"
)

// pollInterval is how often the file is checked when inotify is not
// available; with the reload's debounce it stays within the 2 s promise.
const pollInterval = 500 * time.Millisecond

// fileWatch tells when a file may have changed. It watches the directory,
// not the file: editors save by writing a new file and renaming it over the
// old one, after which a watch on the file itself sees nothing more (viper's
// WatchConfig has this problem). Spurious signals are fine: the reload
// compares the content.
type fileWatch struct {
	C    <-chan struct{} // capacity 1; a pending signal absorbs later ones
	done chan struct{}
}

// wait returns once the watch has stopped (after ctx ended).
func (w *fileWatch) wait() { <-w.done }

// watchFile watches path until ctx ends, with inotify (fsnotify) on its
// directory, or by polling its size, time and inode if that fails.
func watchFile(ctx context.Context, path string, log zerolog.Logger) *fileWatch {
	ch := make(chan struct{}, 1)
	w := &fileWatch{C: ch, done: make(chan struct{})}
	signal := func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	fw, names, err := newDirWatcher(path)
	if err != nil {
		log.Warn().Err(err).Dur("every", pollInterval).Msg("cannot watch the config directory; polling the file instead")
		prev, _ := os.Stat(path)
		go func() {
			defer close(w.done)
			poll(ctx, path, prev, pollInterval, signal)
		}()
		return w
	}
	go func() {
		defer close(w.done)
		defer fw.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-fw.Events:
				if !ok {
					return
				}
				if names[filepath.Base(ev.Name)] || strings.HasPrefix(filepath.Base(ev.Name), "..") {
					signal() // "..data" and the like: a Kubernetes ConfigMap swapping its files
				}
			case err, ok := <-fw.Errors:
				if !ok {
					return
				}
				log.Warn().Err(err).Msg("config watch")
				signal() // events may have been lost: look at the file
			}
		}
	}()
	return w
}

// newDirWatcher watches the file's directory and, if the file is a symlink,
// its target's directory; names are the base names that matter.
func newDirWatcher(path string) (*fsnotify.Watcher, map[string]bool, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, nil, err
	}
	names := map[string]bool{filepath.Base(path): true}
	dirs := []string{filepath.Dir(path)}
	if target, err := filepath.EvalSymlinks(path); err == nil && target != path {
		names[filepath.Base(target)] = true
		dirs = append(dirs, filepath.Dir(target))
	}
	for _, d := range dirs {
		if err := fw.Add(d); err != nil {
			fw.Close()
			return nil, nil, err
		}
	}
	return fw, names, nil
}

// poll looks at the file every interval and signals when its size,
// modification time or identity changed from prev (nil: it did not exist).
func poll(ctx context.Context, path string, prev os.FileInfo, every time.Duration, signal func()) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cur, err := os.Stat(path)
		if changed(prev, cur, err) {
			signal()
		}
		prev = cur
	}
}

func changed(prev, cur os.FileInfo, err error) bool {
	switch {
	case err != nil || cur == nil:
		return prev != nil
	case prev == nil:
		return true
	}
	return !os.SameFile(prev, cur) || prev.Size() != cur.Size() || !prev.ModTime().Equal(cur.ModTime())
}
