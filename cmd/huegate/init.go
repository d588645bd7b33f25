package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/huegate/huegate/config"
	"github.com/spf13/cobra"
)

func newInitCmd(g *globals) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write a commented starter config file",
		Long: `Write a commented starter config (the same text as config.example.yaml)
to the file huegate run would read: --config, else $HUEGATE_CONFIG, else the
first existing file of ./config.yaml, ~/.config/huegate/config.yaml and
/etc/huegate/config.yaml, else ./config.yaml. Parent directories are created.
The file gets mode 0600, since it will hold the bridge key and the MQTT
password. An existing file is left alone unless --force is given.`,
		Example: `  huegate init
  huegate init --config ~/.config/huegate/config.yaml
  sudo huegate init --config /etc/huegate/config.yaml`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			path := g.configFile()
			if err := writeStarterConfig(path, force); err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "wrote %s\nnext: set bridge.host and the mappings, get a bridge key with `huegate pair`, then `huegate run --config %s`\n", path, path)
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite an existing file")
	return cmd
}

// writeStarterConfig writes config.Example to path with mode 0600. Without
// force, an existing file is an error and stays untouched (O_EXCL, so not
// even a file created a moment ago is lost). With force the new file
// replaces the old one by rename: a crash leaves one or the other, whole.
func writeStarterConfig(path string, force bool) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create the config's directory: %w", err)
	}
	if !force {
		return writeNew(path, config.Example)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".huegate-init-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if err := writeClose(tmp, config.Example); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s already exists; left unchanged (--force overwrites it)", path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, unwrapPath(err))
	}
	if err := writeClose(f, data); err != nil {
		os.Remove(path) // a half-written starter config is worth nothing
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// writeClose writes data, flushes it to disk and closes f. CreateTemp makes
// files 0600 too, so both ways end with the same mode.
func writeClose(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
