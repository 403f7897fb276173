package sweep

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseShard(t *testing.T) {
	tests := []struct {
		in   string
		want Shard
		err  bool
	}{
		{"0/1", Shard{0, 1}, false},
		{"3/4", Shard{3, 4}, false},
		{" 2/4 ", Shard{2, 4}, false},
		{"4/4", Shard{}, true},
		{"-1/4", Shard{}, true},
		{"0/0", Shard{}, true},
		{"1", Shard{}, true},
		{"a/4", Shard{}, true},
		{"1/b", Shard{}, true},
	}
	for _, tt := range tests {
		got, err := ParseShard(tt.in)
		if tt.err {
			require.ErrorIs(t, err, ErrInvalidShard, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
		assert.Equal(t, strings.TrimSpace(tt.in), got.String(), "round trip")
	}
}

func TestShardFromEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want Shard
		ok   bool
		err  string
	}{
		{"none", nil, Shard{0, 1}, false, ""},
		{"explicit", map[string]string{EnvShard: "2", EnvShards: "3"}, Shard{2, 3}, true, ""},
		{"kubernetes", map[string]string{EnvJobCompletionIndex: "5", EnvShards: "8"}, Shard{5, 8}, true, ""},
		{"kubernetes without count", map[string]string{EnvJobCompletionIndex: "5"}, Shard{}, false, "no shard count"},
		{"kubernetes out of range", map[string]string{EnvJobCompletionIndex: "8", EnvShards: "8"}, Shard{}, false, "out of range"},
		{"slurm from 0", map[string]string{EnvSlurmTaskID: "0", EnvSlurmTaskCount: "4"}, Shard{0, 4}, true, ""},
		{"slurm from 1", map[string]string{EnvSlurmTaskID: "4", EnvSlurmTaskCount: "4", EnvSlurmTaskMin: "1"}, Shard{3, 4}, true, ""},
		{"slurm id past the count", map[string]string{EnvSlurmTaskID: "4", EnvSlurmTaskCount: "4"}, Shard{}, false, "out of range"},
		{"slurm bad min", map[string]string{EnvSlurmTaskID: "4", EnvSlurmTaskCount: "4", EnvSlurmTaskMin: "x"}, Shard{}, false, "not an integer"},
		{"explicit wins", map[string]string{EnvShard: "1", EnvShards: "2", EnvSlurmTaskID: "0", EnvSlurmTaskCount: "4"}, Shard{1, 2}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := ShardFromEnv(func(k string) string { return tt.env[k] })
			if tt.err != "" {
				require.ErrorIs(t, err, ErrInvalidShard)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

// Shards partition the points: each point in exactly one shard.
func TestShardsPartitionPoints(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 20} {
		seen := make([]int, 18)
		for i := range n {
			for p := range 18 {
				if (Shard{i, n}).Owns(p) {
					seen[p]++
				}
			}
		}
		for p, c := range seen {
			assert.Equal(t, 1, c, "%d shards, point %d", n, p)
		}
	}
}

func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"0/1", "3/4", "x", "9999999999999999999/1", "-0/-0", "1/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sh, err := ParseShard(s)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidShard)
			return
		}
		require.True(t, sh.Index >= 0 && sh.Index < sh.Count)
		back, err := ParseShard(sh.String())
		require.NoError(t, err)
		require.Equal(t, sh, back)
	})
}

func FuzzShardFromEnv(f *testing.F) {
	f.Add("", "", "3", "4", "1")
	f.Add("5", "8", "", "", "")
	f.Fuzz(func(t *testing.T, k8s, count, id, n, lo string) {
		env := map[string]string{EnvJobCompletionIndex: k8s, EnvShards: count, EnvSlurmTaskID: id, EnvSlurmTaskCount: n, EnvSlurmTaskMin: lo}
		sh, _, err := ShardFromEnv(func(k string) string { return env[k] })
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidShard)
			return
		}
		require.NoError(t, sh.validate())
	})
}

// The output reader takes any bytes without panicking, and whatever it
// accepts it accepts as this sweep's records.
func FuzzReadOutput(f *testing.F) {
	dir := f.TempDir()
	cfg := queueConfig()
	cfg.Replicas = 1
	cfg.JSONL, cfg.CSV = filepath.Join(dir, "seed.jsonl"), filepath.Join(dir, "seed.csv")
	if _, err := Run(context.Background(), cfg); err != nil {
		f.Fatal(err)
	}
	for _, path := range []string{cfg.JSONL, cfg.CSV} {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	p, err := compile(cfg)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := p.parseOutput("in", data)
		if err != nil {
			return
		}
		for _, r := range o.records {
			require.True(t, r.Point >= 0 && r.Point < p.Space.Len())
			require.True(t, r.Replica >= 0 && r.Replica < p.Replicas)
			require.Len(t, r.Values, len(p.Metrics))
		}
	})
}
