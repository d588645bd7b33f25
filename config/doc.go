// Package config reads huegate's YAML configuration with viper, applies
// HUEGATE_* environment overrides, and checks every key, so that `validate`,
// `run` and a hot reload report the same problems in the same words: one line
// per problem, naming the key path.
package config
