//go:build !linux

package bench

func resetPeakRSS() bool       { return false }
func peakRSS() (float64, bool) { return 0, false }
