package elb

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/cloudwatch"
)

// ErrInvalidConfig is wrapped by every configuration error.
var ErrInvalidConfig = errors.New("elb: invalid configuration")

// ErrNotFound is wrapped when a named object does not exist.
var ErrNotFound = errors.New("elb: not found")

// Type is the kind of load balancer.
type Type string

// Load balancer types.
const (
	Application Type = "application"
	Network     Type = "network"
	Gateway     Type = "gateway"
	Classic     Type = "classic"
)

// Scheme says who can reach a load balancer.
type Scheme string

// Schemes.
const (
	InternetFacing Scheme = "internet-facing"
	Internal       Scheme = "internal"
)

// Algorithm is a target group's routing algorithm.
type Algorithm string

// Routing algorithms. RoundRobin, LeastOutstandingRequests and
// WeightedRandom are the ALB's `load_balancing.algorithm.type` values;
// WeightedRoundRobin honours per-target weights smoothly (nginx's smooth
// weighted round robin); FlowHash is the NLB/GWLB flow hash.
const (
	RoundRobin               Algorithm = "round_robin"
	WeightedRoundRobin       Algorithm = "weighted_round_robin"
	LeastOutstandingRequests Algorithm = "least_outstanding_requests"
	WeightedRandom           Algorithm = "weighted_random"
	FlowHash                 Algorithm = "flow_hash"
)

// Protocol is a listener or target-group protocol.
type Protocol string

// Protocols.
const (
	HTTP   Protocol = "HTTP"
	HTTPS  Protocol = "HTTPS"
	TCP    Protocol = "TCP"
	UDP    Protocol = "UDP"
	TLS    Protocol = "TLS"
	GENEVE Protocol = "GENEVE"
)

// MetricPublisher receives the load balancer's CloudWatch datapoints;
// *cloudwatch.CloudWatch satisfies it.
type MetricPublisher interface {
	Publish(namespace string, d cloudwatch.MetricDatum)
}

// Biller receives billing line items; *billing.Ledger satisfies it.
type Biller interface {
	Add(billing.LineItem)
}

// Firewall decides whether a client may reach a load balancer: its scheme
// (internal load balancers answer only sources inside their VPC) and its
// security groups. A vpc model can implement it; nil allows everything.
type Firewall interface {
	// Allow reports whether src may connect to the load balancer on port,
	// and if not, why.
	Allow(src netip.Addr, port uint16) (ok bool, reason string)
}

// Prices are the load balancer charges in USD (us-east-1 list prices; the
// facts file marks them unverified, so override them as needed).
type Prices struct {
	// PerHour is charged for each hour or partial hour the load balancer runs.
	PerHour float64
	// PerLCUHour is charged per capacity unit-hour (LCU, NLCU or GLCU).
	PerLCUHour float64
	// PerGB is the CLB data-processing charge.
	PerGB float64
	// CrossAZPerGB is charged on NLB/GWLB traffic a node sends to another
	// zone when cross-zone balancing is on (regional data transfer, each
	// direction).
	CrossAZPerGB float64
}

// DefaultPrices returns the us-east-1 list prices of the type.
func DefaultPrices(t Type) Prices {
	switch t {
	case Network:
		return Prices{PerHour: 0.0225, PerLCUHour: 0.006, CrossAZPerGB: 0.01}
	case Gateway:
		return Prices{PerHour: 0.0125, PerLCUHour: 0.004, CrossAZPerGB: 0.01}
	case Classic:
		return Prices{PerHour: 0.025, PerGB: 0.008}
	default:
		return Prices{PerHour: 0.0225, PerLCUHour: 0.008}
	}
}

// Config describes a load balancer.
type Config struct {
	// Name is unique per region: 1–32 alphanumerics or hyphens, not starting
	// or ending with a hyphen.
	Name string
	// Type is Application (the default), Network, Gateway or Classic.
	Type Type
	// Scheme is InternetFacing (the default) or Internal.
	Scheme Scheme
	// Region is the AWS region code; default "us-east-1".
	Region string
	// AvailabilityZones are the enabled zones, one node each; an ALB needs
	// at least two.
	AvailabilityZones []string
	// CrossZone overrides the type's default (ALB and console CLB on; NLB,
	// GWLB and API CLB off). ALB cross-zone cannot be turned off at the load
	// balancer level; target groups can override it.
	CrossZone *bool
	// IdleTimeout is how long a node waits for a target (and keeps an idle
	// connection); default 60 s (ALB, CLB) or 350 s (NLB TCP).
	IdleTimeout time.Duration
	// NodeLatency is the processing time a node adds to each request
	// (assumption: 1 ms ALB/CLB, 100 µs NLB/GWLB).
	NodeLatency time.Duration
	// CrossAZLatency is added each way when a node forwards to a target in
	// another zone (assumption: 250 µs).
	CrossAZLatency time.Duration
	// GeneveOverhead is the GWLB encapsulation latency per hop (assumption:
	// 50 µs).
	GeneveOverhead time.Duration
	// DeletionProtection refuses Delete while set.
	DeletionProtection bool
	// Firewall checks scheme and security groups; nil allows every source.
	Firewall Firewall
	// Tags are cost-allocation tags carried onto billing line items.
	Tags map[string]string
	// Prices default to DefaultPrices(Type).
	Prices *Prices
	// Metrics receives AWS/ApplicationELB or AWS/NetworkELB datapoints each
	// minute while traffic flows; nil publishes nothing.
	Metrics MetricPublisher
	// Billing receives hourly charges; nil bills nothing.
	Billing Biller
}

// HealthCheck configures a target group's active health checks. Zero fields
// take the defaults of the load balancer type (see DefaultHealthCheck).
type HealthCheck struct {
	// Disabled turns the checks off: targets are healthy
	// (Target.HealthCheckDisabled) while a load balancer uses the group,
	// unused (Target.NotInUse) otherwise.
	Disabled bool
	// Protocol is HTTP, HTTPS or TCP.
	Protocol Protocol
	// Path is the HTTP path checked; default "/".
	Path string
	// Interval between checks, 5–300 s.
	Interval time.Duration
	// Timeout for one check, 2–120 s, less than Interval (≤ for GWLB).
	Timeout time.Duration
	// HealthyThreshold consecutive successes mark a target healthy (2–10).
	HealthyThreshold int
	// UnhealthyThreshold consecutive failures mark it unhealthy (2–10).
	UnhealthyThreshold int
	// SuccessCodes are the HTTP codes that pass, as inclusive ranges.
	SuccessCodes []StatusRange
	// Work is the vCPU time a check costs the target; default 0 (it still
	// waits behind queued requests on a busy instance).
	Work time.Duration
}

// StatusRange is an inclusive range of HTTP status codes.
type StatusRange struct{ Low, High int }

// DefaultHealthCheck returns AWS's health-check defaults for a load
// balancer type: ALB HTTP / 30 s / 5 s / 5 / 2 / 200; NLB TCP / 30 s / 10 s /
// 5 / 2 / 200–399; GWLB TCP / 10 s / 5 s / 5 / 2; CLB TCP / 30 s / 5 s / 10 / 2.
func DefaultHealthCheck(t Type) HealthCheck {
	switch t {
	case Network:
		return HealthCheck{Protocol: TCP, Path: "/", Interval: 30 * time.Second, Timeout: 10 * time.Second,
			HealthyThreshold: 5, UnhealthyThreshold: 2, SuccessCodes: []StatusRange{{200, 399}}}
	case Gateway:
		return HealthCheck{Protocol: TCP, Path: "/", Interval: 10 * time.Second, Timeout: 5 * time.Second,
			HealthyThreshold: 5, UnhealthyThreshold: 2, SuccessCodes: []StatusRange{{200, 399}}}
	case Classic:
		return HealthCheck{Protocol: TCP, Path: "/", Interval: 30 * time.Second, Timeout: 5 * time.Second,
			HealthyThreshold: 10, UnhealthyThreshold: 2, SuccessCodes: []StatusRange{{200, 200}}}
	default:
		return HealthCheck{Protocol: HTTP, Path: "/", Interval: 30 * time.Second, Timeout: 5 * time.Second,
			HealthyThreshold: 5, UnhealthyThreshold: 2, SuccessCodes: []StatusRange{{200, 200}}}
	}
}

// StickinessType is how a target group keeps a client on one target.
type StickinessType string

// Stickiness types.
const (
	LBCookie  StickinessType = "lb_cookie"
	AppCookie StickinessType = "app_cookie"
	SourceIP  StickinessType = "source_ip"
)

// Stickiness configures sticky sessions; off when Type is empty.
type Stickiness struct {
	Type StickinessType
	// Duration of the stickiness, 1 s to 7 days; default 1 day.
	Duration time.Duration
	// CookieName is the application's cookie for AppCookie.
	CookieName string
}

// TargetType is what a target group's targets are.
type TargetType string

// Target types.
const (
	InstanceTarget TargetType = "instance"
	IPTarget       TargetType = "ip"
	LambdaTarget   TargetType = "lambda"
	ALBTarget      TargetType = "alb"
)

// TargetGroupConfig describes a target group.
type TargetGroupConfig struct {
	// Name: 1–32 alphanumerics or hyphens.
	Name string
	// Protocol of the traffic to targets; default HTTP (ALB, CLB), TCP (NLB)
	// or GENEVE (GWLB).
	Protocol Protocol
	// Port targets listen on; default 80.
	Port uint16
	// TargetType defaults to InstanceTarget.
	TargetType TargetType
	// Algorithm defaults to RoundRobin (ALB), FlowHash (NLB, GWLB), and for
	// CLB to LeastOutstandingRequests on HTTP and RoundRobin on TCP.
	Algorithm Algorithm
	// AnomalyMitigation is allowed only with WeightedRandom.
	AnomalyMitigation bool
	// HealthCheck zero fields take the type's defaults.
	HealthCheck HealthCheck
	// DeregistrationDelay is the draining time, 0–3600 s; nil means 300 s.
	DeregistrationDelay *time.Duration
	// SlowStart is the linear ramp of a new target's share, 30–900 s or 0
	// (off); round robin only.
	SlowStart time.Duration
	// Stickiness is off by default.
	Stickiness Stickiness
	// CrossZone overrides the load balancer's setting when non-nil.
	CrossZone *bool
	// MinimumHealthyTargets below which the group fails open (routes to all
	// targets); default 1, meaning fail open only with none healthy.
	MinimumHealthyTargets int
	// FlowTuple is the GWLB stickiness: 5 (default), 3 or 2.
	FlowTuple int
}

// Action types of listener rules.
type ActionType string

// Terminal actions.
const (
	Forward       ActionType = "forward"
	Redirect      ActionType = "redirect"
	FixedResponse ActionType = "fixed-response"
)

// WeightedTargetGroup is one target group of a forward action (weight 0–999).
type WeightedTargetGroup struct {
	TargetGroup *TargetGroup
	Weight      int
}

// Action is a rule's terminal action.
type Action struct {
	Type ActionType
	// TargetGroups for Forward; several spread traffic by weight.
	TargetGroups []WeightedTargetGroup
	// RedirectURL is the Location of a Redirect ("#{host}" and "#{path}"
	// are replaced by the request's host and path).
	RedirectURL string
	// StatusCode of a Redirect (301 or 302) or FixedResponse (2XX, 4XX, 5XX).
	StatusCode int
	// Body size in bytes of a FixedResponse.
	BodyBytes int64
}

// ConditionField names a rule condition type.
type ConditionField string

// Condition types.
const (
	HostHeader    ConditionField = "host-header"
	PathPattern   ConditionField = "path-pattern"
	HTTPHeader    ConditionField = "http-header"
	RequestMethod ConditionField = "http-request-method"
	QueryString   ConditionField = "query-string"
	SourceIPField ConditionField = "source-ip"
)

// Condition is one rule condition: any of Values matching satisfies it.
type Condition struct {
	Field ConditionField
	// Values to match (up to 3; OR'ed). Wildcards * and ? work for host,
	// path, header and query values. QueryString values are "key=value" or
	// "value"; SourceIP values are CIDRs.
	Values []string
	// HeaderName for HTTPHeader conditions.
	HeaderName string
}

// Rule is a listener rule: all Conditions must match (AND).
type Rule struct {
	// Priority 1–50000, unique per listener; lower is evaluated first.
	Priority   int
	Conditions []Condition
	Action     Action
}

// ListenerConfig describes a listener.
type ListenerConfig struct {
	Port     uint16
	Protocol Protocol
	// DefaultAction runs when no rule matches.
	DefaultAction Action
	Rules         []Rule
}

func (c *Config) validate() error {
	if err := validName("load balancer", c.Name); err != nil {
		return err
	}
	where := fmt.Sprintf("elb: load balancer %q", c.Name)
	switch c.Type {
	case "":
		c.Type = Application
	case Application, Network, Gateway, Classic:
	default:
		return fmt.Errorf("%s: Type %q is not application, network, gateway or classic: %w", where, c.Type, ErrInvalidConfig)
	}
	switch c.Scheme {
	case "":
		c.Scheme = InternetFacing
	case InternetFacing, Internal:
	default:
		return fmt.Errorf("%s: Scheme %q: %w", where, c.Scheme, ErrInvalidConfig)
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if len(c.AvailabilityZones) == 0 {
		return fmt.Errorf("%s: AvailabilityZones is empty: %w", where, ErrInvalidConfig)
	}
	if c.Type == Application && len(c.AvailabilityZones) < 2 {
		return fmt.Errorf("%s: AvailabilityZones: an application load balancer needs at least two zones, got %d: %w", where, len(c.AvailabilityZones), ErrInvalidConfig)
	}
	seen := map[string]bool{}
	for _, az := range c.AvailabilityZones {
		if seen[az] {
			return fmt.Errorf("%s: AvailabilityZones lists %q twice: %w", where, az, ErrInvalidConfig)
		}
		seen[az] = true
	}
	if c.Type == Application && c.CrossZone != nil && !*c.CrossZone {
		return fmt.Errorf("%s: CrossZone: an application load balancer always balances across zones (turn it off per target group): %w", where, ErrInvalidConfig)
	}
	if c.IdleTimeout < 0 || c.NodeLatency < 0 || c.CrossAZLatency < 0 || c.GeneveOverhead < 0 {
		return fmt.Errorf("%s: negative IdleTimeout, NodeLatency, CrossAZLatency or GeneveOverhead: %w", where, ErrInvalidConfig)
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 60 * time.Second
		if c.Type == Network || c.Type == Gateway {
			c.IdleTimeout = 350 * time.Second
		}
	}
	if c.IdleTimeout > 4000*time.Second {
		return fmt.Errorf("%s: IdleTimeout %v exceeds 4000 s: %w", where, c.IdleTimeout, ErrInvalidConfig)
	}
	if c.NodeLatency == 0 {
		c.NodeLatency = time.Millisecond
		if c.Type == Network || c.Type == Gateway {
			c.NodeLatency = 100 * time.Microsecond
		}
	}
	if c.CrossAZLatency == 0 {
		c.CrossAZLatency = 250 * time.Microsecond
	}
	if c.GeneveOverhead == 0 {
		c.GeneveOverhead = 50 * time.Microsecond
	}
	if c.Prices == nil {
		p := DefaultPrices(c.Type)
		c.Prices = &p
	}
	return nil
}

func validName(kind, name string) error {
	if name == "" || len(name) > 32 || name[0] == '-' || name[len(name)-1] == '-' {
		return fmt.Errorf("elb: %s %q: Name must be 1–32 characters, not starting or ending with a hyphen: %w", kind, name, ErrInvalidConfig)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Errorf("elb: %s %q: Name may hold only alphanumerics and hyphens: %w", kind, name, ErrInvalidConfig)
		}
	}
	return nil
}

func (c *TargetGroupConfig) validate(lbType Type) error {
	if err := validName("target group", c.Name); err != nil {
		return err
	}
	where := fmt.Sprintf("elb: target group %q", c.Name)
	if c.Protocol == "" {
		switch lbType {
		case Application, Classic:
			c.Protocol = HTTP
		case Gateway:
			c.Protocol = GENEVE
		default:
			c.Protocol = TCP
		}
	}
	if c.Port == 0 {
		c.Port = 80
	}
	if c.TargetType == "" {
		c.TargetType = InstanceTarget
	}
	switch c.TargetType {
	case InstanceTarget, IPTarget, LambdaTarget:
	case ALBTarget:
		if lbType != Network {
			return fmt.Errorf("%s: TargetType alb is only for network load balancers: %w", where, ErrInvalidConfig)
		}
	default:
		return fmt.Errorf("%s: TargetType %q: %w", where, c.TargetType, ErrInvalidConfig)
	}
	if c.Algorithm == "" {
		switch lbType {
		case Network, Gateway:
			c.Algorithm = FlowHash
		case Classic:
			c.Algorithm = RoundRobin
			if c.Protocol == HTTP || c.Protocol == HTTPS {
				c.Algorithm = LeastOutstandingRequests
			}
		default:
			c.Algorithm = RoundRobin
		}
	}
	switch c.Algorithm {
	case RoundRobin, WeightedRoundRobin, LeastOutstandingRequests, WeightedRandom, FlowHash:
	default:
		return fmt.Errorf("%s: Algorithm %q: %w", where, c.Algorithm, ErrInvalidConfig)
	}
	if c.AnomalyMitigation && c.Algorithm != WeightedRandom {
		return fmt.Errorf("%s: AnomalyMitigation needs Algorithm weighted_random, not %s: %w", where, c.Algorithm, ErrInvalidConfig)
	}
	if c.SlowStart != 0 {
		if c.SlowStart < 30*time.Second || c.SlowStart > 900*time.Second {
			return fmt.Errorf("%s: SlowStart %v outside 30–900 s: %w", where, c.SlowStart, ErrInvalidConfig)
		}
		if c.Algorithm != RoundRobin && c.Algorithm != WeightedRoundRobin {
			return fmt.Errorf("%s: SlowStart works only with round robin, not %s: %w", where, c.Algorithm, ErrInvalidConfig)
		}
	}
	if c.DeregistrationDelay == nil {
		d := 300 * time.Second
		c.DeregistrationDelay = &d
	}
	if d := *c.DeregistrationDelay; d < 0 || d > time.Hour {
		return fmt.Errorf("%s: DeregistrationDelay %v outside 0–3600 s: %w", where, d, ErrInvalidConfig)
	}
	st := &c.Stickiness
	switch st.Type {
	case "":
	case LBCookie, AppCookie:
		if lbType != Application && lbType != Classic {
			return fmt.Errorf("%s: Stickiness %s needs an application or classic load balancer: %w", where, st.Type, ErrInvalidConfig)
		}
		if st.Type == AppCookie && st.CookieName == "" {
			return fmt.Errorf("%s: Stickiness app_cookie needs CookieName: %w", where, ErrInvalidConfig)
		}
		if c.Algorithm == WeightedRandom {
			return fmt.Errorf("%s: Stickiness cannot be combined with weighted_random: %w", where, ErrInvalidConfig)
		}
	case SourceIP:
		if lbType != Network {
			return fmt.Errorf("%s: Stickiness source_ip is for network load balancers: %w", where, ErrInvalidConfig)
		}
	default:
		return fmt.Errorf("%s: Stickiness Type %q: %w", where, st.Type, ErrInvalidConfig)
	}
	if st.Type != "" {
		if st.Duration == 0 {
			st.Duration = 24 * time.Hour
		}
		if st.Duration < time.Second || st.Duration > 7*24*time.Hour {
			return fmt.Errorf("%s: Stickiness Duration %v outside 1 s–7 days: %w", where, st.Duration, ErrInvalidConfig)
		}
	}
	if c.MinimumHealthyTargets == 0 {
		c.MinimumHealthyTargets = 1
	}
	if c.MinimumHealthyTargets < 0 {
		return fmt.Errorf("%s: MinimumHealthyTargets %d < 0: %w", where, c.MinimumHealthyTargets, ErrInvalidConfig)
	}
	switch c.FlowTuple {
	case 0:
		c.FlowTuple = 5
	case 2, 3, 5:
	default:
		return fmt.Errorf("%s: FlowTuple %d is not 2, 3 or 5: %w", where, c.FlowTuple, ErrInvalidConfig)
	}
	return c.validateHealth(lbType, where)
}

func (c *TargetGroupConfig) validateHealth(lbType Type, where string) error {
	d := DefaultHealthCheck(lbType)
	h := &c.HealthCheck
	if h.Protocol == "" {
		h.Protocol = d.Protocol
		if lbType == Application {
			h.Protocol = c.Protocol
		}
	}
	if h.Path == "" {
		h.Path = d.Path
	}
	if h.Interval == 0 {
		h.Interval = d.Interval
	}
	if h.Timeout == 0 {
		h.Timeout = d.Timeout
		if lbType == Network && h.Protocol == HTTP {
			h.Timeout = 6 * time.Second
		}
	}
	if h.HealthyThreshold == 0 {
		h.HealthyThreshold = d.HealthyThreshold
	}
	if h.UnhealthyThreshold == 0 {
		h.UnhealthyThreshold = d.UnhealthyThreshold
	}
	if len(h.SuccessCodes) == 0 {
		h.SuccessCodes = d.SuccessCodes
	}
	switch {
	case h.Interval < 5*time.Second || h.Interval > 300*time.Second:
		return fmt.Errorf("%s: HealthCheck Interval %v outside 5–300 s: %w", where, h.Interval, ErrInvalidConfig)
	case h.Timeout < 2*time.Second || h.Timeout > 120*time.Second:
		return fmt.Errorf("%s: HealthCheck Timeout %v outside 2–120 s: %w", where, h.Timeout, ErrInvalidConfig)
	case h.Timeout > h.Interval || (h.Timeout == h.Interval && lbType != Gateway):
		return fmt.Errorf("%s: HealthCheck Timeout %v must be less than Interval %v: %w", where, h.Timeout, h.Interval, ErrInvalidConfig)
	case h.HealthyThreshold < 2 || h.HealthyThreshold > 10:
		return fmt.Errorf("%s: HealthCheck HealthyThreshold %d outside 2–10: %w", where, h.HealthyThreshold, ErrInvalidConfig)
	case h.UnhealthyThreshold < 2 || h.UnhealthyThreshold > 10:
		return fmt.Errorf("%s: HealthCheck UnhealthyThreshold %d outside 2–10: %w", where, h.UnhealthyThreshold, ErrInvalidConfig)
	case h.Work < 0:
		return fmt.Errorf("%s: HealthCheck Work %v < 0: %w", where, h.Work, ErrInvalidConfig)
	}
	for _, r := range h.SuccessCodes {
		if r.Low > r.High || r.Low < 200 || r.High > 599 {
			return fmt.Errorf("%s: HealthCheck SuccessCodes %d-%d outside 200–599: %w", where, r.Low, r.High, ErrInvalidConfig)
		}
	}
	return nil
}

// Bool returns a pointer to b, for the optional CrossZone fields.
func Bool(b bool) *bool { return &b }

// Duration returns a pointer to d, for optional duration fields.
func Duration(d time.Duration) *time.Duration { return &d }
