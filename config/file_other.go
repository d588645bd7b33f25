//go:build !unix

package config

// openNonblock is 0 where there are no named pipes to open in a file's
// place (Windows has no O_NONBLOCK for files).
const openNonblock = 0
