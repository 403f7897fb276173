package route53

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/geo"
	"github.com/nimbus-sim/nimbus/sim"
)

// MetricPublisher receives the AWS/Route53 metrics; *cloudwatch.CloudWatch
// implements it. A nil publisher means "do not publish".
type MetricPublisher interface {
	Publish(namespace string, d cloudwatch.MetricDatum)
}

// Latency gives the mean round-trip time between two points;
// geo.LatencyModel implements it.
type Latency interface {
	RTT(a, b geo.Point) time.Duration
}

// Biller receives priced usage; *billing.Ledger implements it. A nil biller
// means "do not bill".
type Biller interface {
	Add(li billing.LineItem)
}

// AlarmStates reads CloudWatch alarm states for CLOUDWATCH_METRIC health
// checks: state is "OK", "ALARM" or "INSUFFICIENT_DATA"; ok is false when
// the alarm does not exist.
type AlarmStates interface {
	AlarmState(region, name string) (state string, ok bool)
}

// Prices are the Route 53 list prices in USD, us-east-1 defaults from the
// pricing page as recorded in the project's AWS facts (marked [verify]
// there: override them when you know better). Monthly prices are prorated
// per hour over a 730-hour month, as AWS prorates.
type Prices struct {
	// HostedZoneMonth is the price of each of the first 25 hosted zones
	// per month (0.50).
	HostedZoneMonth float64
	// HostedZoneMonthOver25 is the price per month of each zone beyond 25
	// (0.10).
	HostedZoneMonthOver25 float64
	// StandardQueryPerMillion prices simple, weighted, failover and
	// multivalue queries and negative answers (0.40).
	StandardQueryPerMillion float64
	// LatencyQueryPerMillion prices latency-based queries (0.60).
	LatencyQueryPerMillion float64
	// GeoQueryPerMillion prices geolocation and geoproximity queries (0.70).
	GeoQueryPerMillion float64
	// IPQueryPerMillion prices IP-based queries (0.80).
	IPQueryPerMillion float64
	// HealthCheckAWSMonth is a basic check of an AWS endpoint per month
	// (0.50).
	HealthCheckAWSMonth float64
	// HealthCheckNonAWSMonth is a basic check of another endpoint per month
	// (0.75).
	HealthCheckNonAWSMonth float64
	// HealthCheckFeatureAWSMonth is each optional feature (HTTPS, string
	// match, fast interval) on an AWS endpoint per month (1.00).
	HealthCheckFeatureAWSMonth float64
	// HealthCheckFeatureNonAWSMonth is each optional feature on another
	// endpoint per month (2.00).
	HealthCheckFeatureNonAWSMonth float64
	// ResolverEndpointENIHour is each Resolver endpoint IP (ENI) per hour
	// (0.125).
	ResolverEndpointENIHour float64
	// ResolverQueryPerMillion prices queries through Resolver endpoints
	// (0.40).
	ResolverQueryPerMillion float64
}

// DefaultPrices returns the us-east-1 list prices from the AWS facts.
// Query tiers beyond one billion queries a month are not modelled.
func DefaultPrices() Prices {
	return Prices{
		HostedZoneMonth:               0.50,
		HostedZoneMonthOver25:         0.10,
		StandardQueryPerMillion:       0.40,
		LatencyQueryPerMillion:        0.60,
		GeoQueryPerMillion:            0.70,
		IPQueryPerMillion:             0.80,
		HealthCheckAWSMonth:           0.50,
		HealthCheckNonAWSMonth:        0.75,
		HealthCheckFeatureAWSMonth:    1.00,
		HealthCheckFeatureNonAWSMonth: 2.00,
		ResolverEndpointENIHour:       0.125,
		ResolverQueryPerMillion:       0.40,
	}
}

// DefaultCheckerRegions are the regions Route 53 health checkers run in by
// default (the HealthCheckRegion values of the API).
var DefaultCheckerRegions = []string{
	"ap-northeast-1", "ap-southeast-1", "ap-southeast-2", "eu-west-1",
	"sa-east-1", "us-east-1", "us-west-1", "us-west-2",
}

// Defaults taken from the AWS facts (section 2.4 and 2.1).
const (
	// DefaultCheckers is the number of checkers probing each endpoint check;
	// AWS describes "about 15" at a 30 s interval giving a probe every ~2 s.
	DefaultCheckers = 15
	// DefaultHealthyThresholdPercent: an endpoint is healthy when more than
	// this share of checkers report it healthy (AWS: 18 %, "may change").
	DefaultHealthyThresholdPercent = 18.0
	// DefaultFailureThreshold is HealthCheckConfig.FailureThreshold's default.
	DefaultFailureThreshold = 3
	// DefaultRequestInterval is HealthCheckConfig.RequestInterval's default
	// in seconds.
	DefaultRequestInterval = 30
	// AliasTargetTTL is the TTL in seconds of answers for aliases to AWS
	// resources (the resource's own TTL; ELB uses 60 s).
	AliasTargetTTL = 60
	// MaxTTL is the largest TTL Route 53 accepts, in seconds.
	MaxTTL = 2147483647
	// monthHours is AWS's proration month.
	monthHours = 730.0
)

// Config configures the Route 53 service of one run.
type Config struct {
	// Region is where the service's global metrics are published
	// (Route 53 publishes health-check metrics in us-east-1); empty means
	// "us-east-1".
	Region string
	// Latency is the RTT model between resolvers, edge locations, regions
	// and health checkers; nil means geo.DefaultLatency().
	Latency Latency
	// Metrics receives AWS/Route53 health-check metrics; nil = none.
	Metrics MetricPublisher
	// Billing receives hourly line items for zones, queries, health checks
	// and Resolver endpoints; nil = none. Billing runs an hourly ticker, so
	// drive the run with RunFor/RunUntil and call FlushBilling at the end.
	Billing Biller
	// Prices overrides the list prices; the zero value means DefaultPrices.
	Prices *Prices
	// Alarms reads alarm states for CLOUDWATCH_METRIC health checks.
	Alarms AlarmStates
	// Checkers is the number of health checkers per endpoint check, spread
	// over the check's regions; 0 means DefaultCheckers. The real count is
	// internal to AWS (the docs say about 15), so this is a knob.
	Checkers int
	// HealthyThresholdPercent is the share of checkers (in percent) that
	// must be exceeded for healthy; 0 means DefaultHealthyThresholdPercent.
	HealthyThresholdPercent float64
	// AlarmPollInterval is how often CLOUDWATCH_METRIC checks read their
	// alarm; 0 means 10 s. AWS does not document it [assumption].
	AlarmPollInterval time.Duration
	// OutsideNegativeTTL is the negative-caching TTL in seconds for names
	// outside every hosted zone (answered by "the rest of the internet");
	// 0 means 900 [assumption].
	OutsideNegativeTTL uint32
}

// Route53 is the DNS service of one run: hosted zones, health checks, CIDR
// collections, Resolver endpoints and rules, recursive resolvers, and the
// registry of endpoints that answers point at.
type Route53 struct {
	s      *sim.Sim
	cfg    Config
	prices Prices
	lat    Latency

	zones     map[string]*HostedZone // by ID
	zoneOrder []*HostedZone          // creation order
	public    map[string]*HostedZone // by canonical name
	private   map[string][]*HostedZone

	checks     map[string]*HealthCheck
	checkOrder []*HealthCheck
	metricsTk  *sim.Ticker

	collections map[string]*CidrCollection

	resolvers     map[string]*Resolver
	pools         map[string][]*Resolver
	vpcResolvers  map[string]*Resolver
	vpcs          map[string]VPC
	endpoints     map[netip.Addr]sim.Handler
	aliasTargets  map[string]AliasResource
	rslvEndpoints []*ResolverEndpoint
	rules         []*ResolverRule
	nameservers   map[netip.Addr]Nameserver

	billTk     *sim.Ticker
	billedTo   sim.Time
	edges      []geo.EdgeLocation
	queryUsage map[usageKey]uint64
}

type usageKey struct {
	zone  string
	usage string
}

// New returns the Route 53 service for run s.
func New(s *sim.Sim, cfg Config) (*Route53, error) {
	if s == nil {
		return nil, fmt.Errorf("route53: New: nil *sim.Sim: %w", ErrInvalidConfig)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if _, ok := geo.LookupRegion(cfg.Region); !ok {
		return nil, fmt.Errorf("route53: Config.Region %q is not a known region: %w", cfg.Region, ErrInvalidConfig)
	}
	if cfg.Checkers == 0 {
		cfg.Checkers = DefaultCheckers
	}
	if cfg.Checkers < 3 || cfg.Checkers > 256 {
		return nil, fmt.Errorf("route53: Config.Checkers %d outside 3–256: %w", cfg.Checkers, ErrInvalidConfig)
	}
	if cfg.HealthyThresholdPercent == 0 {
		cfg.HealthyThresholdPercent = DefaultHealthyThresholdPercent
	}
	if !(cfg.HealthyThresholdPercent >= 0 && cfg.HealthyThresholdPercent < 100) { // NaN too
		return nil, fmt.Errorf("route53: Config.HealthyThresholdPercent %v outside [0, 100): %w", cfg.HealthyThresholdPercent, ErrInvalidConfig)
	}
	if cfg.AlarmPollInterval == 0 {
		cfg.AlarmPollInterval = 10 * time.Second
	}
	if cfg.AlarmPollInterval < 0 {
		return nil, fmt.Errorf("route53: Config.AlarmPollInterval %v < 0: %w", cfg.AlarmPollInterval, ErrInvalidConfig)
	}
	if cfg.OutsideNegativeTTL == 0 {
		cfg.OutsideNegativeTTL = 900
	}
	// Optional interfaces: unset means none (or the default), but a typed
	// nil compares non-nil and would panic at first use.
	for _, f := range []struct {
		field string
		v     any
	}{{"Latency", cfg.Latency}, {"Metrics", cfg.Metrics}, {"Billing", cfg.Billing}, {"Alarms", cfg.Alarms}} {
		if f.v != nil && isNil(f.v) {
			return nil, fmt.Errorf("route53: %s; leave it unset for none: %w", nilProblem("Config."+f.field, f.v), ErrInvalidConfig)
		}
	}
	r := &Route53{
		s: s, cfg: cfg, prices: DefaultPrices(), lat: geo.DefaultLatency(),
		zones: map[string]*HostedZone{}, public: map[string]*HostedZone{}, private: map[string][]*HostedZone{},
		checks: map[string]*HealthCheck{}, collections: map[string]*CidrCollection{},
		resolvers: map[string]*Resolver{}, pools: map[string][]*Resolver{}, vpcResolvers: map[string]*Resolver{}, vpcs: map[string]VPC{},
		endpoints: map[netip.Addr]sim.Handler{}, aliasTargets: map[string]AliasResource{},
		nameservers: map[netip.Addr]Nameserver{}, queryUsage: map[usageKey]uint64{},
		edges: geo.EdgeLocations(), billedTo: s.Now(),
	}
	if cfg.Prices != nil {
		r.prices = *cfg.Prices
	}
	if cfg.Latency != nil {
		r.lat = cfg.Latency
	}
	return r, nil
}

// Sim returns the run the service belongs to.
func (r *Route53) Sim() *sim.Sim { return r.s }

// RegisterEndpoint makes h answer requests sent to addr: the handler a
// client reaches after resolving a name to addr, and the endpoint a health
// check with IPAddress addr probes. A later registration replaces an
// earlier one. An invalid addr or a nil h is an error and registers
// nothing.
func (r *Route53) RegisterEndpoint(addr netip.Addr, h sim.Handler) error {
	if !addr.IsValid() {
		return fmt.Errorf("route53: endpoint: addr is not a valid address: %w", ErrInvalidConfig)
	}
	if p := nilProblem("Handler", h); p != "" {
		return fmt.Errorf("route53: endpoint %v: %s: %w", addr, p, ErrInvalidConfig)
	}
	r.endpoints[addr.Unmap()] = h
	return nil
}

// Endpoint returns the handler registered for addr.
func (r *Route53) Endpoint(addr netip.Addr) (sim.Handler, bool) {
	h, ok := r.endpoints[addr.Unmap()]
	return h, ok
}

// RegisterAliasTarget makes an AWS resource (load balancer, distribution,
// bucket website, interface endpoint) available as an alias target under
// its DNS name, so that alias records can name it by AliasTarget.DNSName.
func (r *Route53) RegisterAliasTarget(t AliasResource) error {
	if p := nilProblem("AliasResource", t); p != "" {
		return fmt.Errorf("route53: alias target: %s: %w", p, ErrInvalidConfig)
	}
	n, err := CanonicalName(t.DNSName())
	if err != nil {
		return fmt.Errorf("route53: alias target: %w", err)
	}
	r.aliasTargets[n] = t
	return nil
}

// regionPoint returns a region's coordinates.
func regionPoint(code string) (geo.Point, bool) {
	reg, ok := geo.LookupRegion(code)
	return reg.Location, ok
}

// nearestEdgeRTT returns the RTT from p to the nearest Route 53 edge
// location (Route 53 answers from the same anycast edge network as
// CloudFront).
func (r *Route53) nearestEdgeRTT(p geo.Point) time.Duration {
	best := time.Duration(-1)
	for _, e := range r.edges {
		if d := r.lat.RTT(p, e.Location); best < 0 || d < best {
			best = d
		}
	}
	if best < 0 {
		return 0
	}
	return best
}

// trace records a control-plane event like a CloudTrail entry.
func (r *Route53) trace(event, id string, fields ...sim.Field) {
	if r.s.Tracing() {
		r.s.Trace("route53", event, id, fields...)
	}
}

// startBilling starts the hourly billing ticker on first need.
func (r *Route53) startBilling() {
	if r.cfg.Billing == nil || r.billTk != nil {
		return
	}
	r.billTk = r.s.Every(r.s.Now().Add(time.Hour), time.Hour, func(now sim.Time) { r.bill(now) })
}

// FlushBilling bills the usage since the last hourly bill up to Now; call
// it at the end of a run to bill the partial hour.
func (r *Route53) FlushBilling() { r.bill(r.s.Now()) }

func (r *Route53) bill(now sim.Time) {
	b := r.cfg.Billing
	if b == nil || now <= r.billedTo {
		return
	}
	from := r.billedTo
	r.billedTo = now
	hours := now.Sub(from).Hours()
	months := hours / monthHours
	live := 0
	for _, z := range r.zoneOrder {
		if z.deleted {
			continue
		}
		rate := r.prices.HostedZoneMonth
		if live++; live > 25 {
			rate = r.prices.HostedZoneMonthOver25
		}
		b.Add(billing.LineItem{Start: from, End: now, Service: "AmazonRoute53", ResourceID: z.id,
			UsageType: "HostedZone", Region: "global", Quantity: months, Unit: "Month", Rate: rate})
	}
	keys := make([]usageKey, 0, len(r.queryUsage))
	for k := range r.queryUsage {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b usageKey) int {
		if a.zone != b.zone {
			if a.zone < b.zone {
				return -1
			}
			return 1
		}
		switch {
		case a.usage < b.usage:
			return -1
		case a.usage > b.usage:
			return 1
		}
		return 0
	})
	for _, k := range keys {
		n := r.queryUsage[k]
		if n == 0 {
			continue
		}
		b.Add(billing.LineItem{Start: from, End: now, Service: "AmazonRoute53", ResourceID: k.zone,
			UsageType: k.usage, Region: "global", Quantity: float64(n), Unit: "Queries", Rate: r.queryRate(k.usage)})
	}
	clear(r.queryUsage)
	for _, hc := range r.checkOrder {
		if hc.deleted {
			continue
		}
		usage, rate := r.checkPrice(hc)
		b.Add(billing.LineItem{Start: from, End: now, Service: "AmazonRoute53", ResourceID: hc.id,
			UsageType: usage, Region: "global", Quantity: months, Unit: "Month", Rate: rate})
	}
	for _, ep := range r.rslvEndpoints {
		if ep.deleted {
			continue
		}
		b.Add(billing.LineItem{Start: from, End: now, Service: "AmazonRoute53", ResourceID: ep.id,
			UsageType: "ResolverNetworkInterface", Region: ep.region, Quantity: hours * float64(len(ep.ips)), Unit: "Hrs", Rate: r.prices.ResolverEndpointENIHour})
		if ep.queries > 0 {
			b.Add(billing.LineItem{Start: from, End: now, Service: "AmazonRoute53", ResourceID: ep.id,
				UsageType: "ResolverQueries", Region: ep.region, Quantity: float64(ep.queries), Unit: "Queries", Rate: r.prices.ResolverQueryPerMillion / 1e6})
			ep.queries = 0
		}
	}
}

// Query usage types, as on the Route 53 bill.
const (
	usageStandard = "DNS-Queries"
	usageLatency  = "LBR-Queries"
	usageGeo      = "Geo-Queries"
	usageIP       = "IP-Queries"
)

func (r *Route53) queryRate(usage string) float64 {
	switch usage {
	case usageLatency:
		return r.prices.LatencyQueryPerMillion / 1e6
	case usageGeo:
		return r.prices.GeoQueryPerMillion / 1e6
	case usageIP:
		return r.prices.IPQueryPerMillion / 1e6
	}
	return r.prices.StandardQueryPerMillion / 1e6
}

// Resource is an AliasResource made of plain values, for services that
// have a DNS name and a handler but not the interface (an elb
// LoadBalancer, a CloudFront distribution, a user's own service).
type Resource struct {
	// Name is the resource's DNS name.
	Name string
	// IPs are the addresses clients reach it at.
	IPs []netip.Addr
	// Health reports the resource's health for EvaluateTargetHealth; nil
	// means always healthy.
	Health func() bool
}

// DNSName returns Name.
func (x *Resource) DNSName() string { return x.Name }

// Addrs returns IPs.
func (x *Resource) Addrs() []netip.Addr { return x.IPs }

// Healthy calls Health.
func (x *Resource) Healthy() bool { return x.Health == nil || x.Health() }

// RegisterResource registers res as an alias target (RegisterAliasTarget)
// and h as the handler at each of its addresses (RegisterEndpoint), so that
// an alias record names it and clients that resolve it reach h. On an
// error nothing is registered.
func (r *Route53) RegisterResource(res AliasResource, h sim.Handler) error {
	if p := nilProblem("AliasResource", res); p != "" {
		return fmt.Errorf("route53: resource: %s: %w", p, ErrInvalidConfig)
	}
	if p := nilProblem("Handler", h); p != "" {
		return fmt.Errorf("route53: resource %q: %s: %w", res.DNSName(), p, ErrInvalidConfig)
	}
	addrs := res.Addrs()
	for _, a := range addrs {
		if !a.IsValid() {
			return fmt.Errorf("route53: resource %q: Addrs holds an invalid address: %w", res.DNSName(), ErrInvalidConfig)
		}
	}
	if err := r.RegisterAliasTarget(res); err != nil {
		return err
	}
	for _, a := range addrs {
		r.endpoints[a.Unmap()] = h
	}
	return nil
}
