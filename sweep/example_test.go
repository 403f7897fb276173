package sweep_test

import (
	"context"
	"fmt"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/nimbus-sim/nimbus/sim"
	"github.com/nimbus-sim/nimbus/sweep"
)

// How many servers keep the queueing delay low at 180 requests/s of 10 ms
// each? Each replication simulates a minute of an M/M/c queue in sim.
// Erlang C gives mean waits of 42.6, 2.96 and 0.58 ms for 2, 3 and 4
// servers; every interval covers its value.
func ExampleRun() {
	space, err := sweep.Grid(sweep.Ints("servers", 2, 3, 4))
	if err != nil {
		panic(err)
	}
	res, err := sweep.Run(context.Background(), sweep.Config{
		Name:     "mmc",
		Space:    space,
		Seed:     1,
		Replicas: 5,
		Metrics:  []string{"wait_ms"},
		Run: func(r *sweep.Replica) (sweep.Metrics, error) {
			return sweep.Metrics{"wait_ms": mmcWait(r.Seed, r.Int("servers"), time.Minute)}, nil
		},
		NoProgress: true,
	})
	if err != nil {
		panic(err)
	}
	for _, p := range res.Points {
		w, _ := p.Metric("wait_ms")
		fmt.Printf("%s: wait %.2f ms ± %.2f (95%%, n=%d)\n", p.Point, w.Mean, w.HalfWidth, w.N)
	}
	// Output:
	// servers=2: wait 40.80 ms ± 6.43 (95%, n=5)
	// servers=3: wait 2.99 ms ± 0.19 (95%, n=5)
	// servers=4: wait 0.59 ms ± 0.06 (95%, n=5)
}

// mmcWait simulates an M/M/c queue at 180 arrivals/s with 10 ms mean
// service for d and returns the mean wait before service, in ms.
func mmcWait(seed uint64, c int, d time.Duration) float64 {
	s := sim.New(sim.Config{Seed: seed})
	inter := distuv.Exponential{Rate: 180, Src: s.Stream("example/arrivals")}
	svc := distuv.Exponential{Rate: 100, Src: s.Stream("example/service")}
	free := make([]sim.Time, c) // when each server next becomes free
	var total time.Duration
	n := 0
	var arrive func()
	arrive = func() {
		k := 0
		for i := range free {
			if free[i] < free[k] {
				k = i
			}
		}
		start := max(s.Now(), free[k])
		total += start.Sub(s.Now())
		n++
		free[k] = start.Add(time.Duration(svc.Rand() * float64(time.Second)))
		s.After(time.Duration(inter.Rand()*float64(time.Second)), arrive)
	}
	s.After(0, arrive)
	s.RunFor(d)
	return float64(total) / float64(n) / 1e6
}

// A Latin hypercube of 4 points covers each parameter's range evenly: every
// quarter of the cooldown range and of the target range holds one point.
func ExampleLatinHypercube() {
	space, err := sweep.LatinHypercube(7, 4,
		sweep.DurationRange("cooldown", 60*time.Second, 300*time.Second),
		sweep.FloatRange("target_cpu", 30, 70),
		sweep.Strings("policy", "target-tracking", "step"),
	)
	if err != nil {
		panic(err)
	}
	for i := range space.Len() {
		p := space.Point(i)
		c, _ := p.Lookup("cooldown")
		t, _ := p.Lookup("target_cpu")
		pol, _ := p.Lookup("policy")
		fmt.Printf("cooldown %-5v target %.1f%% %s\n", c.Duration().Round(time.Second), t.Float(), pol)
	}
	// Output:
	// cooldown 2m31s target 69.8% step
	// cooldown 4m9s  target 33.1% step
	// cooldown 3m3s  target 43.8% target-tracking
	// cooldown 1m50s target 58.8% target-tracking
}

// Each task of a Slurm job array (sbatch --array=1-4) finds its shard.
func ExampleShardFromEnv() {
	env := map[string]string{"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"}
	shard, ok, err := sweep.ShardFromEnv(func(k string) string { return env[k] })
	fmt.Println(shard, ok, err)
	fmt.Println("owns points 2, 3, 6:", shard.Owns(2), shard.Owns(3), shard.Owns(6))
	// Output:
	// 2/4 true <nil>
	// owns points 2, 3, 6: true false true
}
