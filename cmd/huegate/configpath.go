package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/huegate/huegate/config"
)

// systemConfigDir is the last place huegate looks for config.yaml; the
// systemd unit's ConfigurationDirectory= and the container's mount point.
// A variable so tests can point it at a temporary directory.
var systemConfigDir = "/etc/huegate"

// locateConfig finds the config file: --config, then $HUEGATE_CONFIG (either
// must exist), then the first existing file of searchPaths. With none it
// returns "": the environment alone configures huegate. A search path that
// cannot be examined (permissions) is an error, never silently skipped.
func (g *globals) locateConfig() (string, error) {
	if p := g.explicitConfig(); p != "" {
		_, err := config.Stat(p)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return p, &exitError{2, fmt.Errorf("config file %s: %w (`huegate init --config %s` writes a starter one)", p, unwrapPath(err), p)}
		case err != nil:
			return p, pathError(p, err)
		}
		return p, nil
	}
	for _, p := range searchPaths() {
		_, err := config.Stat(p)
		switch {
		case err == nil:
			return p, nil
		case !errors.Is(err, os.ErrNotExist):
			return p, pathError(p, err)
		}
	}
	return "", nil
}

// pathError is exit code 2 for a config path that cannot be read: one that
// cannot be examined, or names a pipe, a directory or a device (reading a
// pipe would wait for a writer for ever).
func pathError(p string, err error) error {
	var nr *config.NotRegularError
	if errors.As(err, &nr) {
		return &exitError{2, err} // names the path and what it is
	}
	return &exitError{2, fmt.Errorf("config file %s: %w", p, unwrapPath(err))}
}

// explicitConfig is --config, else $HUEGATE_CONFIG, else "".
func (g *globals) explicitConfig() string {
	if g.configPath != "" {
		return g.configPath
	}
	return os.Getenv("HUEGATE_CONFIG")
}

// searchPaths are the places huegate looks when no file is named, in order:
// ./config.yaml, $XDG_CONFIG_HOME/huegate/config.yaml (default
// ~/.config/huegate/config.yaml), /etc/huegate/config.yaml.
func searchPaths() []string {
	paths := []string{"config.yaml"}
	if abs, err := filepath.Abs("config.yaml"); err == nil {
		paths[0] = abs // logs say which file, wherever huegate was started
	}
	if dir := userConfigDir(); dir != "" {
		paths = append(paths, filepath.Join(dir, "huegate", "config.yaml"))
	}
	return append(paths, filepath.Join(systemConfigDir, "config.yaml"))
}

// userConfigDir follows the XDG base directory spec on every system (also
// macOS, where os.UserConfigDir would say ~/Library/Application Support):
// a relative $XDG_CONFIG_HOME is ignored, and without $HOME there is none
// (systemd's DynamicUser= services have no home).
func userConfigDir() string {
	if x := os.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(x) {
		return x
	}
	if home := os.Getenv("HOME"); filepath.IsAbs(home) && home != "/" {
		return filepath.Join(home, ".config")
	}
	return ""
}

// configFile is the file a command reads or writes: the one locateConfig
// finds, else ./config.yaml (where `init` and `pair` create a new one).
func (g *globals) configFile() string {
	if p, _ := g.locateConfig(); p != "" {
		return p
	}
	return searchPaths()[0]
}

// unwrapPath drops the *PathError's own copy of the path, which the
// message already names.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
