// Command sweep answers a capacity-planning question with package sweep:
// which instance type and target-tracking CPU value minimise the EC2 bill
// while keeping the p99 response time under 250 ms, over an hour-long
// traffic ramp? It runs 3 types × 4 targets × 5 replications on all cores
// (or one shard of them on a batch engine), prints every point with 95%
// confidence intervals and the cost/p99 Pareto front, and saves a chart.
//
//	go run ./examples/sweep                       # everything on this machine
//	go run ./examples/sweep -shard 2/4            # one shard (GNU parallel)
//	JOB_COMPLETION_INDEX=2 NIMBUS_SWEEP_SHARDS=4 go run ./examples/sweep   # Kubernetes
//	go run ./examples/sweep -merge                # combine the shards' outputs
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/nimbus-sim/nimbus/sweep"
)

// SLO is the p99 response-time objective.
const SLO = 250 * time.Millisecond

// Targets are the target-tracking values tried, in percent CPU.
var Targets = []float64{40, 55, 70, 85}

func main() {
	// Runs allocate fast and keep little, so the default GOGC=100 collects
	// every few megabytes and the collector, competing with the workers
	// for the cores, erases the gain of a second worker (measured: 2
	// workers slower than 1). GOGC=400 costs a few MB per worker.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "sweep:", err)
		os.Exit(1)
	}
}

// options are the command-line flags.
type options struct {
	out      string
	reps     int
	workers  int
	seed     uint64
	horizon  time.Duration
	peak     float64
	shard    string
	merge    bool
	resume   bool
	progress bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.out, "out", "sweep-out", "directory for runs.csv, runs.jsonl, summary.csv, chart.png and shard files")
	fs.IntVar(&o.reps, "reps", 5, "replications per point")
	fs.IntVar(&o.workers, "workers", 0, "runs at once; 0 means all cores")
	fs.Uint64Var(&o.seed, "seed", 1, "root seed")
	fs.DurationVar(&o.horizon, "horizon", time.Hour, "length of the traffic ramp")
	fs.Float64Var(&o.peak, "peak", DefaultScenario().Peak, "peak request rate per second, half-way through the ramp")
	fs.StringVar(&o.shard, "shard", "", "run one shard INDEX/COUNT (default: from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID)")
	fs.BoolVar(&o.merge, "merge", false, "merge the shard-*.jsonl files in -out instead of running")
	fs.BoolVar(&o.resume, "resume", false, "continue an interrupted run from its outputs")
	fs.BoolVar(&o.progress, "progress", true, "show a progress bar when stderr is a terminal")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return o, nil
}

// config is the sweep: the same on every machine and shard, which is what
// lets shards merge.
func config(o options) (sweep.Config, error) {
	names := make([]string, len(Types))
	for i, t := range Types {
		names[i] = t.Name
	}
	space, err := sweep.Grid(sweep.Strings("instance_type", names...), sweep.Floats("target_cpu", Targets...))
	if err != nil {
		return sweep.Config{}, err
	}
	return sweep.Config{
		Name: "instance-type-and-target",
		// The model and its fixed inputs: outputs of another version are
		// neither resumed nor merged.
		Version:  fmt.Sprintf("fleet-v1 horizon=%s peak=%g", o.horizon, o.peak),
		Space:    space,
		Seed:     o.seed,
		Replicas: o.reps,
		// Every point of replica n sees the same traffic, so differences
		// between points are not noise from different arrivals.
		CommonRandomNumbers: true,
		Metrics:             []string{"cost_usd", "p99_ms", "mean_ms", "failed_frac", "peak_instances"},
		Run: func(r *sweep.Replica) (sweep.Metrics, error) {
			sc := DefaultScenario()
			sc.InstanceType, sc.TargetCPU, sc.Horizon, sc.Peak = r.String("instance_type"), r.Float("target_cpu"), o.horizon, o.peak
			out, err := Simulate(r.Seed, sc)
			if err != nil {
				return nil, err
			}
			return sweep.Metrics{
				"cost_usd":       out.CostUSD,
				"p99_ms":         ms(out.P99),
				"mean_ms":        ms(out.Mean),
				"failed_frac":    float64(out.Failed) / float64(max(out.Sent, 1)),
				"peak_instances": float64(out.PeakInstances),
			}, nil
		},
		Stats: []sweep.Statistic{{Name: "slo_met", Metric: "p99_ms", Func: func(xs []float64) float64 {
			n := 0
			for _, x := range xs {
				if x < ms(SLO) {
					n++
				}
			}
			return float64(n) / float64(len(xs))
		}}},
		Workers:    o.workers,
		NoProgress: !o.progress,
	}, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	cfg, err := config(o)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	shard, sharded, err := sweep.ShardFromEnv(getenv)
	if o.shard != "" {
		shard, err = sweep.ParseShard(o.shard)
		sharded = true
	}
	if err != nil {
		return err
	}
	cfg.Resume = o.resume
	started := time.Now()
	var res *sweep.Result
	switch {
	case sharded && o.merge:
		return errors.New("-merge combines shards; do not give a shard too")
	case sharded:
		cfg.Shard = shard
		cfg.JSONL = filepath.Join(o.out, fmt.Sprintf("shard-%d.jsonl", shard.Index))
		cfg.CSV = filepath.Join(o.out, fmt.Sprintf("shard-%d.csv", shard.Index))
		res, err = sweep.Run(ctx, cfg)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "shard %s: %d points, %d runs in %s; merge with -merge when every shard is done\n",
			shard, len(res.Points), len(res.Runs), time.Since(started).Round(time.Millisecond))
		return nil
	case o.merge:
		inputs, _ := filepath.Glob(filepath.Join(o.out, "shard-*.jsonl"))
		slices.Sort(inputs)
		cfg.JSONL, cfg.CSV, cfg.Summary = filepath.Join(o.out, "runs.jsonl"), filepath.Join(o.out, "runs.csv"), filepath.Join(o.out, "summary.csv")
		res, err = sweep.Merge(cfg, inputs...)
	default:
		cfg.JSONL, cfg.CSV, cfg.Summary = filepath.Join(o.out, "runs.jsonl"), filepath.Join(o.out, "runs.csv"), filepath.Join(o.out, "summary.csv")
		res, err = sweep.Run(ctx, cfg)
		if err == nil && res.Executed > 0 {
			el := time.Since(started)
			fmt.Fprintf(stderr, "%d runs in %s: %.2f runs/s\n", res.Executed, el.Round(time.Millisecond), float64(res.Executed)/el.Seconds())
		}
	}
	if err != nil {
		return err
	}
	report(stdout, res)
	chart := filepath.Join(o.out, "chart.png")
	if err := saveChart(chart, res); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nchart: %s\nruns: %s, %s; per point: %s\n", chart, cfg.CSV, cfg.JSONL, cfg.Summary)
	return nil
}

// pointView is the part of a point summary the report needs.
type pointView struct {
	typ           string
	target        float64
	cost, p99     sweep.Summary
	sloMet        float64
	peakInstances float64
}

func view(ps sweep.PointSummary) pointView {
	t, _ := ps.Point.Lookup("instance_type")
	v, _ := ps.Point.Lookup("target_cpu")
	c, _ := ps.Metric("cost_usd")
	p, _ := ps.Metric("p99_ms")
	pk, _ := ps.Metric("peak_instances")
	slo, _ := ps.Stat("slo_met")
	return pointView{typ: t.String(), target: v.Float(), cost: c, p99: p, sloMet: slo, peakInstances: pk.Mean}
}

// feasible means the SLO holds with confidence: the upper end of the p99
// interval is under it.
func (v pointView) feasible() bool { return v.p99.Hi < ms(SLO) }

// paretoFront returns the points no other point beats on both mean cost
// and mean p99, by increasing cost.
func paretoFront(vs []pointView) []pointView {
	var front []pointView
	for _, a := range vs {
		dominated := false
		for _, b := range vs {
			if b.cost.Mean <= a.cost.Mean && b.p99.Mean <= a.p99.Mean && (b.cost.Mean < a.cost.Mean || b.p99.Mean < a.p99.Mean) {
				dominated = true
				break
			}
		}
		if !dominated {
			front = append(front, a)
		}
	}
	slices.SortStableFunc(front, func(a, b pointView) int {
		switch {
		case a.cost.Mean < b.cost.Mean:
			return -1
		case a.cost.Mean > b.cost.Mean:
			return 1
		}
		return 0
	})
	return front
}

func report(w io.Writer, res *sweep.Result) {
	vs := make([]pointView, len(res.Points))
	for i, ps := range res.Points {
		vs[i] = view(ps)
	}
	n := 0
	if len(res.Points) > 0 {
		n = res.Points[0].Replicas
	}
	fmt.Fprintf(w, "EC2 cost and p99 over the ramp, mean ± 95%% CI half-width over %d replications (sweep %s)\n\n", n, res.Fingerprint)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "type\ttarget CPU\tcost USD\tp99 ms\tp99<250ms in\tpeak instances\t")
	for _, v := range vs {
		fmt.Fprintf(tw, "%s\t%.0f%%\t%.4f ± %.4f\t%s\t%.0f%%\t%.1f\t\n", v.typ, v.target, v.cost.Mean, v.cost.HalfWidth, fmtP99(v.p99), 100*v.sloMet, v.peakInstances)
	}
	tw.Flush()

	fmt.Fprintf(w, "\nPareto front (no point is both cheaper and faster):\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, v := range paretoFront(vs) {
		mark := "p99 over SLO"
		if v.feasible() {
			mark = "meets SLO"
		}
		fmt.Fprintf(tw, "%s\t%.0f%%\t$%.4f\t%s\t%s\t\n", v.typ, v.target, v.cost.Mean, fmtP99(v.p99), mark)
	}
	tw.Flush()

	best := -1
	for i, v := range vs {
		if v.feasible() && (best < 0 || v.cost.Mean < vs[best].cost.Mean) {
			best = i
		}
	}
	if best < 0 {
		fmt.Fprintf(w, "\nNo point keeps p99 < %v with 95%% confidence.\n", SLO)
		return
	}
	b := vs[best]
	fmt.Fprintf(w, "\nAnswer: %s at %.0f%% CPU, $%.4f ± %.4f per run, p99 %s (95%% CI entirely under %v).\n",
		b.typ, b.target, b.cost.Mean, b.cost.HalfWidth, fmtP99(b.p99), SLO)
}

func fmtP99(s sweep.Summary) string {
	if math.IsNaN(s.HalfWidth) {
		return fmt.Sprintf("%.0f", s.Mean)
	}
	return fmt.Sprintf("%.0f ± %.0f", s.Mean, s.HalfWidth)
}
