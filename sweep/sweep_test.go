package sweep

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runTo runs cfg with outputs in dir and returns the result.
func runTo(t *testing.T, cfg Config, dir string) *Result {
	t.Helper()
	cfg.JSONL = filepath.Join(dir, "runs.jsonl")
	cfg.CSV = filepath.Join(dir, "runs.csv")
	cfg.Summary = filepath.Join(dir, "summary.csv")
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	return res
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func requireSameFiles(t *testing.T, a, b string, names ...string) {
	t.Helper()
	for _, n := range names {
		require.Equal(t, readFile(t, filepath.Join(a, n)), readFile(t, filepath.Join(b, n)), n)
	}
}

// Results and output bytes do not depend on the number of workers; another
// seed gives other results.
func TestWorkersDoNotChangeResults(t *testing.T) {
	d1, d8, dSeed := t.TempDir(), t.TempDir(), t.TempDir()
	cfg := queueConfig()
	cfg.Workers = 1
	r1 := runTo(t, cfg, d1)
	cfg.Workers = 8
	r8 := runTo(t, cfg, d8)
	requireSameFiles(t, d1, d8, "runs.jsonl", "runs.csv", "summary.csv")
	assert.Equal(t, r1.Runs, r8.Runs)
	assert.Equal(t, r1.Points, r8.Points)
	require.Len(t, r1.Runs, 18*4)
	assert.Equal(t, 72, r1.Executed)
	assert.Equal(t, 0, r1.Recovered)
	// Runs are in (point, replica) order with the documented seeds.
	for i, r := range r1.Runs {
		assert.Equal(t, i/4, r.Point)
		assert.Equal(t, i%4, r.Replica)
		assert.Equal(t, r1.p.seed(r.Point, r.Replica), r.Seed)
	}
	cfg.Seed = 43
	rs := runTo(t, cfg, dSeed)
	assert.NotEqual(t, r1.Runs[0].Values, rs.Runs[0].Values)
	assert.NotEqual(t, r1.Fingerprint, rs.Fingerprint)
}

// The queue model obeys queueing theory, so the sweep feeds it the right
// parameters: M/M/1 mean response time is 1/(μ−λ), and throughput is λ.
func TestQueueModelMatchesTheory(t *testing.T) {
	cfg := queueConfig()
	sp, err := Grid(Strings("server", "base"), Floats("load", 0.5), Durations("horizon", 20*time.Second))
	require.NoError(t, err)
	cfg.Space, cfg.Replicas = sp, 8
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	mean, _ := res.Points[0].Metric("mean_ms")
	served, _ := res.Points[0].Metric("served")
	// λ = 500/s, μ = 1000/s: W = 1/(μ−λ) = 2 ms. 8 runs of 10,000
	// customers; the interval must cover 2 ms (allowing start-up bias, 5%).
	assert.InDelta(t, 2.0, mean.Mean, math.Max(mean.HalfWidth, 0.1))
	// 20 s × 500/s = 10,000 arrivals; Poisson sd 100, of the mean of 8: 35.
	assert.InDelta(t, 10000, served.Mean, 150)
}

func TestSummaryNumbers(t *testing.T) {
	sp, err := List([]string{"x"}, map[string]Value{"x": IntValue(1)})
	require.NoError(t, err)
	cfg := Config{
		Name: "fixed", Space: sp, Replicas: 5, Metrics: []string{"v"}, NoProgress: true,
		Run: func(r *Replica) (Metrics, error) { return Metrics{"v": float64(r.Replica + 1)}, nil },
		Stats: []Statistic{{Name: "below_2_5", Metric: "v", Func: func(xs []float64) float64 {
			n := 0
			for _, x := range xs {
				if x < 2.5 {
					n++
				}
			}
			return float64(n) / float64(len(xs))
		}}},
	}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	s, ok := res.Points[0].Metric("v")
	require.True(t, ok)
	// Values 1..5: mean 3, s = √2.5; t(0.975, 4) = 2.7764451 (tables), so
	// the half-width is 2.7764451·√2.5/√5 = 1.9632432.
	assert.Equal(t, 5, s.N)
	assert.InDelta(t, 3.0, s.Mean, 1e-12)
	assert.InDelta(t, math.Sqrt(2.5), s.StdDev, 1e-12)
	assert.InDelta(t, 1.9632432, s.HalfWidth, 1e-6)
	assert.InDelta(t, 3-1.9632432, s.Lo, 1e-6)
	f, ok := res.Points[0].Stat("below_2_5")
	require.True(t, ok)
	assert.Equal(t, 0.4, f)
	// 99%: t(0.995, 4) = 4.6040949.
	cfg.Confidence = 0.99
	res, err = Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.InDelta(t, 4.6040949*math.Sqrt(0.5), res.Points[0].Metrics[0].HalfWidth, 1e-6)
	// One replication has no interval.
	cfg.Replicas = 1
	res, err = Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.True(t, math.IsNaN(res.Points[0].Metrics[0].HalfWidth))
}

// 95% intervals cover the true mean about 95% of the time: 300 points of
// 10 replications, each the mean of 50 exponential draws of mean 1.
func TestConfidenceIntervalCoverage(t *testing.T) {
	sp, err := Grid(Ints("i", seq(300)...))
	require.NoError(t, err)
	res, err := Run(context.Background(), Config{
		Name: "coverage", Space: sp, Replicas: 10, Metrics: []string{"m"}, NoProgress: true,
		Run: func(r *Replica) (Metrics, error) {
			rng := newRand(r.Seed)
			sum := 0.0
			for range 50 {
				sum += rng.ExpFloat64()
			}
			return Metrics{"m": sum / 50}, nil
		},
	})
	require.NoError(t, err)
	hit := 0
	for _, p := range res.Points {
		if s := p.Metrics[0]; s.Lo <= 1 && 1 <= s.Hi {
			hit++
		}
	}
	// Binomial(300, 0.95) has sd 3.8 hits; ±3.5 sd is [272, 298].
	assert.InDelta(t, 285, hit, 13, "coverage %d/300", hit)
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// Sequential stopping: narrow points stop at the minimum, wide ones get
// more replications up to the cap; the same for any worker count; every
// replication equals the one a fixed-replication sweep gives.
func TestSequentialStopping(t *testing.T) {
	cfg := queueConfig()
	cfg.Replicas = 3
	cfg.Sequential = &Sequential{Metric: "mean_ms", Relative: 0.05, MaxReplicas: 11, Batch: 2}
	cfg.Workers = 1
	d1, d4 := t.TempDir(), t.TempDir()
	r1 := runTo(t, cfg, d1)
	cfg.Workers = 4
	r4 := runTo(t, cfg, d4)
	requireSameFiles(t, d1, d4, "runs.jsonl", "runs.csv", "summary.csv")
	assert.Equal(t, r1.Points, r4.Points)

	counts := map[int]int{}
	for _, p := range r1.Points {
		s := p.Metrics[0]
		counts[p.Replicas]++
		if p.Replicas < 11 {
			assert.LessOrEqual(t, s.HalfWidth, 0.05*s.Mean, "point %s stopped early", p.Point)
			assert.Equal(t, 1, p.Replicas%2, "3 then batches of 2")
		}
	}
	assert.Greater(t, counts[11], 0, "some points hit the cap: %v", counts)
	assert.Greater(t, len(counts), 1, "points differ in replications: %v", counts)

	fixed := queueConfig()
	fixed.Replicas = 11
	rf, err := Run(context.Background(), fixed)
	require.NoError(t, err)
	want := map[[2]int][]float64{}
	for _, r := range rf.Runs {
		want[[2]int{r.Point, r.Replica}] = r.Values
	}
	for _, r := range r1.Runs {
		assert.Equal(t, want[[2]int{r.Point, r.Replica}], r.Values)
	}
}

// A sweep cancelled part-way keeps its finished runs; with a cut-off last
// line added, Resume runs only the rest and ends with the bytes of an
// uninterrupted sweep.
func TestCancelAndResume(t *testing.T) {
	full, dir := t.TempDir(), t.TempDir()
	runTo(t, queueConfig(), full)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n atomic.Int32
	cfg := queueConfig()
	cfg.Workers = 3
	cfg.JSONL, cfg.CSV, cfg.Summary = filepath.Join(dir, "runs.jsonl"), filepath.Join(dir, "runs.csv"), filepath.Join(dir, "summary.csv")
	cfg.Run = func(r *Replica) (Metrics, error) {
		if n.Add(1) == 20 {
			cancel()
		}
		return queueModel(r)
	}
	_, err := Run(ctx, cfg)
	require.ErrorIs(t, err, context.Canceled)
	_, err = os.Stat(cfg.Summary)
	require.True(t, os.IsNotExist(err), "no summary for an unfinished sweep")
	lines := strings.Count(readFile(t, cfg.JSONL), "\n") - 1
	require.GreaterOrEqual(t, lines, 20, "runs in flight at cancel are kept")
	require.Less(t, lines, 72)
	appendTo(t, cfg.JSONL, `{"point":17,"replica":3,"se`)
	appendTo(t, cfg.CSV, `17,3,12`)

	var mu sync.Mutex
	ran := map[[2]int]bool{}
	cfg.Resume = true
	cfg.Run = func(r *Replica) (Metrics, error) {
		mu.Lock()
		ran[[2]int{r.Point.Index, r.Replica}] = true
		mu.Unlock()
		return queueModel(r)
	}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.Equal(t, lines, res.Recovered)
	assert.Equal(t, 72-lines, res.Executed)
	assert.Len(t, ran, 72-lines, "each remaining run ran once")
	requireSameFiles(t, full, dir, "runs.jsonl", "runs.csv", "summary.csv")

	// Resuming a finished sweep runs nothing and changes nothing.
	res, err = Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.Equal(t, 0, res.Executed)
	requireSameFiles(t, full, dir, "runs.jsonl", "runs.csv", "summary.csv")
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.WriteString(s)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

func helperCmd(t *testing.T, mode, dir string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envHelper+"="+mode, envOut+"="+dir)
	cmd.Env = append(cmd.Env, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t.Cleanup(func() {
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("helper %s stderr:\n%s", mode, stderr.String())
		}
	})
	return cmd
}

// A sweep process killed with SIGKILL part-way resumes without redoing or
// losing finished runs.
func TestKillAndResume(t *testing.T) {
	full, dir := t.TempDir(), t.TempDir()
	runTo(t, queueConfig(), full)

	cmd := helperCmd(t, "slow", dir)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	path := filepath.Join(dir, "runs.jsonl")
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if bytes.Count(b, []byte("\n")) > 10 {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("helper wrote no runs in 60 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let it finish a few more runs
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()

	cfg := queueConfig()
	cfg.JSONL, cfg.CSV, cfg.Summary = path, filepath.Join(dir, "runs.csv"), filepath.Join(dir, "summary.csv")
	before := readFile(t, path)
	require.NotContains(t, before, `"point":17,"replica":3`, "killed before the end")
	var mu sync.Mutex
	var ran [][2]int
	cfg.Resume = true
	cfg.Run = func(r *Replica) (Metrics, error) {
		mu.Lock()
		ran = append(ran, [2]int{r.Point.Index, r.Replica})
		mu.Unlock()
		return queueModel(r)
	}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	for _, k := range ran {
		assert.NotContains(t, before, fmt.Sprintf(`{"point":%d,"replica":%d,`, k[0], k[1]), "finished run redone")
	}
	assert.Equal(t, 72, res.Recovered+res.Executed)
	assert.GreaterOrEqual(t, res.Recovered, 10)
	requireSameFiles(t, full, dir, "runs.jsonl", "runs.csv", "summary.csv")
}

// Four shards as separate processes, found through Kubernetes and Slurm
// variables, merge into exactly the single-machine outputs.
func TestShardsMergeToSingleMachineOutput(t *testing.T) {
	full, shards, merged := t.TempDir(), t.TempDir(), t.TempDir()
	single := runTo(t, queueConfig(), full)

	envs := [][]string{
		{"JOB_COMPLETION_INDEX=0", "NIMBUS_SWEEP_SHARDS=4"},
		{"JOB_COMPLETION_INDEX=1", "NIMBUS_SWEEP_SHARDS=4"},
		// A Slurm array --array=1-4: task IDs 3 and 4 are shards 2 and 3.
		{"SLURM_ARRAY_TASK_ID=3", "SLURM_ARRAY_TASK_COUNT=4", "SLURM_ARRAY_TASK_MIN=1"},
		{"SLURM_ARRAY_TASK_ID=4", "SLURM_ARRAY_TASK_COUNT=4", "SLURM_ARRAY_TASK_MIN=1"},
	}
	var cmds []*exec.Cmd
	for _, env := range envs {
		cmd := helperCmd(t, "shard", shards, env...)
		require.NoError(t, cmd.Start())
		cmds = append(cmds, cmd)
	}
	for i, cmd := range cmds {
		require.NoError(t, cmd.Wait(), "shard %d", i)
	}
	var inputs []string
	for i := range 4 {
		inputs = append(inputs, filepath.Join(shards, fmt.Sprintf("shard-%d.jsonl", i)))
		if i%2 == 1 { // a mix of formats merges too
			inputs[i] = filepath.Join(shards, fmt.Sprintf("shard-%d.csv", i))
		}
	}
	cfg := queueConfig()
	cfg.JSONL, cfg.CSV, cfg.Summary = filepath.Join(merged, "runs.jsonl"), filepath.Join(merged, "runs.csv"), filepath.Join(merged, "summary.csv")
	res, err := Merge(cfg, inputs...)
	require.NoError(t, err)
	requireSameFiles(t, full, merged, "runs.jsonl", "runs.csv", "summary.csv")
	assert.Equal(t, single.Points, res.Points)
	assert.Equal(t, 72, res.Recovered)
	// Each shard holds its striped share: 18 points / 4 → 5, 5, 4, 4.
	for i, want := range []int{5, 5, 4, 4} {
		b := readFile(t, filepath.Join(shards, fmt.Sprintf("shard-%d.jsonl", i)))
		assert.Equal(t, 1+4*want, strings.Count(b, "\n"), "shard %d", i)
	}
}

// dirState snapshots a directory so tests can assert nothing changed.
func dirState(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range ents {
		m[e.Name()] = readFile(t, filepath.Join(dir, e.Name()))
	}
	return m
}

func TestBadInputChangesNothing(t *testing.T) {
	dir := t.TempDir()
	base := queueConfig()
	base.Replicas = 2
	outs := func(c Config) Config {
		c.JSONL, c.CSV, c.Summary = filepath.Join(dir, "runs.jsonl"), filepath.Join(dir, "runs.csv"), filepath.Join(dir, "summary.csv")
		return c
	}
	_, err := Run(context.Background(), outs(base))
	require.NoError(t, err)
	// Shards of this sweep, for the merge cases.
	shardDir := t.TempDir()
	for i := range 2 {
		c := base
		c.Shard = Shard{Index: i, Count: 2}
		c.JSONL = filepath.Join(shardDir, fmt.Sprintf("s%d.jsonl", i))
		_, err := Run(context.Background(), c)
		require.NoError(t, err)
	}
	other := base
	other.Seed = 7
	other.Shard = Shard{Index: 1, Count: 2}
	other.JSONL = filepath.Join(shardDir, "other1.jsonl")
	_, err = Run(context.Background(), other)
	require.NoError(t, err)
	s0, s1, o1 := filepath.Join(shardDir, "s0.jsonl"), filepath.Join(shardDir, "s1.jsonl"), other.JSONL

	tests := []struct {
		name string
		do   func() error
		want error
		msg  string
	}{
		{"empty space", func() error {
			c := base
			c.Space = nil
			_, err := Run(context.Background(), outs(c))
			return err
		}, ErrInvalidSpace, "Space is empty"},
		{"output exists without Resume", func() error {
			_, err := Run(context.Background(), outs(base))
			return err
		}, ErrOutputExists, "runs.jsonl exists"},
		{"resume another sweep", func() error {
			c := outs(base)
			c.Resume, c.Seed = true, 9
			_, err := Run(context.Background(), c)
			return err
		}, ErrMismatch, "fingerprint"},
		{"resume with other parameters", func() error {
			c := outs(base)
			c.Resume = true
			c.Space, _ = Grid(Strings("server", "base"), Floats("load", 0.5), Durations("horizon", time.Second))
			_, err := Run(context.Background(), c)
			return err
		}, ErrMismatch, "another sweep"},
		{"resume as another shard", func() error {
			c := outs(base)
			c.Resume, c.Shard = true, Shard{Index: 1, Count: 3}
			_, err := Run(context.Background(), c)
			return err
		}, ErrMismatch, "shard 0/1"},
		{"shard out of range", func() error {
			c := base
			c.Shard = Shard{Index: 4, Count: 4}
			_, err := Run(context.Background(), outs(c))
			return err
		}, ErrInvalidShard, "index 4 out of range"},
		{"unknown statistic metric", func() error {
			c := base
			c.Stats = []Statistic{{Name: "x", Metric: "p50_ms", Func: func([]float64) float64 { return 0 }}}
			_, err := Run(context.Background(), outs(c))
			return err
		}, ErrInvalidConfig, `unknown metric "p50_ms"`},
		{"sequential on unknown metric", func() error {
			c := base
			c.Sequential = &Sequential{Metric: "nope", Relative: 0.1, MaxReplicas: 5}
			_, err := Run(context.Background(), outs(c))
			return err
		}, ErrInvalidConfig, "Sequential.Metric"},
		{"metric named like a parameter", func() error {
			c := base
			c.Metrics = []string{"load"}
			_, err := Run(context.Background(), outs(c))
			return err
		}, ErrInvalidConfig, "clashes"},
		{"merge shards of different sweeps", func() error {
			c := base
			c.JSONL = filepath.Join(dir, "merged.jsonl")
			_, err := Merge(c, s0, o1)
			return err
		}, ErrMismatch, "fingerprint"},
		{"merge with a shard missing", func() error {
			c := base
			c.JSONL = filepath.Join(dir, "merged.jsonl")
			_, err := Merge(c, s0)
			return err
		}, ErrIncomplete, "shard 1/2 missing"},
		{"merge onto an existing output", func() error {
			c := outs(base)
			_, err := Merge(c, s0, s1)
			return err
		}, ErrOutputExists, "exists"},
	}
	before := dirState(t, dir)
	shardsBefore := dirState(t, shardDir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.msg)
			assert.Equal(t, before, dirState(t, dir), "outputs untouched")
			assert.Equal(t, shardsBefore, dirState(t, shardDir), "inputs untouched")
		})
	}
}

// A Func reading a parameter the space lacks fails with ErrUnknownParam
// naming it.
func TestUnknownParameterInRun(t *testing.T) {
	cfg := queueConfig()
	cfg.Run = func(r *Replica) (Metrics, error) {
		_ = r.Int("servers")
		return queueModel(r)
	}
	_, err := Run(context.Background(), cfg)
	require.ErrorIs(t, err, ErrUnknownParam)
	assert.Contains(t, err.Error(), `parameter "servers": not in the space (have server, load, horizon)`)
	assert.Contains(t, err.Error(), "point 0 ", "the earliest failing run is reported")

	cfg.Run = func(r *Replica) (Metrics, error) {
		_ = r.Int("server") // a string
		return queueModel(r)
	}
	_, err = Run(context.Background(), cfg)
	require.ErrorIs(t, err, ErrUnknownParam)
	assert.Contains(t, err.Error(), `parameter "server" is string, read as int`)
}

func TestRunFailures(t *testing.T) {
	tests := []struct {
		name string
		run  Func
		want error
		msg  string
	}{
		{"error", func(r *Replica) (Metrics, error) { return nil, os.ErrPermission }, os.ErrPermission, "replication failed"},
		{"panic", func(r *Replica) (Metrics, error) { panic("boom") }, ErrRun, "panic: boom"},
		{"missing metric", func(r *Replica) (Metrics, error) { return Metrics{"mean_ms": 1}, nil }, ErrInvalidConfig, `no metric "p99_ms"`},
		{"extra metric", func(r *Replica) (Metrics, error) {
			return Metrics{"mean_ms": 1, "p99_ms": 2, "served": 3, "zzz": 4}, nil
		}, ErrInvalidConfig, `metric "zzz" not in Config.Metrics`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := queueConfig()
			cfg.Workers = 2
			cfg.Run = tt.run
			_, err := Run(context.Background(), cfg)
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

// A merge refuses shards that have not finished, naming what is missing.
func TestMergeIncompleteShard(t *testing.T) {
	dir := t.TempDir()
	cfg := queueConfig()
	cfg.Shard = Shard{Index: 0, Count: 1}
	cfg.JSONL = filepath.Join(dir, "s.jsonl")
	_, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	b := readFile(t, cfg.JSONL)
	lines := strings.SplitAfter(b, "\n")
	cut := strings.Join(slices.Delete(lines, 5, 6), "")
	require.NoError(t, os.WriteFile(cfg.JSONL, []byte(cut), 0o644))
	_, err = Merge(queueConfig(), cfg.JSONL)
	require.ErrorIs(t, err, ErrIncomplete)
	assert.Contains(t, err.Error(), "point 1 replica 0 missing")
}

// Output files are checked line by line: an edited value is refused.
func TestEditedOutputIsRefused(t *testing.T) {
	dir := t.TempDir()
	cfg := queueConfig()
	cfg.Replicas = 1
	cfg.CSV = filepath.Join(dir, "runs.csv")
	_, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	b := readFile(t, cfg.CSV)
	edited := strings.Replace(b, ",slow,", ",fast,", 1)
	require.NotEqual(t, b, edited)
	require.NoError(t, os.WriteFile(cfg.CSV, []byte(edited), 0o644))
	cfg.Resume = true
	_, err = Run(context.Background(), cfg)
	require.ErrorIs(t, err, ErrMismatch)
	assert.Contains(t, err.Error(), "line 3")
	assert.Equal(t, edited, readFile(t, cfg.CSV))
}

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	cfg := queueConfig()
	cfg.NoProgress = false
	cfg.Progress = &buf
	cfg.Workers = 2
	_, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	out := buf.String()
	assert.Contains(t, out, "points 18/18")
	assert.Contains(t, out, "72/72")
	assert.Regexp(t, `runs/(s|min)`, out, "the bar picks the unit by speed")
	assert.Regexp(t, `\[[0-9smh]+:[0-9smh]+\]`, out, "elapsed and time left")

	buf.Reset()
	cfg.NoProgress = true
	_, err = Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.Empty(t, buf.String())
}

// With common random numbers every point's replica n has the same seed.
func TestCommonRandomNumbers(t *testing.T) {
	cfg := queueConfig()
	cfg.Replicas = 2
	cfg.CommonRandomNumbers = true
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	for _, r := range res.Runs {
		assert.Equal(t, res.Runs[r.Replica].Seed, r.Seed)
	}
	assert.NotEqual(t, res.Runs[0].Seed, res.Runs[1].Seed)
}

// Resume with more replications keeps the runs done and adds the rest;
// with fewer it refuses, changing nothing.
func TestResumeAddsReplications(t *testing.T) {
	want, dir := t.TempDir(), t.TempDir()
	cfg := queueConfig()
	runTo(t, cfg, want) // 4 replications
	cfg.Replicas = 2
	runTo(t, cfg, dir)
	cfg.Replicas, cfg.Resume = 4, true
	res := runTo(t, cfg, dir)
	assert.Equal(t, 18*2, res.Recovered)
	assert.Equal(t, 18*2, res.Executed)
	requireSameFiles(t, want, dir, "runs.jsonl", "runs.csv", "summary.csv")

	before := dirState(t, dir)
	cfg.Replicas = 3
	cfg.JSONL, cfg.CSV, cfg.Summary = filepath.Join(dir, "runs.jsonl"), filepath.Join(dir, "runs.csv"), filepath.Join(dir, "summary.csv")
	_, err := Run(context.Background(), cfg)
	require.ErrorIs(t, err, ErrMismatch)
	assert.Contains(t, err.Error(), "has replica 3, but this sweep runs at most 3 per point")
	assert.Equal(t, before, dirState(t, dir))
}
