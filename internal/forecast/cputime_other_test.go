//go:build !unix

package forecast_test

import "time"

// cpuTime is the CPU time the process has used so far; not read here.
func cpuTime() (time.Duration, bool) { return 0, false }
