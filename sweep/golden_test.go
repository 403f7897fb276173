package sweep

import (
	"context"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// The output formats are a contract (resume and merge read them back, and
// users load them into other tools), so they are pinned by golden files:
// every parameter kind, names and values that need quoting, non-finite
// metrics, a user statistic and shard headers. Regenerate with -update.
func TestGoldenOutputs(t *testing.T) {
	sp, err := List([]string{"type", "n", "ratio", "cooldown"},
		map[string]Value{"type": StringValue(`c7g.large`), "n": IntValue(2), "ratio": FloatValue(0.5), "cooldown": DurationValue(90 * time.Second)},
		map[string]Value{"type": StringValue(`say "hi", ok`), "n": IntValue(-1), "ratio": FloatValue(1e-9), "cooldown": DurationValue(1500 * time.Millisecond)},
	)
	require.NoError(t, err)
	cfg := Config{
		Name: "golden <sweep>", Version: "v1", Space: sp, Seed: 7, Replicas: 3, NoProgress: true,
		Metrics: []string{"x", "odd"},
		Run: func(r *Replica) (Metrics, error) {
			odd := float64(r.Replica)
			switch r.Replica {
			case 1:
				odd = math.Inf(1)
			case 2:
				odd = math.NaN()
			}
			return Metrics{"x": float64(r.Int("n")) * r.Float("ratio") * float64(r.Replica+1), "odd": odd}, nil
		},
		Stats: []Statistic{{Name: "x_max", Metric: "x", Func: func(xs []float64) float64 {
			m := math.Inf(-1)
			for _, x := range xs {
				m = math.Max(m, x)
			}
			return m
		}}},
	}
	dir := t.TempDir()
	files := map[string]*string{"runs.jsonl": &cfg.JSONL, "runs.csv": &cfg.CSV, "summary.csv": &cfg.Summary}
	for name, field := range files {
		*field = filepath.Join(dir, name)
	}
	_, err = Run(context.Background(), cfg)
	require.NoError(t, err)
	shard := cfg
	shard.Shard = Shard{Index: 1, Count: 2}
	shard.JSONL, shard.CSV, shard.Summary = filepath.Join(dir, "shard1.jsonl"), filepath.Join(dir, "shard1.csv"), ""
	_, err = Run(context.Background(), shard)
	require.NoError(t, err)
	for _, name := range []string{"runs.jsonl", "runs.csv", "summary.csv", "shard1.jsonl", "shard1.csv"} {
		got := readFile(t, filepath.Join(dir, name))
		golden := filepath.Join("testdata", "golden-"+name)
		if *update {
			require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			continue
		}
		assert.Equal(t, readFile(t, golden), got, "%s (regenerate with -update)", name)
	}
}

// Shards of a sweep with sequential stopping merge into the single-machine
// outputs too: each point's stopping depends only on its own replicas.
func TestSequentialShardsMerge(t *testing.T) {
	single, shards, merged := t.TempDir(), t.TempDir(), t.TempDir()
	cfg := queueConfig()
	cfg.Replicas = 2
	cfg.Sequential = &Sequential{Metric: "p99_ms", HalfWidth: 1, MaxReplicas: 6}
	want := runTo(t, cfg, single)
	var inputs []string
	for i := range 3 {
		c := cfg
		c.Shard = Shard{Index: i, Count: 3}
		c.CSV = filepath.Join(shards, "s"+string(rune('0'+i))+".csv")
		_, err := Run(context.Background(), c)
		require.NoError(t, err)
		inputs = append(inputs, c.CSV)
	}
	cfg.JSONL, cfg.CSV, cfg.Summary = filepath.Join(merged, "runs.jsonl"), filepath.Join(merged, "runs.csv"), filepath.Join(merged, "summary.csv")
	got, err := Merge(cfg, inputs...)
	require.NoError(t, err)
	assert.Equal(t, want.Points, got.Points)
	requireSameFiles(t, single, merged, "runs.jsonl", "runs.csv", "summary.csv")
	assert.Greater(t, len(want.Runs), 2*18, "some points needed more than the minimum")
}
