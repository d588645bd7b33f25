package config

import _ "embed" // for go:embed

//go:generate cp ../config.example.yaml config.example.yaml

// Example is the commented starter configuration `huegate init` writes. It is
// a copy of config.example.yaml at the repository root, the file users read,
// because go:embed cannot reach outside this directory. After editing the root
// file, run `go generate ./config`; TestExampleIsTheRootFile
// fails until the two match.
//
//go:embed config.example.yaml
var Example []byte
