package sweep

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkRun measures sweep throughput in runs/s for 1 and 2 workers on
// a replication of about 10 ms (an M/M/1 queue over 10 virtual seconds), so
// the ratio shows how the pool scales with cores.
func BenchmarkRun(b *testing.B) {
	sp, err := Grid(Strings("server", "base"), Floats("load", 0.5, 0.7, 0.9), Durations("horizon", 10*time.Second))
	if err != nil {
		b.Fatal(err)
	}
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			cfg := queueConfig()
			cfg.Space, cfg.Replicas, cfg.Workers = sp, 4, w
			runs := 0
			for b.Loop() {
				res, err := Run(context.Background(), cfg)
				if err != nil {
					b.Fatal(err)
				}
				runs += len(res.Runs)
			}
			b.ReportMetric(float64(runs)/b.Elapsed().Seconds(), "runs/s")
		})
	}
}

// BenchmarkOverhead measures what the sweep adds per run (hand-off to a
// worker, both output lines, the final rewrite) with an empty Func.
func BenchmarkOverhead(b *testing.B) {
	sp, err := Grid(Ints("i", seq(250)...))
	if err != nil {
		b.Fatal(err)
	}
	cfg := Config{
		Name: "overhead", Space: sp, Replicas: 4, Metrics: []string{"v"}, NoProgress: true, Workers: 2,
		Run: func(r *Replica) (Metrics, error) { return Metrics{"v": float64(r.Replica)}, nil },
	}
	runs := 0
	for b.Loop() {
		dir := b.TempDir()
		cfg.JSONL, cfg.CSV = filepath.Join(dir, "r.jsonl"), filepath.Join(dir, "r.csv")
		res, err := Run(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		runs += len(res.Runs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(runs), "ns/run")
}
