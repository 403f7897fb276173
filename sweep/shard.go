package sweep

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard selects part of a sweep: the points whose index i has
// i mod Count == Index. Striping, rather than contiguous blocks, spreads
// cheap and expensive regions of a grid over all shards. The zero Shard is
// the whole sweep.
type Shard struct {
	// Index is this shard's number, 0 ≤ Index < Count.
	Index int
	// Count is the number of shards; 0 means 1.
	Count int
}

// String formats the shard as "Index/Count".
func (s Shard) String() string {
	s = s.norm()
	return strconv.Itoa(s.Index) + "/" + strconv.Itoa(s.Count)
}

// Owns reports whether point index i belongs to the shard.
func (s Shard) Owns(i int) bool {
	s = s.norm()
	return i%s.Count == s.Index
}

func (s Shard) norm() Shard {
	if s.Count == 0 && s.Index == 0 {
		return Shard{Count: 1}
	}
	return s
}

func (s Shard) validate() error {
	s = s.norm()
	if s.Count < 1 || s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("sweep: shard index %d out of range for count %d (want 0 ≤ index < count): %w", s.Index, s.Count, ErrInvalidShard)
	}
	return nil
}

// ParseShard parses "Index/Count", such as "2/4" (GNU parallel:
// `parallel prog -shard {}/4 ::: 0 1 2 3`).
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Shard{}, fmt.Errorf("sweep: shard %q: want INDEX/COUNT such as 2/4: %w", s, ErrInvalidShard)
	}
	return shardOf("shard", i, n, 0)
}

// Environment variables read by ShardFromEnv.
const (
	// EnvShard and EnvShards set the shard explicitly (EnvShards also gives
	// the count for a Kubernetes Indexed Job, whose pods see only their
	// index).
	EnvShard  = "NIMBUS_SWEEP_SHARD"
	EnvShards = "NIMBUS_SWEEP_SHARDS"
	// EnvJobCompletionIndex is set by Kubernetes in every pod of an Indexed
	// Job (0-based).
	EnvJobCompletionIndex = "JOB_COMPLETION_INDEX"
	// EnvSlurmTaskID, EnvSlurmTaskCount and EnvSlurmTaskMin are set by
	// Slurm in every task of a job array; the shard index is ID − MIN, so
	// arrays like --array=1-8 work too.
	EnvSlurmTaskID    = "SLURM_ARRAY_TASK_ID"
	EnvSlurmTaskCount = "SLURM_ARRAY_TASK_COUNT"
	EnvSlurmTaskMin   = "SLURM_ARRAY_TASK_MIN"
)

// ShardFromEnv reads the shard from the environment through getenv (pass
// os.Getenv). In order of precedence:
//   - NIMBUS_SWEEP_SHARD=i with NIMBUS_SWEEP_SHARDS=n;
//   - JOB_COMPLETION_INDEX=i (Kubernetes Indexed Job) with
//     NIMBUS_SWEEP_SHARDS=n (set it to the Job's completions);
//   - SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT and optionally
//     SLURM_ARRAY_TASK_MIN (Slurm job array; the array's indices must be
//     contiguous).
//
// With none of them set it returns the whole sweep and false.
func ShardFromEnv(getenv func(string) string) (Shard, bool, error) {
	if i := getenv(EnvShard); i != "" {
		s, err := shardOf(EnvShard, i, getenv(EnvShards), 0)
		return s, err == nil, err
	}
	if i := getenv(EnvJobCompletionIndex); i != "" {
		s, err := shardOf(EnvJobCompletionIndex, i, getenv(EnvShards), 0)
		return s, err == nil, err
	}
	if i := getenv(EnvSlurmTaskID); i != "" {
		lo := 0
		if m := getenv(EnvSlurmTaskMin); m != "" {
			v, err := strconv.Atoi(strings.TrimSpace(m))
			if err != nil {
				return Shard{}, false, fmt.Errorf("sweep: %s=%q: not an integer: %w", EnvSlurmTaskMin, m, ErrInvalidShard)
			}
			lo = v
		}
		s, err := shardOf(EnvSlurmTaskID, i, getenv(EnvSlurmTaskCount), lo)
		return s, err == nil, err
	}
	return Shard{Count: 1}, false, nil
}

// shardOf parses an index (less offset) and a count named by source.
func shardOf(source, index, count string, offset int) (Shard, error) {
	i, err := strconv.Atoi(strings.TrimSpace(index))
	if err != nil {
		return Shard{}, fmt.Errorf("sweep: %s index %q: not an integer: %w", source, index, ErrInvalidShard)
	}
	if strings.TrimSpace(count) == "" {
		return Shard{}, fmt.Errorf("sweep: %s=%s but no shard count (set %s): %w", source, index, EnvShards, ErrInvalidShard)
	}
	n, err := strconv.Atoi(strings.TrimSpace(count))
	if err != nil {
		return Shard{}, fmt.Errorf("sweep: %s count %q: not an integer: %w", source, count, ErrInvalidShard)
	}
	s := Shard{Index: i - offset, Count: n}
	if s.Count < 1 || s.Index < 0 || s.Index >= s.Count {
		return Shard{}, fmt.Errorf("sweep: %s: shard index %d out of range for count %d: %w", source, s.Index, s.Count, ErrInvalidShard)
	}
	return s, nil
}
