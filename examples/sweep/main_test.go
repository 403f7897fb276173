package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/sweep"
)

// shortArgs make a sweep of 3 types × 4 targets × 2 replications over a
// 10-minute ramp to 60 requests/s: seconds, not minutes.
var shortArgs = []string{"-horizon", "10m", "-peak", "60", "-reps", "2", "-progress=false"}

func noEnv(string) string { return "" }

func runExample(t *testing.T, dir string, getenv func(string) string, extra ...string) string {
	t.Helper()
	var out, errs bytes.Buffer
	args := append(append([]string{"-out", dir}, shortArgs...), extra...)
	require.NoError(t, run(context.Background(), args, &out, &errs, getenv), errs.String())
	return out.String()
}

// The example answers its question, writes its files, and gives the same
// answer and bytes with 1 or 2 workers, and from 2 merged shards.
func TestExampleShortAndShardsMerge(t *testing.T) {
	one, two, shards := t.TempDir(), t.TempDir(), t.TempDir()
	out := runExample(t, one, noEnv, "-workers", "1")
	assert.Len(t, section(out, "type  target CPU"), 12, "a row per point")
	front := section(out, "Pareto front")
	assert.NotEmpty(t, front)
	// Two replications give wide intervals, so the short run may find no
	// point that meets the SLO with confidence; it must say which.
	assert.True(t, strings.Contains(out, "\nAnswer: ") != strings.Contains(out, "\nNo point keeps p99 < 250ms"), out)
	png, err := os.ReadFile(filepath.Join(one, "chart.png"))
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(png, []byte("\x89PNG")), "chart is a PNG")
	runs, err := os.ReadFile(filepath.Join(one, "runs.csv"))
	require.NoError(t, err)
	assert.Equal(t, 2+24, bytes.Count(runs, []byte("\n")), "two header lines and 24 runs")

	// Output names its directory; otherwise it is the same.
	assert.Equal(t, strings.ReplaceAll(out, one, two), runExample(t, two, noEnv, "-workers", "2"))
	for _, i := range []string{"0", "1"} {
		env := map[string]string{"JOB_COMPLETION_INDEX": i, "NIMBUS_SWEEP_SHARDS": "2"}
		o := runExample(t, shards, func(k string) string { return env[k] })
		assert.Contains(t, o, "shard "+i+"/2: 6 points, 12 runs")
	}
	assert.Equal(t, strings.ReplaceAll(out, one, shards), runExample(t, shards, noEnv, "-merge"))
	for _, f := range []string{"runs.csv", "runs.jsonl", "summary.csv"} {
		a, err := os.ReadFile(filepath.Join(one, f))
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(shards, f))
		require.NoError(t, err)
		assert.Equal(t, string(a), string(b), f)
	}
}

// section returns the lines after the one containing title, up to a blank
// line.
func section(out, title string) []string {
	_, rest, ok := strings.Cut(out, title)
	if !ok {
		return nil
	}
	rest, _, _ = strings.Cut(rest, "\n\n")
	lines := strings.Split(rest, "\n")
	return lines[1:]
}

func TestExampleBadInput(t *testing.T) {
	dir := t.TempDir()
	var out, errs bytes.Buffer
	err := run(context.Background(), append([]string{"-out", dir, "-shard", "4/4"}, shortArgs...), &out, &errs, noEnv)
	require.ErrorIs(t, err, sweep.ErrInvalidShard)
	err = run(context.Background(), append([]string{"-out", dir, "-merge"}, shortArgs...), &out, &errs, noEnv)
	require.ErrorIs(t, err, sweep.ErrIncomplete, "no shard files to merge")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing written")
}

// At 4 requests/s on two c7g.xlarge (8 vCPUs, 2.5% busy) requests almost
// never queue, so the response time is the exponential work itself: mean
// 50 ms and p99 = 50 ms · ln 100 = 230 ms. The group never scales, so the
// bill is 2 instances × $0.145/h from running (after 15–20 s pending) to
// the end.
func TestFleetAtLowLoadMatchesTheory(t *testing.T) {
	sc := DefaultScenario()
	sc.InstanceType, sc.TargetCPU = "c7g.xlarge", 50
	sc.Horizon, sc.Trough, sc.Peak = 30*time.Minute, 4, 4
	o, err := Simulate(3, sc)
	require.NoError(t, err)
	// 1800 s × 4/s = 7200 requests: the mean of 7200 exponentials has a
	// relative sd of 1.2%; allow 4 sd. The p99 estimate from 72 tail
	// samples has about 12% relative sd; allow 3 sd (HDR adds < 1%).
	assert.InDelta(t, 50, ms(o.Mean), 50*0.048)
	assert.InDelta(t, 230.3, ms(o.P99), 230.3*0.36)
	assert.Zero(t, o.Failed)
	assert.Equal(t, 2, o.PeakInstances)
	it, _ := ec2.DefaultCatalog().Lookup("c7g.xlarge")
	end := 90*time.Second + sc.Horizon
	assert.GreaterOrEqual(t, o.CostUSD, 2*it.HourlyPrice*(end-20*time.Second).Hours())
	assert.LessOrEqual(t, o.CostUSD, 2*it.HourlyPrice*(end-15*time.Second).Hours())
}

// Target tracking settles near the capacity the target implies: 120
// requests/s × 50 ms = 6 busy vCPUs; at 50% on 2-vCPU c7g.large that is
// 6 / (2 × 0.5) = 6 instances (7 when a noisy minute rounds up). The step
// from nothing to 120/s overshoots first (the backlog keeps CPU at 100%
// while new instances boot); 15 low minutes then scale in.
func TestTargetTrackingSizesTheFleet(t *testing.T) {
	sc := DefaultScenario()
	sc.InstanceType, sc.TargetCPU = "c7g.large", 50
	sc.Horizon, sc.Trough, sc.Peak = 30*time.Minute, 120, 120
	o, err := Simulate(5, sc)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, o.FinalInstances, 6)
	assert.LessOrEqual(t, o.FinalInstances, 7)
	assert.Greater(t, o.PeakInstances, o.FinalInstances, "overshoot, then scale-in")
	assert.InDelta(t, 120*1800, float64(o.Sent), 4*math.Sqrt(120*1800), "Poisson count")
}

// Same seed, same outcome; another seed, another outcome.
func TestSimulateIsDeterministic(t *testing.T) {
	sc := DefaultScenario()
	sc.InstanceType, sc.TargetCPU, sc.Horizon, sc.Peak = "c6i.large", 55, 10*time.Minute, 60
	a, err := Simulate(9, sc)
	require.NoError(t, err)
	b, err := Simulate(9, sc)
	require.NoError(t, err)
	c, err := Simulate(10, sc)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, c)
	_, err = Simulate(9, Scenario{InstanceType: "z9.huge"})
	assert.ErrorContains(t, err, "unknown instance type")
}
