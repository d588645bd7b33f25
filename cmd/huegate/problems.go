package main

import (
	"fmt"

	"github.com/huegate/huegate/app"
	"github.com/huegate/huegate/config"
)

// invalidConfig is the error for a configuration with problems: exit code 2
// and one line per problem.
func invalidConfig(cfg *config.Config, p config.Problems) error {
	return &app.ConfigError{Where: app.ConfigName(cfg), Problems: p}
}

func configName(cfg *config.Config) string { return app.ConfigName(cfg) }

// bridgeError names the bridge's config key in front of err.
func bridgeError(name string, err error) error {
	if name == config.DefaultBridge {
		return fmt.Errorf("bridge: %w", err)
	}
	return fmt.Errorf("bridges.%s: %w", name, err)
}
