package route53

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/geo"
	"github.com/nimbus-sim/nimbus/sim"
)

// Health-check types.
const (
	CheckHTTP             = "HTTP"
	CheckHTTPS            = "HTTPS"
	CheckHTTPStrMatch     = "HTTP_STR_MATCH"
	CheckHTTPSStrMatch    = "HTTPS_STR_MATCH"
	CheckTCP              = "TCP"
	CheckCalculated       = "CALCULATED"
	CheckCloudWatchMetric = "CLOUDWATCH_METRIC"
)

// BodyHeader is the response header a string-matching check searches:
// sim.Response carries no body, so a handler that wants to be matched puts
// the start of its body here. Only the first 5,120 bytes are searched.
const BodyHeader = "X-Nimbus-Body"

// Probe limits from the AWS facts (2.4).
const (
	httpTimeout     = 6 * time.Second  // connect 4 s + first response 2 s
	strMatchTimeout = 8 * time.Second  // and the body within 2 s more
	tcpTimeout      = 10 * time.Second // connect
	strMatchWindow  = 5120
)

// AlarmIdentifier names the CloudWatch alarm a CLOUDWATCH_METRIC check
// follows.
type AlarmIdentifier struct {
	// Region and Name identify the alarm.
	Region, Name string
}

// HealthCheckConfig is a health check as CreateHealthCheck takes it.
type HealthCheckConfig struct {
	// Name is the check's Name tag, used in errors and traces.
	Name string
	// Type is one of the Check* constants.
	Type string
	// IPAddress is the endpoint to probe; the handler registered for it
	// with RegisterEndpoint answers.
	IPAddress netip.Addr
	// FullyQualifiedDomainName is the Host header, and the name resolved
	// (public A record) at every interval when IPAddress is unset.
	FullyQualifiedDomainName string
	// Port defaults to 80 (HTTP) or 443 (HTTPS).
	Port int
	// ResourcePath is the request path; default "/".
	ResourcePath string
	// SearchString must appear in the body (BodyHeader) for *_STR_MATCH.
	SearchString string
	// RequestInterval is 10 or 30 seconds; 0 means 30.
	RequestInterval int
	// FailureThreshold (1–10) consecutive results in the other state flip a
	// checker's view; 0 means 3.
	FailureThreshold int
	// Regions are the checker regions, at least 3; nil means
	// DefaultCheckerRegions.
	Regions []string
	// Inverted swaps healthy and unhealthy.
	Inverted bool
	// ChildHealthChecks and HealthThreshold define a CALCULATED check:
	// healthy when at least HealthThreshold children are.
	ChildHealthChecks []string
	HealthThreshold   int
	// AlarmIdentifier is the alarm a CLOUDWATCH_METRIC check follows.
	AlarmIdentifier *AlarmIdentifier
	// InsufficientDataHealthStatus is "Healthy", "Unhealthy" or
	// "LastKnownStatus" (the default) while the alarm lacks data.
	InsufficientDataHealthStatus string
	// Endpoint, when set, is probed instead of the handler registered for
	// IPAddress (not part of the AWS API).
	Endpoint sim.Handler
	// EndpointRegion places the endpoint so that probes take the RTT from
	// each checker region; empty means no network delay.
	EndpointRegion string
	// AWSEndpoint prices the check as one of an AWS endpoint.
	AWSEndpoint bool
}

// HealthTransition is a change of a check's status.
type HealthTransition struct {
	// At is when the status changed.
	At sim.Time
	// Healthy is the new status.
	Healthy bool
}

// CheckerObservation is one checker's current view, like an entry of
// GetHealthCheckStatus.
type CheckerObservation struct {
	// Region is the checker's region.
	Region string
	// Healthy is the checker's current view.
	Healthy bool
	// LastProbe is when the checker last sent a probe.
	LastProbe sim.Time
}

// HealthCheck is a running health check.
type HealthCheck struct {
	r        *Route53
	id       string
	cfg      HealthCheckConfig
	healthy  bool
	checkers []*checker
	parents  []*HealthCheck
	children []*HealthCheck
	history  []HealthTransition
	poll     *sim.Ticker
	deleted  bool
	endLoc   geo.Point
	hasLoc   bool
	interval time.Duration
	timeout  time.Duration

	// Minute accumulators for the AWS/Route53 metrics.
	statusSum, statusN float64
	pctSum, pctMin     float64
	pctMax, pctN       float64
}

type checker struct {
	region    string
	loc       geo.Point
	healthy   bool
	streak    int
	lastProbe sim.Time
	timer     sim.Timer
}

// ID returns the health check ID.
func (hc *HealthCheck) ID() string { return hc.id }

// Config returns the check's configuration with defaults filled in.
func (hc *HealthCheck) Config() HealthCheckConfig { return hc.cfg }

// Healthy reports the check's current status, as record routing reads it.
func (hc *HealthCheck) Healthy() bool { return hc.healthy }

// PercentHealthy returns the share of checkers reporting healthy, in
// percent (100 or 0 for calculated and alarm checks).
func (hc *HealthCheck) PercentHealthy() float64 {
	if len(hc.checkers) == 0 {
		if hc.healthy {
			return 100
		}
		return 0
	}
	n := 0
	for _, c := range hc.checkers {
		if c.healthy {
			n++
		}
	}
	return 100 * float64(n) / float64(len(hc.checkers))
}

// Transitions returns the status changes so far.
func (hc *HealthCheck) Transitions() []HealthTransition { return slices.Clone(hc.history) }

// Observations returns each checker's current view.
func (hc *HealthCheck) Observations() []CheckerObservation {
	out := make([]CheckerObservation, len(hc.checkers))
	for i, c := range hc.checkers {
		out[i] = CheckerObservation{Region: c.region, Healthy: c.healthy, LastProbe: c.lastProbe}
	}
	return out
}

// HealthCheck returns the check with the given ID.
func (r *Route53) HealthCheck(id string) (*HealthCheck, bool) {
	hc, ok := r.checks[id]
	return hc, ok
}

// CreateHealthCheck validates and starts a health check. Endpoint checkers
// start probing at random phases within the first interval.
func (r *Route53) CreateHealthCheck(cfg HealthCheckConfig) (*HealthCheck, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("route53: health check %q: %s: %w", cfg.Name, fmt.Sprintf(format, a...), ErrInvalidConfig)
	}
	if len(r.checks) >= 200 {
		return nil, fmt.Errorf("route53: health check %q: 200 health checks per account: %w", cfg.Name, ErrLimitExceeded)
	}
	hc := &HealthCheck{r: r, cfg: cfg}
	endpoint := false
	switch cfg.Type {
	case CheckHTTP, CheckHTTPS, CheckHTTPStrMatch, CheckHTTPSStrMatch, CheckTCP:
		endpoint = true
	case CheckCalculated:
		if len(cfg.ChildHealthChecks) > 255 {
			return nil, bad("%d ChildHealthChecks > 255", len(cfg.ChildHealthChecks))
		}
		if cfg.HealthThreshold < 0 || cfg.HealthThreshold > 256 {
			return nil, bad("HealthThreshold %d outside 0–256", cfg.HealthThreshold)
		}
		for _, id := range cfg.ChildHealthChecks {
			c, ok := r.checks[id]
			if !ok {
				return nil, fmt.Errorf("route53: health check %q: child %s: %w", cfg.Name, id, ErrNoSuchHealthCheck)
			}
			if c.cfg.Type == CheckCalculated {
				return nil, bad("child %s is itself CALCULATED", id)
			}
			hc.children = append(hc.children, c)
		}
	case CheckCloudWatchMetric:
		if cfg.AlarmIdentifier == nil || cfg.AlarmIdentifier.Name == "" {
			return nil, bad("AlarmIdentifier is required for CLOUDWATCH_METRIC")
		}
		if r.cfg.Alarms == nil {
			return nil, bad("CLOUDWATCH_METRIC needs Config.Alarms")
		}
		switch cfg.InsufficientDataHealthStatus {
		case "":
			hc.cfg.InsufficientDataHealthStatus = "LastKnownStatus"
		case "Healthy", "Unhealthy", "LastKnownStatus":
		default:
			return nil, bad("InsufficientDataHealthStatus %q is not Healthy, Unhealthy or LastKnownStatus", cfg.InsufficientDataHealthStatus)
		}
	default:
		return nil, bad("Type %q is not HTTP, HTTPS, HTTP_STR_MATCH, HTTPS_STR_MATCH, TCP, CALCULATED or CLOUDWATCH_METRIC", cfg.Type)
	}
	if endpoint {
		c := &hc.cfg
		if c.RequestInterval == 0 {
			c.RequestInterval = DefaultRequestInterval
		}
		if c.RequestInterval != 10 && c.RequestInterval != 30 {
			return nil, bad("RequestInterval %d is not 10 or 30", c.RequestInterval)
		}
		if c.FailureThreshold == 0 {
			c.FailureThreshold = DefaultFailureThreshold
		}
		if c.FailureThreshold < 1 || c.FailureThreshold > 10 {
			return nil, bad("FailureThreshold %d outside 1–10", c.FailureThreshold)
		}
		if c.Endpoint != nil && isNil(c.Endpoint) {
			return nil, bad("%s; leave it unset to probe IPAddress", nilProblem("Endpoint", c.Endpoint))
		}
		if !c.IPAddress.IsValid() && c.FullyQualifiedDomainName == "" && c.Endpoint == nil {
			return nil, bad("IPAddress or FullyQualifiedDomainName is required")
		}
		if c.FullyQualifiedDomainName != "" {
			n, err := CanonicalName(c.FullyQualifiedDomainName)
			if err != nil {
				return nil, bad("FullyQualifiedDomainName %q is not valid", c.FullyQualifiedDomainName)
			}
			c.FullyQualifiedDomainName = n
		}
		if c.Port == 0 {
			c.Port = 80
			if strings.HasPrefix(c.Type, "HTTPS") {
				c.Port = 443
			}
		}
		if c.Port < 1 || c.Port > 65535 {
			return nil, bad("Port %d outside 1–65535", c.Port)
		}
		if c.ResourcePath == "" {
			c.ResourcePath = "/"
		}
		if len(c.ResourcePath) > 255 {
			return nil, bad("ResourcePath longer than 255 characters")
		}
		strMatch := strings.HasSuffix(c.Type, "STR_MATCH")
		if strMatch && (c.SearchString == "" || len(c.SearchString) > 255) {
			return nil, bad("SearchString must have 1–255 characters for %s", c.Type)
		}
		if c.Regions == nil {
			c.Regions = DefaultCheckerRegions
		}
		c.Regions = slices.Clone(c.Regions)
		if len(c.Regions) < 3 {
			return nil, bad("%d Regions < 3", len(c.Regions))
		}
		for _, reg := range c.Regions {
			if _, ok := geo.LookupRegion(reg); !ok {
				return nil, bad("Regions: unknown region %q", reg)
			}
		}
		if c.EndpointRegion != "" {
			p, ok := regionPoint(c.EndpointRegion)
			if !ok {
				return nil, bad("EndpointRegion %q is not a region", c.EndpointRegion)
			}
			hc.endLoc, hc.hasLoc = p, true
		}
		hc.interval = time.Duration(c.RequestInterval) * time.Second
		switch {
		case strMatch:
			hc.timeout = strMatchTimeout
		case c.Type == CheckTCP:
			hc.timeout = tcpTimeout
		default:
			hc.timeout = httpTimeout
		}
	}
	hc.id = healthCheckID(r.s)
	hc.healthy = !cfg.Inverted
	r.checks[hc.id] = hc
	r.checkOrder = append(r.checkOrder, hc)
	r.trace("CreateHealthCheck", hc.id, sim.F("name", cfg.Name), sim.F("type", cfg.Type))
	switch {
	case endpoint:
		rng := r.s.Stream("route53/healthcheck/" + hc.id + "/phase")
		for i := 0; i < r.cfg.Checkers; i++ {
			reg := hc.cfg.Regions[i%len(hc.cfg.Regions)]
			p, _ := regionPoint(reg)
			c := &checker{region: reg, loc: p, healthy: !cfg.Inverted}
			hc.checkers = append(hc.checkers, c)
			// Checkers do not coordinate: each starts at its own phase.
			phase := time.Duration(rng.Int64N(int64(hc.interval)))
			c.timer = r.s.After(phase, func() { hc.probe(c) })
		}
	case cfg.Type == CheckCalculated:
		for _, c := range hc.children {
			c.parents = append(c.parents, hc)
		}
		hc.recalc()
	default:
		hc.poll = r.s.Every(r.s.Now(), r.cfg.AlarmPollInterval, func(sim.Time) { hc.readAlarm() })
	}
	r.startMetrics()
	r.startBilling()
	return hc, nil
}

func healthCheckID(s *sim.Sim) string {
	h := s.NewID("healthcheck")[len("healthcheck-0"):]
	g := s.NewID("healthcheck-uuid")[len("healthcheck-uuid-0"):]
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + g[:4] + "-" + g[4:16]
}

// DeleteHealthCheck stops and removes a check that no record and no
// calculated check uses.
func (r *Route53) DeleteHealthCheck(id string) error {
	hc, ok := r.checks[id]
	if !ok {
		return fmt.Errorf("route53: health check %s: %w", id, ErrNoSuchHealthCheck)
	}
	if len(hc.parents) > 0 {
		return fmt.Errorf("route53: health check %s is a child of %s: %w", id, hc.parents[0].id, ErrHealthCheckInUse)
	}
	for _, z := range r.HostedZones() {
		for _, spec := range z.ResourceRecordSets() {
			if spec.HealthCheckId == id {
				return fmt.Errorf("route53: health check %s is used by RRSet %s in zone %s: %w", id, spec.describe(), z.id, ErrHealthCheckInUse)
			}
		}
	}
	r.FlushBilling()
	hc.deleted = true
	for _, c := range hc.checkers {
		r.s.Cancel(c.timer)
	}
	if hc.poll != nil {
		hc.poll.Stop()
	}
	for _, c := range hc.children {
		c.parents = slices.DeleteFunc(c.parents, func(p *HealthCheck) bool { return p == hc })
	}
	delete(r.checks, id)
	r.checkOrder = slices.DeleteFunc(r.checkOrder, func(x *HealthCheck) bool { return x == hc })
	r.trace("DeleteHealthCheck", id)
	return nil
}

// target returns the handler a probe goes to, or nil when the endpoint
// cannot be reached (no handler, or the name has no A record).
func (hc *HealthCheck) target(c *checker) sim.Handler {
	if hc.cfg.Endpoint != nil {
		return hc.cfg.Endpoint
	}
	ip := hc.cfg.IPAddress
	if !ip.IsValid() {
		p := c.loc
		a := hc.r.Query(hc.cfg.FullyQualifiedDomainName, dns.TypeA, Source{Location: p})
		if len(a.Addrs) == 0 {
			return nil
		}
		ip = a.Addrs[0]
	}
	h, _ := hc.r.Endpoint(ip)
	return h
}

// probe sends one checker's request and schedules the next one an interval
// after the result.
func (hc *HealthCheck) probe(c *checker) {
	s := hc.r.s
	start := s.Now()
	c.lastProbe = start
	h := hc.target(c)
	if h == nil {
		hc.finish(c, false)
		return
	}
	var rtt time.Duration
	if hc.hasLoc {
		rtt = hc.r.lat.RTT(c.loc, hc.endLoc)
	}
	done := false
	timeout := s.After(hc.timeout, func() {
		if !done {
			done = true
			hc.finish(c, false)
		}
	})
	req := &sim.Request{
		Client:   sim.Client{Region: c.region, Lat: c.loc.Lat, Lon: c.loc.Lon},
		Protocol: "HTTP", Method: "GET", Host: strings.TrimSuffix(hc.cfg.FullyQualifiedDomainName, "."),
		Path: hc.cfg.ResourcePath, DstPort: uint16(hc.cfg.Port), Start: start,
		Headers: []sim.Header{{Name: "User-Agent", Value: "Amazon-Route53-Health-Check-Service (ref " + hc.id + ")"}},
	}
	switch hc.cfg.Type {
	case CheckHTTPS, CheckHTTPSStrMatch:
		req.Protocol = "HTTPS"
	case CheckTCP:
		req.Protocol, req.Method = "TCP", ""
	}
	h.Serve(req, func(resp sim.Response) {
		if done {
			return
		}
		if s.Now().Sub(start)+rtt > hc.timeout {
			return // the timeout answers
		}
		pass := hc.passes(resp)
		s.After(rtt, func() {
			if done {
				return
			}
			done = true
			s.Cancel(timeout)
			hc.finish(c, pass)
		})
	})
}

// passes applies the check type's success criteria to a response.
func (hc *HealthCheck) passes(resp sim.Response) bool {
	if resp.Status == 0 {
		return false
	}
	if hc.cfg.Type == CheckTCP {
		return true
	}
	if resp.Status < 200 || resp.Status > 399 {
		return false
	}
	if strings.HasSuffix(hc.cfg.Type, "STR_MATCH") {
		body, _ := resp.Header(BodyHeader)
		if len(body) > strMatchWindow {
			body = body[:strMatchWindow]
		}
		return strings.Contains(body, hc.cfg.SearchString)
	}
	return true
}

// finish records a probe result and schedules the checker's next probe.
func (hc *HealthCheck) finish(c *checker, pass bool) {
	if hc.deleted {
		return
	}
	hc.observe(c, pass)
	c.timer = hc.r.s.After(hc.interval, func() { hc.probe(c) })
}

// observe applies one result to a checker: FailureThreshold consecutive
// results in the other state flip its view. The check is healthy while
// more than HealthyThresholdPercent of checkers report healthy.
func (hc *HealthCheck) observe(c *checker, pass bool) {
	if hc.cfg.Inverted {
		pass = !pass
	}
	if pass == c.healthy {
		c.streak = 0
	} else if c.streak++; c.streak >= hc.cfg.FailureThreshold {
		c.healthy, c.streak = pass, 0
	}
	pct := hc.PercentHealthy()
	hc.pctSum += pct
	hc.pctN++
	if hc.pctN == 1 || pct < hc.pctMin {
		hc.pctMin = pct
	}
	if hc.pctN == 1 || pct > hc.pctMax {
		hc.pctMax = pct
	}
	hc.set(pct > hc.r.cfg.HealthyThresholdPercent)
}

// set changes the status, records it and tells calculated parents.
func (hc *HealthCheck) set(healthy bool) {
	if healthy != hc.healthy {
		hc.healthy = healthy
		hc.history = append(hc.history, HealthTransition{At: hc.r.s.Now(), Healthy: healthy})
		hc.r.trace("HealthCheckStatusChanged", hc.id, sim.F("healthy", healthy), sim.F("percent", hc.PercentHealthy()))
		for _, p := range hc.parents {
			p.recalc()
		}
	}
	v := 0.0
	if hc.healthy {
		v = 1
	}
	hc.statusSum += v
	hc.statusN++
}

// recalc evaluates a calculated check from its children.
func (hc *HealthCheck) recalc() {
	n := 0
	for _, c := range hc.children {
		if c.healthy {
			n++
		}
	}
	ok := n >= hc.cfg.HealthThreshold
	if hc.cfg.Inverted {
		ok = !ok
	}
	hc.set(ok)
}

// readAlarm follows the alarm: OK → healthy, ALARM → unhealthy, and the
// configured fallback with insufficient data.
func (hc *HealthCheck) readAlarm() {
	a := hc.cfg.AlarmIdentifier
	state, ok := hc.r.cfg.Alarms.AlarmState(a.Region, a.Name)
	healthy := hc.healthy
	if hc.cfg.Inverted {
		healthy = !healthy
	}
	switch {
	case ok && state == "OK":
		healthy = true
	case ok && state == "ALARM":
		healthy = false
	case hc.cfg.InsufficientDataHealthStatus == "Healthy":
		healthy = true
	case hc.cfg.InsufficientDataHealthStatus == "Unhealthy":
		healthy = false
	}
	if hc.cfg.Inverted {
		healthy = !healthy
	}
	hc.set(healthy)
}

// startMetrics publishes AWS/Route53 metrics once a minute when a publisher
// is configured.
func (r *Route53) startMetrics() {
	if r.cfg.Metrics == nil || r.metricsTk != nil {
		return
	}
	r.metricsTk = r.s.Every(r.s.Now().Add(time.Minute), time.Minute, func(now sim.Time) { r.publishMetrics(now) })
}

// publishMetrics publishes one minute of HealthCheckStatus,
// HealthCheckPercentageHealthy (endpoint checks) and
// ChildHealthCheckHealthyCount (calculated checks) per check, dimension
// HealthCheckId.
func (r *Route53) publishMetrics(now sim.Time) {
	ts := now.Add(-time.Minute)
	for _, hc := range r.checkOrder {
		dims := []cloudwatch.Dimension{{Name: "HealthCheckId", Value: hc.id}}
		if hc.statusN == 0 {
			hc.set(hc.healthy) // one sample of the unchanged status
		}
		r.cfg.Metrics.Publish("AWS/Route53", cloudwatch.MetricDatum{MetricName: "HealthCheckStatus", Dimensions: dims, Timestamp: ts,
			StatisticValues: &cloudwatch.StatisticSet{SampleCount: hc.statusN, Sum: hc.statusSum, Minimum: min01(hc.statusSum, hc.statusN), Maximum: max01(hc.statusSum)},
			Unit:            cloudwatch.UnitNone})
		if len(hc.checkers) > 0 {
			if hc.pctN == 0 {
				p := hc.PercentHealthy()
				hc.pctSum, hc.pctN, hc.pctMin, hc.pctMax = p, 1, p, p
			}
			r.cfg.Metrics.Publish("AWS/Route53", cloudwatch.MetricDatum{MetricName: "HealthCheckPercentageHealthy", Dimensions: dims, Timestamp: ts,
				StatisticValues: &cloudwatch.StatisticSet{SampleCount: hc.pctN, Sum: hc.pctSum, Minimum: hc.pctMin, Maximum: hc.pctMax},
				Unit:            cloudwatch.UnitPercent})
		}
		if hc.cfg.Type == CheckCalculated {
			n := 0
			for _, c := range hc.children {
				if c.healthy {
					n++
				}
			}
			r.cfg.Metrics.Publish("AWS/Route53", cloudwatch.MetricDatum{MetricName: "ChildHealthCheckHealthyCount", Dimensions: dims, Timestamp: ts,
				Value: float64(n), Unit: cloudwatch.UnitCount})
		}
		hc.statusSum, hc.statusN, hc.pctSum, hc.pctN = 0, 0, 0, 0
	}
}

// min01 and max01 give the minimum and maximum of N samples of 0 or 1
// summing to sum.
func min01(sum, n float64) float64 {
	if sum == n {
		return 1
	}
	return 0
}

func max01(sum float64) float64 {
	if sum > 0 {
		return 1
	}
	return 0
}

// checkPrice returns the usage type and monthly price of a check: a base
// price plus one per optional feature (HTTPS, string matching, fast
// interval). Calculated and alarm checks are priced as basic AWS checks.
func (r *Route53) checkPrice(hc *HealthCheck) (string, float64) {
	c := hc.cfg
	aws := c.AWSEndpoint || c.Type == CheckCalculated || c.Type == CheckCloudWatchMetric
	features := 0
	if strings.HasPrefix(c.Type, "HTTPS") {
		features++
	}
	if strings.HasSuffix(c.Type, "STR_MATCH") {
		features++
	}
	if c.RequestInterval == 10 {
		features++
	}
	if aws {
		return "Health-Check-AWS", r.prices.HealthCheckAWSMonth + float64(features)*r.prices.HealthCheckFeatureAWSMonth
	}
	return "Health-Check-Non-AWS", r.prices.HealthCheckNonAWSMonth + float64(features)*r.prices.HealthCheckFeatureNonAWSMonth
}
