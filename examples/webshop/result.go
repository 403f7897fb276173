package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
)

// Result is what one run reports (the -json output).
type Result struct {
	Seed       uint64       `json:"seed"`
	Hours      float64      `json:"hours"`
	Scale      float64      `json:"scale"`
	Fleet      string       `json:"fleet"`
	Requests   Counts       `json:"requests"`
	P50Ms      float64      `json:"p50_ms"`
	P99Ms      float64      `json:"p99_ms"`
	Errors     []causeCount `json:"errors_by_cause"`
	Hourly     []Hour       `json:"hourly"`
	SLO        SLO          `json:"slo"`
	Cost       Cost         `json:"cost"`
	CDN        CDN          `json:"cloudfront"`
	S3Reads    int64        `json:"s3_reads_from_instances"`
	Instances  Instances    `json:"instances"`
	Alarms     []Alarm      `json:"alarms"`
	Activities []activity   `json:"scaling_activities"`
	Files      []string     `json:"files,omitempty"`
}

// Counts accounts for every request the shoppers sent:
// Generated = Completed + Failed + InFlight.
type Counts struct {
	Generated uint64 `json:"generated"`
	Completed uint64 `json:"completed"` // answered with an HTTP status
	Failed    uint64 `json:"failed"`    // dropped without an answer
	InFlight  uint64 `json:"in_flight"`
	Errors    uint64 `json:"errors"` // failed, or answered 5xx
	Static    uint64 `json:"static"`
	Dynamic   uint64 `json:"dynamic"`
}

// Hour is one hour of the day, by the requests' start times.
type Hour struct {
	Hour        int     `json:"hour"`
	Requests    uint64  `json:"requests"`
	Answered    uint64  `json:"answered"`
	Errors      uint64  `json:"errors"`
	P50Ms       float64 `json:"p50_ms"`
	P99Ms       float64 `json:"p99_ms"`
	HealthyMin  int     `json:"healthy_min"`
	HealthyMean float64 `json:"healthy_mean"`
	HealthyMax  int     `json:"healthy_max"`
	LaunchedMax int     `json:"launched_max"`
}

// SLO is the service-level objective and how often the run missed it.
type SLO struct {
	P99Ms            float64 `json:"p99_ms"`
	ErrorShare       float64 `json:"error_share"`
	ViolationMinutes int     `json:"violation_minutes"`
}

// Cost is the bill, three ways; each view sums to Total.
type Cost struct {
	TotalUSD  float64        `json:"total_usd"`
	ByService []billing.Cost `json:"by_service"`
	ByTag     []billing.Cost `json:"by_tier_tag"`
}

// CDN summarises the distribution.
type CDN struct {
	Requests       uint64  `json:"requests"`
	HitRatio       float64 `json:"hit_ratio"`
	OriginRequests uint64  `json:"origin_requests"`
}

// Instances summarises the fleet.
type Instances struct {
	Launched     int `json:"launched"`
	PeakHealthy  int `json:"peak_healthy"`
	FinalDesired int `json:"final_desired"`
}

// Alarm is one alarm and how many times it went to ALARM.
type Alarm struct {
	Name       string `json:"name"`
	Alarms     int    `json:"times_in_alarm"`
	FinalState string `json:"final_state"`
}

func (sh *shop) result(c config, end sim.Time) Result {
	o := sh.obs
	st := sh.client.Stats()
	r := Result{Seed: c.seed, Hours: c.hours, Scale: c.scale, Fleet: "autoscaling"}
	if c.fixed > 0 {
		r.Fleet = fmt.Sprintf("fixed %d", c.fixed)
	}
	r.Requests = Counts{Generated: st.Sent, Completed: st.Completed, Failed: st.Failed, InFlight: st.InFlight(), Errors: o.errored}
	for i, h := range o.hours {
		r.Requests.Static += h.static
		r.Requests.Dynamic += h.dynamic
		hr := Hour{Hour: i, Requests: h.sent, Answered: h.done, Errors: h.errors, HealthyMin: max(h.healthyMin, 0),
			HealthyMax: h.healthyMax, LaunchedMax: h.launchedMax}
		if h.lat.Count() > 0 {
			hr.P50Ms, hr.P99Ms = round(ms(h.lat.Quantile(0.5))), round(ms(h.lat.Quantile(0.99)))
		}
		if h.samples > 0 {
			hr.HealthyMean = round(float64(h.healthySum) / float64(h.samples))
		}
		r.Instances.PeakHealthy = max(r.Instances.PeakHealthy, h.healthyMax)
		r.Hourly = append(r.Hourly, hr)
	}
	if o.all.Count() > 0 {
		r.P50Ms, r.P99Ms = round(ms(o.all.Quantile(0.5))), round(ms(o.all.Quantile(0.99)))
	}
	r.Errors = o.errorCauses()
	r.SLO = SLO{P99Ms: ms(c.sloP99), ErrorShare: c.sloErrors, ViolationMinutes: o.sloMinutes}
	r.Cost = Cost{TotalUSD: sh.ledger.Total(), ByService: sh.ledger.ByService(), ByTag: sh.ledger.ByTag("tier")}
	for i := range r.Cost.ByTag {
		if r.Cost.ByTag[i].Key == "" {
			r.Cost.ByTag[i].Key = "(untagged)"
		}
	}
	ds := sh.dist.Stats()
	r.CDN = CDN{Requests: ds.Requests, HitRatio: round(ds.CacheHitRatio()), OriginRequests: ds.OriginRequests}
	r.S3Reads = sh.s3Reads
	r.Instances.Launched = sh.ec2.Launches()
	r.Instances.FinalDesired = sh.fleet.Desired()
	for _, a := range sh.cw.DescribeAlarms() {
		n := 0
		for _, h := range a.History() {
			if h.Type == "StateUpdate" && h.NewState == cloudwatch.StateAlarm {
				n++
			}
		}
		r.Alarms = append(r.Alarms, Alarm{Name: a.Name(), Alarms: n, FinalState: string(a.State())})
	}
	r.Activities = sh.fleet.Activities()
	return r
}

func round(x float64) float64 {
	return float64(int64(x*1000+0.5)) / 1000
}

// printSummary writes the terminal report.
func printSummary(w io.Writer, c config, r *Result) {
	q := r.Requests
	fmt.Fprintf(w, "webshop: %g h, seed %d, scale %g, fleet %s\n\n", r.Hours, r.Seed, r.Scale, r.Fleet)
	fmt.Fprintf(w, "requests   %d generated = %d answered + %d dropped + %d in flight (%d static, %d dynamic)\n",
		q.Generated, q.Completed, q.Failed, q.InFlight, q.Static, q.Dynamic)
	fmt.Fprintf(w, "latency    p50 %.1f ms, p99 %.1f ms (successful requests, viewer to viewer)\n", r.P50Ms, r.P99Ms)
	fmt.Fprintf(w, "errors     %d (%.3f%%)\n", q.Errors, pct(q.Errors, q.Generated))
	for _, e := range r.Errors {
		fmt.Fprintf(w, "  %8d  %s\n", e.Count, e.Cause)
	}
	fmt.Fprintf(w, "SLO        p99 ≤ %.0f ms and errors ≤ %.1f%% per minute: violated %d minute(s)\n",
		r.SLO.P99Ms, 100*r.SLO.ErrorShare, r.SLO.ViolationMinutes)
	fmt.Fprintf(w, "CloudFront %d requests, hit ratio %.3f, %d origin requests\n", r.CDN.Requests, r.CDN.HitRatio, r.CDN.OriginRequests)
	fmt.Fprintf(w, "fleet      %d instances launched, peak %d healthy, %d scaling activities\n\n",
		r.Instances.Launched, r.Instances.PeakHealthy, len(r.Activities))

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "hour\trequests\terrors\tp50 ms\tp99 ms\thealthy min\tmean\tmax\tlaunched\t")
	for _, h := range r.Hourly {
		mark := event(c, h.Hour)
		fmt.Fprintf(tw, "%02d:00\t%d\t%d\t%.1f\t%.1f\t%d\t%.1f\t%d\t%d\t  %s\n", h.Hour, h.Requests, h.Errors, h.P50Ms, h.P99Ms,
			h.HealthyMin, h.HealthyMean, h.HealthyMax, h.LaunchedMax, mark)
	}
	_ = tw.Flush()

	fmt.Fprintf(w, "\ncost $%.2f\n", r.Cost.TotalUSD)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	n := max(len(r.Cost.ByService), len(r.Cost.ByTag))
	fmt.Fprintln(tw, "  by service\t\t  by tag tier\t")
	for i := range n {
		var a, b string
		if i < len(r.Cost.ByService) {
			a = fmt.Sprintf("  %s\t$%.4f", r.Cost.ByService[i].Key, r.Cost.ByService[i].USD)
		} else {
			a = "\t"
		}
		if i < len(r.Cost.ByTag) {
			b = fmt.Sprintf("  %s\t$%.4f", r.Cost.ByTag[i].Key, r.Cost.ByTag[i].USD)
		} else {
			b = "\t"
		}
		fmt.Fprintf(tw, "%s\t%s\t\n", a, b)
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	for _, a := range r.Alarms {
		fmt.Fprintf(w, "alarm %s: in ALARM %d time(s), now %s\n", a.Name, a.Alarms, a.FinalState)
	}
	for _, f := range r.Files {
		fmt.Fprintln(w, "wrote", f)
	}
}

// dashboard is the CloudWatch dashboard of the run.
func (sh *shop) dashboard(c config, end sim.Time) cloudwatch.Dashboard {
	period := int(max(60, (c.horizon/time.Second/288)/60*60))
	lb := cloudwatch.Dimension{Name: "LoadBalancer", Value: sh.alb.Dimension()}
	tg := cloudwatch.Dimension{Name: "TargetGroup", Value: sh.tg.Dimension()}
	asg := cloudwatch.Dimension{Name: "AutoScalingGroupName", Value: "shop-web"}
	q := func(id, ns, name, stat, label string, dims ...cloudwatch.Dimension) cloudwatch.MetricDataQuery {
		return cloudwatch.MetricDataQuery{ID: id, Label: label, MetricStat: &cloudwatch.MetricStat{
			Metric: cloudwatch.Metric{Namespace: ns, MetricName: name, Dimensions: dims}, Period: period, Stat: stat}}
	}
	var scaling []*cloudwatch.Alarm
	for _, a := range sh.cw.DescribeAlarms() {
		if strings.HasPrefix(a.Name(), "TargetTracking-") {
			scaling = append(scaling, a)
		}
	}
	return cloudwatch.Dashboard{Name: "webshop", Start: at(0), End: end, Columns: 2, Widgets: []cloudwatch.Widget{
		{Title: "Requests", Queries: []cloudwatch.MetricDataQuery{
			q("cf", "AWS/CloudFront", "Requests", "Sum", "CloudFront requests",
				cloudwatch.Dimension{Name: "DistributionId", Value: sh.dist.ID()}, cloudwatch.Dimension{Name: "Region", Value: "Global"}),
			q("alb", "AWS/ApplicationELB", "RequestCount", "Sum", "ALB requests", lb)}, YLabel: fmt.Sprintf("requests per %d s", period)},
		{Title: "Viewer latency p99 (worst minute)", Queries: []cloudwatch.MetricDataQuery{
			q("p99", "Webshop", "ClientLatencyP99", "Maximum", "p99 of the minute")},
			Annotations: []cloudwatch.Annotation{{Label: "SLO", Value: ms(c.sloP99)}}, YLabel: "ms"},
		{Title: "Errors", Queries: []cloudwatch.MetricDataQuery{
			q("cerr", "Webshop", "ClientErrors", "Sum", "errors seen by shoppers"),
			q("e5", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "Sum", "ALB 5XX", lb)}, YLabel: fmt.Sprintf("per %d s", period)},
		{Title: "Instances", Queries: []cloudwatch.MetricDataQuery{
			q("des", "AWS/AutoScaling", "GroupDesiredCapacity", "Maximum", "desired", asg),
			q("tot", "AWS/AutoScaling", "GroupTotalInstances", "Maximum", "launched", asg),
			q("hh", "AWS/ApplicationELB", "HealthyHostCount", "Minimum", "healthy (ALB)", lb, tg)}, YLabel: "instances"},
		{Title: "RequestCountPerTarget (target tracking)", Queries: []cloudwatch.MetricDataQuery{
			q("rcpt", "AWS/ApplicationELB", "RequestCountPerTarget", "Average", "per target", lb, tg)}, Alarms: scaling,
			YLabel: "requests per target per minute"},
		{Title: "CPU utilization of the fleet", Queries: []cloudwatch.MetricDataQuery{
			q("cpu", "AWS/EC2", "CPUUtilization", "Average", "average", asg)}, YLabel: "%"},
	}}
}
