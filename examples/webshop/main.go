// Command webshop replays a day of shopping against a whole AWS
// architecture in virtual time: Route 53 (a latency alias record and the
// shoppers' resolvers) → CloudFront (static paths from an S3 bucket through
// origin access control, dynamic paths uncached to the ALB) → an ALB across
// three AZs of a VPC (public and private subnets, a NAT gateway per AZ, an
// S3 gateway endpoint) → an auto-scaled fleet of EC2 instances in the
// private subnets that read the catalogue from S3 on every page. Shoppers in
// six countries follow a diurnal cycle; a flash sale multiplies traffic at
// one hour and an Availability Zone fails at another. CloudWatch collects
// the metrics, alarms watch them, and one billing ledger prices every piece.
//
// It prints a summary (requests, errors by cause, p50/p99 by hour, instances
// over time, cost by service and by tag, SLO-violation minutes) and writes a
// dashboard PNG and a self-contained HTML report into -out.
//
//	go run ./examples/webshop
//	go run ./examples/webshop -scale 2 -fail-hour -1 -json
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/sim"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "webshop:", err)
		os.Exit(2)
	}
}

type config struct {
	seed                      uint64
	horizon                   time.Duration
	scale, peak, trough       float64
	peakHour                  float64
	flashHour, flashFactor    float64
	flashDuration             time.Duration
	failHour                  float64
	failDuration              time.Duration
	failAZ                    string
	staticShare               float64
	work                      time.Duration
	instanceType              string
	maxQueue                  int
	minSize, maxSize, fixed   int
	target                    float64
	sloP99                    time.Duration
	sloErrors                 float64
	s3Endpoint                bool
	catalogueBytes, pageBytes int64
	staticObjects             int
	staticBytes               int64
	out                       string
	json, quiet, noFiles      bool
	hours                     float64
	prewarm                   int
	healthCheckType           string
	progress                  io.Writer // nil: no progress bar
}

func parse(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("webshop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Uint64Var(&c.seed, "seed", 1, "root random seed (same seed, same run)")
	fs.Float64Var(&c.hours, "hours", 24, "simulated hours")
	fs.Float64Var(&c.scale, "scale", 1, "multiplies every request rate (the fleet follows by autoscaling)")
	fs.Float64Var(&c.peak, "peak", 20, "requests/s at the diurnal peak, before -scale")
	fs.Float64Var(&c.trough, "trough", 4, "requests/s at the diurnal trough, before -scale")
	fs.Float64Var(&c.peakHour, "peak-hour", 19, "hour of the diurnal peak (UTC)")
	fs.Float64Var(&c.flashHour, "flash-hour", 12, "hour the flash sale starts (negative: no sale)")
	fs.Float64Var(&c.flashFactor, "flash-factor", 4, "traffic during the sale, as a multiple of the diurnal peak")
	fs.DurationVar(&c.flashDuration, "flash-duration", 30*time.Minute, "length of the flash sale")
	fs.Float64Var(&c.failHour, "fail-hour", 17, "hour the AZ fails (negative: no failure)")
	fs.DurationVar(&c.failDuration, "fail-duration", time.Hour, "length of the AZ failure")
	fs.StringVar(&c.failAZ, "fail-az", azs[0], "the AZ that fails")
	fs.Float64Var(&c.staticShare, "static-share", 0.5, "share of requests for static assets (served by CloudFront from S3)")
	fs.DurationVar(&c.work, "work", 200*time.Millisecond, "mean vCPU time of a dynamic page (log-normal, CV 0.3)")
	fs.StringVar(&c.instanceType, "instance-type", "c7g.medium", "EC2 instance type of the fleet")
	fs.IntVar(&c.maxQueue, "max-queue", 20, "requests an instance queues before refusing (QueueFull)")
	fs.IntVar(&c.minSize, "min", 3, "MinSize of the Auto Scaling group")
	fs.IntVar(&c.maxSize, "max", 40, "MaxSize of the Auto Scaling group")
	fs.StringVar(&c.healthCheckType, "health-check-type", "EC2", "the group's HealthCheckType: EC2 (status checks) or ELB (also the ALB's health checks)")
	fs.IntVar(&c.prewarm, "prewarm", 0, "scheduled action: MinSize from 15 min before the flash sale to its end (0 = none)")
	fs.IntVar(&c.fixed, "fixed", 0, "run a fixed fleet of this many instances instead of autoscaling (0 = autoscale)")
	fs.Float64Var(&c.target, "target", 150, "target-tracking target: ALB RequestCountPerTarget per minute")
	fs.DurationVar(&c.sloP99, "slo-p99", time.Second, "SLO: p99 latency of a minute's successful requests")
	fs.Float64Var(&c.sloErrors, "slo-errors", 0.01, "SLO: largest share of a minute's requests that may fail")
	fs.BoolVar(&c.s3Endpoint, "s3-endpoint", true, "S3 gateway endpoint in the VPC (false: S3 reads go through the NAT gateways)")
	fs.Int64Var(&c.catalogueBytes, "catalogue-bytes", 200_000, "bytes each page reads from S3")
	fs.Int64Var(&c.pageBytes, "page-bytes", 60_000, "bytes of a dynamic page")
	fs.IntVar(&c.staticObjects, "static-objects", 2000, "distinct static assets (Zipf s = 0.9)")
	fs.Int64Var(&c.staticBytes, "static-bytes", 80_000, "mean size of a static asset")
	fs.StringVar(&c.out, "out", "webshop-out", "directory for dashboard.png and report.html (created if missing)")
	fs.BoolVar(&c.json, "json", false, "print one JSON object instead of the table")
	fs.BoolVar(&c.quiet, "quiet", false, "no progress bar")
	fs.BoolVar(&c.noFiles, "no-files", false, "write no files")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.horizon = time.Duration(c.hours * float64(time.Hour))
	switch {
	case c.horizon < 10*time.Minute || c.hours > 24*31:
		return c, fmt.Errorf("-hours %g outside [1/6, 744]", c.hours)
	case !(c.scale > 0) || !(c.peak > 0) || c.trough < 0 || c.trough > c.peak:
		return c, errors.New("-scale and -peak must be positive, 0 ≤ -trough ≤ -peak")
	case c.flashFactor < 1 || c.flashDuration <= 0:
		return c, errors.New("-flash-factor must be ≥ 1 and -flash-duration positive")
	case c.staticShare < 0 || c.staticShare > 1:
		return c, fmt.Errorf("-static-share %g outside [0, 1]", c.staticShare)
	case c.work <= 0 || c.target <= 0 || c.sloP99 <= 0 || c.sloErrors < 0:
		return c, errors.New("-work, -target and -slo-p99 must be positive, -slo-errors not negative")
	case c.fixed < 0 || c.minSize < 1 || c.maxSize < c.minSize || c.prewarm < 0 || c.prewarm > c.maxSize:
		return c, errors.New("need -fixed ≥ 0, 1 ≤ -min ≤ -max and 0 ≤ -prewarm ≤ -max")
	case c.healthCheckType != "EC2" && c.healthCheckType != "ELB":
		return c, fmt.Errorf("-health-check-type %q: want EC2 or ELB", c.healthCheckType)
	case !slices.Contains(azs, c.failAZ):
		return c, fmt.Errorf("-fail-az %q: want one of %v", c.failAZ, azs)
	case c.peakHour < 0 || c.peakHour >= 24:
		return c, fmt.Errorf("-peak-hour %g outside [0, 24)", c.peakHour)
	case c.catalogueBytes < 0 || c.pageBytes < 0 || c.staticObjects < 1 || c.staticBytes < 1 || c.maxQueue < 0:
		return c, errors.New("sizes and counts must not be negative (-static-objects, -static-bytes ≥ 1)")
	}
	if !c.quiet && !c.json && isTerminal(stderr) {
		c.progress = stderr
	}
	return c, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func run(args []string, stdout, stderr io.Writer) error {
	c, err := parse(args, stderr)
	if err != nil {
		return err
	}
	sh, err := build(c)
	if err != nil {
		return err
	}
	res := sh.simulate(c)
	if !c.noFiles {
		if err := sh.writeFiles(c, &res); err != nil {
			return err
		}
	}
	if c.json {
		return json.NewEncoder(stdout).Encode(res)
	}
	printSummary(stdout, c, &res)
	return nil
}

// drain is how long the run continues after the last request is sent, so
// that requests in flight finish (the ALB idle timeout is 60 s).
const drain = 2 * time.Minute

// simulate runs the day in steps (for the progress bar), then settles every
// bill and gathers the result.
func (sh *shop) simulate(c config) Result {
	s := sh.s
	s.Every(at(time.Minute), time.Minute, func(now sim.Time) {
		sh.obs.tick(now, sh.cw, sh.tg.HealthyCount(), sh.fleet.Launched())
	})
	end := at(c.horizon + drain)
	var bar *progressbar.ProgressBar
	if c.progress != nil {
		bar = progressbar.NewOptions64(int64(end/sim.Time(time.Minute)), progressbar.OptionSetWriter(c.progress),
			progressbar.OptionSetDescription("simulating"), progressbar.OptionSetItsString("sim-min"), progressbar.OptionShowIts(),
			progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(c.progress) }))
	}
	const step = sim.Time(10 * time.Minute)
	for t := min(step, end); ; t = min(t+step, end) {
		s.RunUntil(t)
		if bar != nil {
			_ = bar.Set64(int64(t / sim.Time(time.Minute)))
		}
		if t == end {
			break
		}
	}
	sh.settle(end)
	return sh.result(c, end)
}

// settle writes every service's usage up to end to the ledger, and bills
// the CloudWatch alarms and custom metrics ($0.10 per standard alarm-month,
// $0.30 per custom metric-month, us-east-1 list prices).
func (sh *shop) settle(end sim.Time) {
	sh.cf.Flush()
	sh.ec2.SettleBilling()
	sh.s3.Flush()
	sh.net.Settle()
	sh.r53.FlushBilling()
	month := billing.HoursPerMonth
	for _, a := range sh.cw.DescribeAlarms() {
		r := billing.Resource{Service: "AmazonCloudWatch", ID: a.Name(), Region: region, Tags: tags("monitoring")}
		if li, err := r.PerHour("CW:AlarmMonitorUsage", 0, end, 0.10/month); err == nil {
			sh.ledger.Add(li)
		}
	}
	for _, m := range []string{"ClientLatencyP99", "ClientErrors"} {
		r := billing.Resource{Service: "AmazonCloudWatch", ID: "Webshop/" + m, Region: region, Tags: tags("monitoring")}
		if li, err := r.PerHour("CW:MetricMonitorUsage", 0, end, 0.30/month); err == nil {
			sh.ledger.Add(li)
		}
	}
}
