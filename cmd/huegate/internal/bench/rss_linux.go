package bench

import (
	"bytes"
	"os"
	"strconv"
)

// Peak RSS needs Linux: writing 5 to /proc/self/clear_refs resets the
// high-water mark that /proc/self/status shows as VmHWM. Elsewhere the
// bench reports no peak (null) rather than one that spans earlier runs.

func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// peakRSS is VmHWM in MiB.
func peakRSS() (float64, bool) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for line := range bytes.Lines(status) {
		rest, ok := bytes.CutPrefix(line, []byte("VmHWM:"))
		if !ok {
			continue
		}
		kb, err := strconv.ParseFloat(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))), 64)
		if err != nil {
			return 0, false
		}
		return kb / 1024, true
	}
	return 0, false
}
