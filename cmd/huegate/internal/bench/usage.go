package bench

import (
	"runtime"
	"runtime/debug"
	"time"
)

// usage is the bench process's resource use at one moment: the system under
// test is all that runs in it while a run is measured.
type usage struct {
	cpu     time.Duration
	cpuOK   bool
	mallocs uint64
}

func sampleUsage() usage {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	cpu, ok := cpuTime()
	return usage{cpu: cpu, cpuOK: ok, mallocs: ms.Mallocs}
}

// freshMemory returns what earlier runs left to the OS and restarts the
// peak-RSS count, so a run's peak is its own. It reports whether the peak
// can be measured here.
func freshMemory() bool {
	debug.FreeOSMemory()
	return resetPeakRSS()
}
