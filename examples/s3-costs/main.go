// Command s3-costs compares S3 storage-class strategies over a simulated
// year: the same growing dataset and the same reads, stored as Standard,
// moved down a lifecycle waterfall, left to Intelligent-Tiering, or moved
// to Glacier Instant Retrieval. It prints each strategy's bill and saves a
// chart of the cumulative cost. See README.md.
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/s3"
	"github.com/nimbus-sim/nimbus/sim"
)

const day = 24 * time.Hour

// Strategy is one way to store the dataset.
type Strategy struct {
	Name string // label in the bill and the chart
	// Class is the storage class of uploads.
	Class s3.StorageClass
	// Rules is the bucket's lifecycle configuration.
	Rules []s3.LifecycleRule
}

// Strategies are the compared strategies.
var Strategies = []Strategy{
	{Name: "Standard", Class: s3.Standard},
	{Name: "Lifecycle IA@30 Glacier@90", Class: s3.Standard, Rules: []s3.LifecycleRule{{ID: "waterfall",
		Transitions: []s3.Transition{{Days: 30, StorageClass: s3.StandardIA}, {Days: 90, StorageClass: s3.Glacier}}}}},
	{Name: "Intelligent-Tiering", Class: s3.IntelligentTiering},
	{Name: "Glacier IR@30", Class: s3.Standard, Rules: []s3.LifecycleRule{{ID: "gir",
		Transitions: []s3.Transition{{Days: 30, StorageClass: s3.GlacierIR}}}}},
}

// Workload is the dataset and its reads.
type Workload struct {
	Days    int     // simulated days
	PerDay  int     // objects uploaded each day at 06:00 UTC
	Size    int64   // object size, bytes
	HotRead float64 // probability an object of age a days is read on a day: HotRead × e^(−a/HotDays)
	HotDays float64 // e-folding age of HotRead, days
	// ColdReads objects older than 30 days are read each day, uniformly.
	ColdReads int
	Seed      uint64 // simulation seed
}

// Result is one strategy's year.
type Result struct {
	Strategy string // Strategy.Name
	// Cost by category (storage, requests, retrieval, early deletion,
	// monitoring) and in total, USD.
	Storage, Requests, Retrieval, EarlyDelete, Monitoring, Total float64
	// Cumulative[d] is the cost billed by the end of day d+1.
	Cumulative []float64
	// Reads is the number of reads; Delayed those that needed a restore
	// first (served a day later).
	Reads, Delayed int
	// StoredGiB is the data held at the end.
	StoredGiB float64
}

// Simulate runs one strategy. Every strategy sees the same uploads and the
// same reads: the workload's random stream does not depend on the outcome.
func Simulate(st Strategy, w Workload) (Result, error) {
	s := sim.New(sim.Config{Seed: w.Seed})
	ledger := billing.NewLedger()
	svc, err := s3.New(s, s3.Config{Billing: ledger})
	if err != nil {
		return Result{}, err
	}
	b, err := svc.CreateBucket(s3.BucketConfig{Name: "media-archive"})
	if err != nil {
		return Result{}, err
	}
	if len(st.Rules) > 0 {
		if err := b.PutBucketLifecycleConfiguration(st.Rules); err != nil {
			return Result{}, err
		}
	}
	res := Result{Strategy: st.Name}
	r := s.Stream("example/workload")
	var keys []string
	var firstErr error
	var read func(key string, retry bool)
	read = func(key string, retry bool) {
		_, err := b.GetObject(key, s3.GetObjectInput{})
		switch {
		case err == nil:
			res.Reads++
		case !retry && isArchived(err):
			res.Delayed++
			if rerr := b.RestoreObject(key, s3.RestoreInput{Days: 1, Tier: s3.RestoreBulk}); rerr != nil && firstErr == nil {
				firstErr = rerr
			}
			s.After(day, func() { read(key, true) })
		case firstErr == nil:
			firstErr = fmt.Errorf("GET %s: %w", key, err)
		}
	}
	for d := range w.Days {
		s.Schedule(sim.Time(time.Duration(d)*day+6*time.Hour), func() {
			for i := range w.PerDay {
				k := fmt.Sprintf("media/%03d/%04d.mp4", d, i)
				if _, err := b.PutObject(k, s3.PutObjectInput{Size: w.Size, StorageClass: st.Class}); err != nil && firstErr == nil {
					firstErr = err
				}
				keys = append(keys, k)
			}
		})
		s.Schedule(sim.Time(time.Duration(d)*day+18*time.Hour), func() {
			// Recent objects: popularity decays with age.
			for age := 0; age <= d && age < 30; age++ {
				p := w.HotRead * math.Exp(-float64(age)/w.HotDays)
				for i := range w.PerDay {
					if r.Float64() < p {
						read(keys[(d-age)*w.PerDay+i], false)
					}
				}
			}
			// The long tail: a few old objects.
			if old := (d - 30 + 1) * w.PerDay; old > 0 {
				for range w.ColdReads {
					read(keys[r.IntN(old)], false)
				}
			}
		})
	}
	end := sim.Time(time.Duration(w.Days) * day)
	s.RunUntil(end)
	svc.Stop()
	if firstErr != nil {
		return res, firstErr
	}
	res.Cumulative = make([]float64, w.Days)
	for _, li := range ledger.Items() {
		c := li.Cost()
		switch u := li.UsageType; {
		case strings.HasPrefix(u, "TimedStorage"):
			res.Storage += c
		case strings.HasPrefix(u, "Requests"):
			res.Requests += c
		case strings.HasPrefix(u, "Retrieval"), strings.HasPrefix(u, "Restore"):
			res.Retrieval += c
		case strings.HasPrefix(u, "EarlyDelete"):
			res.EarlyDelete += c
		case strings.HasPrefix(u, "Monitoring"):
			res.Monitoring += c
		default:
			return res, fmt.Errorf("unexpected usage type %q", u)
		}
		res.Total += c
		d := int((li.End - 1) / sim.Time(day))
		res.Cumulative[min(max(d, 0), w.Days-1)] += c
	}
	for d := 1; d < w.Days; d++ {
		res.Cumulative[d] += res.Cumulative[d-1]
	}
	res.StoredGiB = float64(b.StorageBytes()) / (1 << 30)
	return res, nil
}

func isArchived(err error) bool {
	return err != nil && strings.Contains(err.Error(), s3.ErrInvalidObjectState.Code)
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "s3-costs:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("s3-costs", flag.ContinueOnError)
	fs.SetOutput(out)
	w := Workload{}
	fs.IntVar(&w.Days, "days", 365, "simulated days")
	fs.IntVar(&w.PerDay, "per-day", 100, "objects uploaded per day")
	sizeMiB := fs.Float64("size-mib", 8, "object size in MiB")
	fs.Float64Var(&w.HotRead, "hot-read", 0.3, "probability a new object is read on its first day")
	fs.Float64Var(&w.HotDays, "hot-days", 5, "days for read probability to fall by e")
	fs.IntVar(&w.ColdReads, "cold-reads", 5, "objects older than 30 days read per day")
	fs.Uint64Var(&w.Seed, "seed", 1, "random seed")
	chart := fs.String("chart", "s3-costs.png", "PNG file for the cumulative-cost chart (empty: none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	w.Size = int64(*sizeMiB * (1 << 20))
	switch {
	case w.Days < 1 || w.PerDay < 1 || w.Size < 0 || w.Size > s3.MaxPutSize:
		return fmt.Errorf("need -days ≥ 1, -per-day ≥ 1 and 0 ≤ -size-mib ≤ 5120")
	case w.HotRead < 0 || w.HotRead > 1 || w.HotDays <= 0 || w.ColdReads < 0:
		return fmt.Errorf("need 0 ≤ -hot-read ≤ 1, -hot-days > 0, -cold-reads ≥ 0")
	}
	var results []Result
	for _, st := range Strategies {
		res, err := Simulate(st, w)
		if err != nil {
			return fmt.Errorf("%s: %w", st.Name, err)
		}
		results = append(results, res)
	}
	fmt.Fprintf(out, "%d days, %d × %.0f MiB objects a day (%.0f GiB at the end), us-east-1 list prices\n\n",
		w.Days, w.PerDay, *sizeMiB, results[0].StoredGiB)
	fmt.Fprintf(out, "%-28s %9s %9s %9s %9s %9s %10s %8s\n", "strategy", "storage", "requests", "retrieval", "early del", "monitor", "total USD", "delayed")
	for _, r := range results {
		fmt.Fprintf(out, "%-28s %9.2f %9.2f %9.2f %9.2f %9.2f %10.2f %8d\n",
			r.Strategy, r.Storage, r.Requests, r.Retrieval, r.EarlyDelete, r.Monitoring, r.Total, r.Delayed)
	}
	best := append([]Result(nil), results...)
	sort.SliceStable(best, func(i, j int) bool { return best[i].Total < best[j].Total })
	fmt.Fprintf(out, "\ncheapest: %s ($%.2f, %.0f%% of all-Standard); reads: %d\n",
		best[0].Strategy, best[0].Total, 100*best[0].Total/results[0].Total, results[0].Reads)
	if *chart != "" {
		if err := saveChart(*chart, results); err != nil {
			return err
		}
		fmt.Fprintf(out, "chart: %s\n", *chart)
	}
	return nil
}

// saveChart plots each strategy's cumulative cost by day.
func saveChart(path string, results []Result) error {
	p := plot.New()
	p.Title.Text = "S3 storage-class strategies: cumulative cost"
	p.X.Label.Text = "day"
	p.Y.Label.Text = "cumulative cost (USD)"
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	for i, r := range results {
		pts := make(plotter.XYs, len(r.Cumulative))
		for d, c := range r.Cumulative {
			pts[d] = plotter.XY{X: float64(d + 1), Y: c}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.Color = plotutil.Color(i)
		l.Dashes = plotutil.Dashes(i)
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(r.Strategy, l)
	}
	return p.Save(8*vg.Inch, 5*vg.Inch, path)
}
