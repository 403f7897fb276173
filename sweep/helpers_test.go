package sweep

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/nimbus-sim/nimbus/sim"
)

func nan() float64 { return math.NaN() }

// Helper processes: the test binary re-executes itself with
// NIMBUS_SWEEP_HELPER set to run one shard, or a slow sweep to be killed.
const (
	envHelper = "NIMBUS_SWEEP_HELPER"
	envOut    = "NIMBUS_SWEEP_TEST_OUT"
)

func TestMain(m *testing.M) {
	switch os.Getenv(envHelper) {
	case "":
		os.Exit(m.Run())
	case "shard":
		os.Exit(helperShard(os.Getenv(envOut)))
	case "slow":
		os.Exit(helperSlow(os.Getenv(envOut)))
	default:
		fmt.Fprintln(os.Stderr, "unknown helper", os.Getenv(envHelper))
		os.Exit(2)
	}
}

// helperShard runs the shard named by the environment (Kubernetes or
// Slurm variables) of queueConfig, writing shard-<i>.jsonl and .csv.
func helperShard(dir string) int {
	sh, ok, err := ShardFromEnv(os.Getenv)
	if err != nil || !ok {
		fmt.Fprintln(os.Stderr, "shard from env:", ok, err)
		return 2
	}
	cfg := queueConfig()
	cfg.Shard = sh
	cfg.Workers = 1
	cfg.JSONL = filepath.Join(dir, fmt.Sprintf("shard-%d.jsonl", sh.Index))
	cfg.CSV = filepath.Join(dir, fmt.Sprintf("shard-%d.csv", sh.Index))
	if _, err := Run(context.Background(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// helperSlow runs queueConfig with 3 ms of wall time per replication and
// hangs from point 9 on, so that the parent always kills it part-way.
func helperSlow(dir string) int {
	cfg := queueConfig()
	cfg.Workers = 2
	run := cfg.Run
	cfg.Run = func(r *Replica) (Metrics, error) {
		time.Sleep(3 * time.Millisecond)
		if r.Point.Index >= 9 {
			time.Sleep(time.Hour)
		}
		return run(r)
	}
	cfg.JSONL = filepath.Join(dir, "runs.jsonl")
	cfg.CSV = filepath.Join(dir, "runs.csv")
	if _, err := Run(context.Background(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// queueSpace is 3 service disciplines × 3 loads × 2 horizons.
func queueSpace() *Space {
	sp, err := Grid(
		Strings("server", "slow", "base", "fast"),
		Floats("load", 0.5, 0.7, 0.9),
		Durations("horizon", time.Second, 2*time.Second),
	)
	if err != nil {
		panic(err)
	}
	return sp
}

// serverSpeed scales the service rate of each discipline.
var serverSpeed = map[string]float64{"slow": 0.9, "base": 1, "fast": 1.2}

// queueModel is an M/M/1 queue in sim: Poisson arrivals at load·1000/s,
// exponential service of mean 1 ms / speed, FIFO. It returns the mean and
// 99th percentile of the response time in ms and the number served.
func queueModel(r *Replica) (Metrics, error) {
	load, horizon, speed := r.Float("load"), r.Duration("horizon"), serverSpeed[r.String("server")]
	s := sim.New(sim.Config{Seed: r.Seed})
	inter := distuv.Exponential{Rate: load * 1000, Src: s.Stream("sweeptest/arrivals")}
	svc := distuv.Exponential{Rate: 1000 * speed, Src: s.Stream("sweeptest/service")}
	h := sim.NewHistogram()
	var freeAt sim.Time // when the server finishes its backlog
	var arrive func()
	arrive = func() {
		now := s.Now()
		start := max(now, freeAt)
		freeAt = start.Add(time.Duration(svc.Rand() * float64(time.Second)))
		h.Record(freeAt.Sub(now))
		s.After(time.Duration(inter.Rand()*float64(time.Second)), arrive)
	}
	s.After(0, arrive)
	s.RunFor(horizon)
	return Metrics{
		"mean_ms": float64(h.Mean()) / 1e6,
		"p99_ms":  float64(h.Quantile(0.99)) / 1e6,
		"served":  float64(h.Count()),
	}, nil
}

func queueConfig() Config {
	return Config{
		Name:     "mm1",
		Space:    queueSpace(),
		Seed:     42,
		Replicas: 4,
		Metrics:  []string{"mean_ms", "p99_ms", "served"},
		Run:      queueModel,
		Stats: []Statistic{{Name: "p99_under_5ms", Metric: "p99_ms", Func: func(xs []float64) float64 {
			n := 0
			for _, x := range xs {
				if x < 5 {
					n++
				}
			}
			return float64(n) / float64(len(xs))
		}}},
		NoProgress: true,
	}
}

func newRand(seed uint64) *rand.Rand { return sim.NewStream(seed, "sweeptest/coverage") }
