package autoscaling

import (
	"fmt"
	"math"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
)

// PredictiveScalingMode says whether a predictive policy only forecasts or
// also scales.
type PredictiveScalingMode string

// Predictive scaling modes.
const (
	ForecastOnly     PredictiveScalingMode = "ForecastOnly"
	ForecastAndScale PredictiveScalingMode = "ForecastAndScale"
)

// Max-capacity breach behaviours of predictive scaling.
const (
	HonorMaxCapacity    = "HonorMaxCapacity"
	IncreaseMaxCapacity = "IncreaseMaxCapacity"
)

// Predefined load/scaling metric pairs for predictive scaling.
const (
	// ASGCPUUtilization forecasts the group's total CPU (the sum of its
	// instances' CPUUtilization) and aims at TargetValue percent each.
	ASGCPUUtilization MetricType = "ASGCPUUtilization"
	// ALBRequestCount forecasts the target group's RequestCount and aims
	// at TargetValue requests per target per minute; needs ResourceLabel.
	ALBRequestCount MetricType = "ALBRequestCount"
)

// PredictiveScalingMetricSpecification is the load metric and the target
// that turns load into capacity: capacity = load per minute / TargetValue.
type PredictiveScalingMetricSpecification struct {
	// TargetValue is the load per instance per minute (percent CPU, or
	// requests per target).
	TargetValue float64
	// PredefinedMetricPairSpecification names ASGCPUUtilization or
	// ALBRequestCount.
	PredefinedMetricPairSpecification *PredefinedMetricSpecification
	// CustomizedLoadMetricSpecification is a load metric whose Sum over an
	// hour, divided by 60, is the load per minute.
	CustomizedLoadMetricSpecification *CustomizedMetricSpecification
}

// PredictiveScalingConfiguration configures a predictive policy.
type PredictiveScalingConfiguration struct {
	// MetricSpecifications holds exactly one specification.
	MetricSpecifications []PredictiveScalingMetricSpecification
	// Mode defaults to ForecastOnly.
	Mode PredictiveScalingMode
	// SchedulingBufferTime launches capacity that long before each hour;
	// nil means 300 s; less than 3,600 s.
	SchedulingBufferTime *time.Duration
	// MaxCapacityBreachBehavior is HonorMaxCapacity (default) or
	// IncreaseMaxCapacity.
	MaxCapacityBreachBehavior string
	// MaxCapacityBuffer (0–100 percent) is how far above the forecast the
	// maximum may rise with IncreaseMaxCapacity.
	MaxCapacityBuffer int
}

// ForecastPoint is one hour of a forecast (GetPredictiveScalingForecast).
type ForecastPoint struct {
	// Timestamp is the start of the hour.
	Timestamp sim.Time
	// Load is the forecast load per minute.
	Load float64
	// Capacity is the forecast capacity, in instances.
	Capacity int
}

// Predictive-scaling timing, from the AWS user guide.
const (
	forecastEvery = 6 * time.Hour
	forecastAhead = 48 * time.Hour
	minHistory    = 24 * time.Hour
	maxHistory    = 14 * 24 * time.Hour
	weeklyHistory = 14 * 24 * time.Hour // weekly seasonality needs two weeks
	trendHistory  = 72 * time.Hour      // fit a trend only from three days on [assumption]
	defaultBuffer = 300 * time.Second
	hourNanos     = sim.Time(time.Hour)
	hoursPerDay   = 24
	hoursPerWeek  = 168
	fitIterations = 3
	minuteSamples = 60
)

type predictor struct {
	p        *Policy
	metric   cloudwatch.GetMetricStatisticsInput
	target   float64
	buffer   time.Duration
	forecast []ForecastPoint
	refresh  *sim.Ticker
	hourly   *sim.Ticker
}

func (g *Group) predictive(p *Policy) error {
	cfg := p.cfg
	bad := func(format string, args ...any) error {
		return fmt.Errorf("autoscaling: group %q: policy %q: "+format+": %w", append([]any{g.name, cfg.PolicyName}, append(args, ErrInvalidConfig)...)...)
	}
	pc := cfg.PredictiveScalingConfiguration
	if pc == nil {
		return bad("PredictiveScalingConfiguration is nil")
	}
	if g.a.cfg.CloudWatch == nil {
		return bad("predictive scaling needs Config.CloudWatch")
	}
	if len(pc.MetricSpecifications) != 1 {
		return bad("MetricSpecifications has %d entries, want 1", len(pc.MetricSpecifications))
	}
	switch pc.Mode {
	case "":
		pc.Mode = ForecastOnly
	case ForecastOnly, ForecastAndScale:
	default:
		return bad("Mode %q unknown", pc.Mode)
	}
	if pc.Mode == ForecastAndScale {
		for _, o := range g.policies {
			if o.pred != nil && o.cfg.PredictiveScalingConfiguration.Mode == ForecastAndScale {
				return bad("overlaps policy %q: only one predictive policy may scale", o.cfg.PolicyName)
			}
		}
	}
	switch pc.MaxCapacityBreachBehavior {
	case "":
		pc.MaxCapacityBreachBehavior = HonorMaxCapacity
	case HonorMaxCapacity, IncreaseMaxCapacity:
	default:
		return bad("MaxCapacityBreachBehavior %q unknown", pc.MaxCapacityBreachBehavior)
	}
	if pc.MaxCapacityBuffer < 0 || pc.MaxCapacityBuffer > 100 {
		return bad("MaxCapacityBuffer %d not in [0, 100]", pc.MaxCapacityBuffer)
	}
	pr := &predictor{p: p, buffer: defaultBuffer}
	if b := pc.SchedulingBufferTime; b != nil {
		pr.buffer = *b
	}
	if pr.buffer < 0 || pr.buffer >= time.Hour {
		return bad("SchedulingBufferTime %v not in [0, 3600 s)", pr.buffer)
	}
	ms := pc.MetricSpecifications[0]
	if !(ms.TargetValue > 0) || math.IsInf(ms.TargetValue, 0) {
		return bad("TargetValue %g must be > 0", ms.TargetValue)
	}
	pr.target = ms.TargetValue
	in := cloudwatch.GetMetricStatisticsInput{Period: 3600, Statistics: []string{cloudwatch.Sum}}
	switch {
	case ms.CustomizedLoadMetricSpecification != nil && ms.PredefinedMetricPairSpecification == nil:
		c := ms.CustomizedLoadMetricSpecification
		in.Namespace, in.MetricName, in.Dimensions, in.Unit = c.Namespace, c.MetricName, c.Dimensions, c.Unit
	case ms.PredefinedMetricPairSpecification != nil && ms.CustomizedLoadMetricSpecification == nil:
		pm := ms.PredefinedMetricPairSpecification
		switch pm.PredefinedMetricType {
		case ASGCPUUtilization:
			in.Namespace, in.MetricName, in.Dimensions = "AWS/EC2", "CPUUtilization", g.dims
		case ALBRequestCount:
			i := strings.Index(pm.ResourceLabel, "/targetgroup/")
			if i <= 0 {
				return bad("ALBRequestCount ResourceLabel %q is not <load balancer>/targetgroup/<name>/<id>", pm.ResourceLabel)
			}
			in.Namespace, in.MetricName = "AWS/ApplicationELB", "RequestCount"
			in.Dimensions = []cloudwatch.Dimension{{Name: "LoadBalancer", Value: pm.ResourceLabel[:i]}, {Name: "TargetGroup", Value: pm.ResourceLabel[i+1:]}}
		default:
			return bad("PredefinedMetricType %q is not a predictive pair", pm.PredefinedMetricType)
		}
	default:
		return bad("set exactly one of PredefinedMetricPairSpecification and CustomizedLoadMetricSpecification")
	}
	if in.Namespace == "" || in.MetricName == "" {
		return bad("load metric needs Namespace and MetricName")
	}
	pr.metric = in
	p.pred = pr
	s := g.s
	pr.refresh = s.Every(s.Now(), forecastEvery, func(sim.Time) { pr.update() })
	next := (s.Now()/hourNanos+1)*hourNanos - sim.Time(pr.buffer)
	for next <= s.Now() {
		next += hourNanos
	}
	pr.hourly = s.Every(next, time.Hour, func(now sim.Time) { pr.act(now) })
	return nil
}

func (pr *predictor) stop() {
	pr.refresh.Stop()
	pr.hourly.Stop()
}

// Forecast returns the latest forecast of a predictive policy: 48 hourly
// points, empty until 24 hours of load history exist.
func (p *Policy) Forecast() []ForecastPoint {
	if p.pred == nil {
		return nil
	}
	return append([]ForecastPoint(nil), p.pred.forecast...)
}

// update fits the seasonal model to up to 14 days of hourly load and
// forecasts the next 48 hours.
func (pr *predictor) update() {
	g := pr.p.g
	if g == nil {
		return
	}
	now := g.s.Now()
	in := pr.metric
	in.EndTime = now / hourNanos * hourNanos // whole hours only
	in.StartTime = max(0, in.EndTime-sim.Time(maxHistory))
	dps, err := g.a.cfg.CloudWatch.GetMetricStatistics(in)
	if err != nil || len(dps) == 0 || in.EndTime-dps[0].Timestamp < sim.Time(minHistory) {
		return
	}
	hours := make([]int64, len(dps))
	load := make([]float64, len(dps))
	for i, d := range dps {
		hours[i] = int64(d.Timestamp / hourNanos)
		load[i] = d.Sum / minuteSamples
	}
	span := in.EndTime - dps[0].Timestamp
	m := fitSeasonal(hours, load, span >= sim.Time(weeklyHistory), span >= sim.Time(trendHistory))
	first := int64(in.EndTime / hourNanos)
	pr.forecast = pr.forecast[:0]
	for h := first; h < first+int64(forecastAhead/time.Hour); h++ {
		l := max(0, m.at(h))
		pr.forecast = append(pr.forecast, ForecastPoint{Timestamp: sim.Time(h) * hourNanos, Load: l,
			Capacity: int(math.Ceil(l/pr.target - 1e-9))})
	}
}

// act raises capacity SchedulingBufferTime before each hour to that hour's
// forecast (ForecastAndScale only). It never scales in; the forecast holds
// as a floor for target tracking's scale-in until the next hour's action.
func (pr *predictor) act(now sim.Time) {
	g := pr.p.g
	pc := pr.p.cfg.PredictiveScalingConfiguration
	if g == nil || pc.Mode != ForecastAndScale {
		return
	}
	hour := now.Add(pr.buffer)
	var fp *ForecastPoint
	for i := range pr.forecast {
		if pr.forecast[i].Timestamp == hour/hourNanos*hourNanos {
			fp = &pr.forecast[i]
		}
	}
	if fp == nil {
		g.floor = 0
		return
	}
	c := fp.Capacity
	if c > g.max {
		if pc.MaxCapacityBreachBehavior == IncreaseMaxCapacity {
			g.max = min(c, int(math.Ceil(float64(c)*(1+float64(pc.MaxCapacityBuffer)/100))))
		} else {
			c = g.max
		}
	}
	g.floor = c
	if c > g.desired {
		g.setDesired(c, fmt.Sprintf("At %s a predictive scaling action for policy %s raised the desired capacity from %d to %d.",
			g.stamp(), pr.p.cfg.PolicyName, g.desired, c))
	}
}

// seasonal is load = level + slope·hour + season[hour mod period].
type seasonal struct {
	level, slope float64
	season       []float64
}

func (m seasonal) at(h int64) float64 {
	return m.level + m.slope*float64(h) + m.season[int(h%int64(len(m.season)))]
}

// fitSeasonal fits a linear trend (gonum stat.LinearRegression) and an
// hour-of-day (or hour-of-week) profile by alternating least squares.
func fitSeasonal(hours []int64, load []float64, weekly, trend bool) seasonal {
	period := hoursPerDay
	if weekly {
		period = hoursPerWeek
	}
	m := seasonal{season: make([]float64, period)}
	x := make([]float64, len(hours))
	r := make([]float64, len(hours))
	for i, h := range hours {
		x[i] = float64(h)
	}
	sums := make([]float64, period)
	counts := make([]float64, period)
	for range fitIterations {
		for i, h := range hours {
			r[i] = load[i] - m.season[h%int64(period)]
		}
		if trend {
			m.level, m.slope = stat.LinearRegression(x, r, nil, false)
		} else {
			m.level, m.slope = stat.Mean(r, nil), 0
		}
		clear(sums)
		clear(counts)
		for i, h := range hours {
			k := h % int64(period)
			sums[k] += load[i] - m.level - m.slope*x[i]
			counts[k]++
		}
		mean := 0.0
		for k := range m.season {
			if counts[k] > 0 {
				m.season[k] = sums[k] / counts[k]
			}
			mean += m.season[k]
		}
		mean /= float64(period)
		for k := range m.season {
			m.season[k] -= mean
		}
		m.level += mean
	}
	return m
}
