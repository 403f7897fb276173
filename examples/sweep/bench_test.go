package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/sweep"
)

// BenchmarkReplication is the single-core cost of one replication of the
// example at its defaults: an hour-long ramp to 240 requests/s (about
// 500,000 requests) on c7g.large at 55% CPU.
func BenchmarkReplication(b *testing.B) {
	sc := DefaultScenario()
	sc.InstanceType, sc.TargetCPU = "c7g.large", 55
	var sent uint64
	for b.Loop() {
		o, err := Simulate(1, sc)
		if err != nil {
			b.Fatal(err)
		}
		sent += o.Sent
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(sent), "ns/request")
}

// BenchmarkSweep runs the example's 12 points × 2 replications over a
// 10-minute ramp with 1 and 2 workers and reports runs per second; the
// ratio is the scaling across cores.
//
// Like main, it runs with GOGC=400 (unless GOGC is set).
func BenchmarkSweep(b *testing.B) {
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			cfg, err := config(options{reps: 2, workers: w, seed: 1, horizon: 10 * time.Minute, peak: 120})
			if err != nil {
				b.Fatal(err)
			}
			runs := 0
			for b.Loop() {
				res, err := sweep.Run(context.Background(), cfg)
				if err != nil {
					b.Fatal(err)
				}
				runs += len(res.Runs)
			}
			b.ReportMetric(float64(runs)/b.Elapsed().Seconds(), "runs/s")
		})
	}
}
