package vpc

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/sim"
)

// Biller receives priced usage; *billing.Ledger implements it.
type Biller interface{ Add(billing.LineItem) }

// Prices are USD list prices (us-east-1, see the VPC section of the AWS
// facts); override them for other regions or dates.
type Prices struct {
	// NatGatewayHour is charged per NAT gateway-hour provisioned ($0.045).
	NatGatewayHour float64
	// NatGatewayPerGB is charged per GB processed, either direction ($0.045).
	NatGatewayPerGB float64
	// InterfaceEndpointAZHour is charged per interface endpoint per AZ-hour ($0.01).
	InterfaceEndpointAZHour float64
	// InterfaceEndpointPerGB is charged per GB processed (first PB tier, $0.01).
	InterfaceEndpointPerGB float64
	// PublicIPv4Hour is charged per public IPv4 address-hour, in use or
	// idle, since Feb 2024 ($0.005).
	PublicIPv4Hour float64
	// CrossAZPerGB is charged in each direction for traffic between AZs
	// of a region, so 1 GB costs this at the sender and again at the
	// receiver ($0.01).
	CrossAZPerGB float64
	// InterRegionPerGB is charged at the sender for inter-region peering
	// traffic ($0.02; [verify] per region pair).
	InterRegionPerGB float64
	// InternetEgressPerGB is charged for data out to the internet (first
	// 10 TB tier, $0.09; the free 100 GB/month is not modelled).
	InternetEgressPerGB float64
}

// DefaultPrices returns the us-east-1 list prices from the AWS facts.
func DefaultPrices() Prices {
	return Prices{
		NatGatewayHour:          0.045,
		NatGatewayPerGB:         0.045,
		InterfaceEndpointAZHour: 0.01,
		InterfaceEndpointPerGB:  0.01,
		PublicIPv4Hour:          0.005,
		CrossAZPerGB:            0.01,
		InterRegionPerGB:        0.02,
		InternetEgressPerGB:     0.09,
	}
}

// BytesPerGB is the billing gigabyte: AWS data-transfer pricing counts
// 2^30 bytes per GB (an assumption held across nimbus).
const BytesPerGB = 1 << 30

// Latency holds the one-way delays a crossing adds. AWS documents none of
// them; every default is an assumption to tune against measurements.
type Latency struct {
	// SameAZ is the one-way delay between two ENIs in one AZ (default 50µs).
	SameAZ time.Duration
	// CrossAZ is the one-way delay between AZs of a region (default 500µs;
	// AWS only says "single-digit milliseconds" round trip).
	CrossAZ time.Duration
	// NatGateway is the processing delay a NAT gateway adds (default 100µs).
	NatGateway time.Duration
	// InternetGateway is the delay from an IGW to the AWS edge (default
	// 200µs); the path across the internet is the caller's to model (geo).
	InternetGateway time.Duration
	// InterfaceEndpoint is the PrivateLink processing delay (default 100µs).
	InterfaceEndpoint time.Duration
	// InterRegion is the one-way delay of inter-region peering; zero (the
	// default) means half geo.DefaultLatency's RTT between the regions.
	InterRegion time.Duration
	// NatGatewayBps is the bandwidth a NAT gateway offers one crossing, in
	// bits per second (AWS: 5 Gbps scaling to 100 Gbps; scaling is not
	// modelled, so the default is the starting 5 Gbps).
	NatGatewayBps float64
	// InterfaceEndpointBps is an interface endpoint's bandwidth per AZ in
	// bits per second (AWS: 10 Gbps scaling to 100 Gbps; default 10 Gbps).
	InterfaceEndpointBps float64
}

// DefaultLatency returns the assumed delays documented on Latency.
func DefaultLatency() Latency {
	return Latency{
		SameAZ:               50 * time.Microsecond,
		CrossAZ:              500 * time.Microsecond,
		NatGateway:           100 * time.Microsecond,
		InternetGateway:      200 * time.Microsecond,
		InterfaceEndpoint:    100 * time.Microsecond,
		NatGatewayBps:        5e9,
		InterfaceEndpointBps: 10e9,
	}
}

// Limits are the AWS quotas the model enforces (defaults from the AWS
// facts; most are adjustable in AWS, so they are knobs here).
type Limits struct {
	CidrBlocksPerVPC         int // 5
	SubnetsPerVPC            int // 200
	RouteTablesPerVPC        int // 200
	RoutesPerTable           int // 50 non-propagated, per address family
	NetworkACLsPerVPC        int // 200
	RulesPerNetworkACL       int // 20 per direction, including the default deny
	SecurityGroupsPerVPC     int // 2,500 per region; applied per VPC here
	RulesPerSecurityGroup    int // 60 per direction
	SecurityGroupsPerENI     int // 5
	NatGatewaysPerAZ         int // 5
	ActivePeeringsPerVPC     int // 50
	NatConnectionsPerIP      int // 55,000 per destination (IP, port, protocol)
	InterfaceEndpointsPerVPC int // 50 interface + GWLB endpoints per VPC
	// NatIdleTimeout is how long a NAT gateway keeps a connection with no
	// packets before expiring it: 350 s, fixed in AWS. The model applies
	// it to every protocol (AWS names none; the RST it documents is TCP's).
	NatIdleTimeout time.Duration
}

// DefaultLimits returns the AWS default quotas.
func DefaultLimits() Limits {
	return Limits{
		CidrBlocksPerVPC:         5,
		SubnetsPerVPC:            200,
		RouteTablesPerVPC:        200,
		RoutesPerTable:           50,
		NetworkACLsPerVPC:        200,
		RulesPerNetworkACL:       20,
		SecurityGroupsPerVPC:     2500,
		RulesPerSecurityGroup:    60,
		SecurityGroupsPerENI:     5,
		NatGatewaysPerAZ:         5,
		ActivePeeringsPerVPC:     50,
		NatConnectionsPerIP:      55000,
		InterfaceEndpointsPerVPC: 50,
		NatIdleTimeout:           350 * time.Second,
	}
}

// Config configures a Network. Nil Prices, Latency and Limits take the
// defaults; a non-nil one replaces them whole.
type Config struct {
	// Biller receives hourly and per-GB line items at Settle; nil disables billing.
	Biller Biller
	// Prices are the rates; nil means DefaultPrices.
	Prices *Prices
	// Latency holds the crossing delays; nil means DefaultLatency.
	Latency *Latency
	// Limits are the quotas; nil means DefaultLimits.
	Limits *Limits
	// PublicIPv4Pool is where Elastic IPs and auto-assigned public IPv4
	// addresses come from, in order (default 44.192.0.0/11, an EC2
	// us-east-1 range).
	PublicIPv4Pool string
	// IPv6Pool is where Amazon-provided /56 VPC blocks come from, in order
	// (default 2600:1f18::/36).
	IPv6Pool string
	// PrefixLists are the AWS-managed prefix lists of gateway-endpoint
	// services keyed by service name ("com.amazonaws.us-east-1.s3"); nil
	// means DefaultPrefixLists. Their CIDRs are representative, not AWS's
	// full published ranges.
	PrefixLists map[string][]string
}

// DefaultPrefixLists returns representative CIDRs for the S3 and DynamoDB
// gateway-endpoint prefix lists in us-east-1 (a subset of the ranges AWS
// publishes in ip-ranges.json; an assumption).
func DefaultPrefixLists() map[string][]string {
	return map[string][]string{
		"com.amazonaws.us-east-1.s3":       {"52.216.0.0/15", "54.231.0.0/16", "3.5.0.0/19", "16.182.0.0/16"},
		"com.amazonaws.us-east-1.dynamodb": {"3.218.180.0/22", "52.94.0.0/22", "52.119.224.0/20"},
	}
}

// Network is every VPC of one simulated AWS account, with the objects that
// span VPCs: peering connections, Elastic IPs and the public address pool.
// It answers reachability questions (Evaluate, Crossing) and keeps the
// books (Settle). It is not safe for concurrent use.
type Network struct {
	s       *sim.Sim
	biller  Biller
	prices  Prices
	latency Latency
	limits  Limits

	vpcs     []*VPC
	peerings []*PeeringConnection
	eips     []*ElasticIP
	prefix   []*PrefixList

	publicPool  netip.Prefix
	nextPublic  uint32
	freePublic  []netip.Addr
	public      map[netip.Addr]*NetworkInterface
	ipv6Pool    netip.Prefix
	nextIPv6    uint64
	hourly      []hourlyUsage
	usage       []usageAcc
	usageIndex  map[usageKey]int
	cache       map[Flow]*Result
	cache4      map[key4]cached // IPv4 flows, under a compact key
	breaks      []uint16        // NACL port-range boundaries, for portClass
	breaksStale bool
	seq         uint32 // numbers ENIs and VPCs for key4
	cacheOff    bool
	lastSettled sim.Time
}

// New returns an empty Network in run s.
func New(s *sim.Sim, cfg Config) (*Network, error) {
	if s == nil {
		return nil, fmt.Errorf("vpc: network: Sim is nil: %w", ErrInvalidConfig)
	}
	n := &Network{
		s: s, biller: cfg.Biller,
		prices: DefaultPrices(), latency: DefaultLatency(), limits: DefaultLimits(),
		public:     map[netip.Addr]*NetworkInterface{},
		usageIndex: map[usageKey]int{},
		cache:      map[Flow]*Result{},
		cache4:     map[key4]cached{},
	}
	if cfg.Prices != nil {
		n.prices = *cfg.Prices
	}
	if cfg.Latency != nil {
		n.latency = *cfg.Latency
	}
	if cfg.Limits != nil {
		n.limits = *cfg.Limits
	}
	if err := n.validate(); err != nil {
		return nil, err
	}
	pool := cfg.PublicIPv4Pool
	if pool == "" {
		pool = "44.192.0.0/11"
	}
	p, err := ParseCIDR(pool)
	if err != nil || !p.Addr().Is4() || p.Bits() > 30 {
		return nil, fmt.Errorf("vpc: network: PublicIPv4Pool %q is not an IPv4 block of /30 or larger: %w", pool, ErrInvalidConfig)
	}
	n.publicPool = p
	pool6 := cfg.IPv6Pool
	if pool6 == "" {
		pool6 = "2600:1f18::/36"
	}
	p6, err := ParseCIDR(pool6)
	if err != nil || !p6.Addr().Is6() || p6.Bits() > VPCIPv6PrefixLen {
		return nil, fmt.Errorf("vpc: network: IPv6Pool %q is not an IPv6 block of /56 or larger: %w", pool6, ErrInvalidConfig)
	}
	n.ipv6Pool = p6
	lists := cfg.PrefixLists
	if lists == nil {
		lists = DefaultPrefixLists()
	}
	names := make([]string, 0, len(lists))
	for name := range lists {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		pl := &PrefixList{id: s.NewID("pl"), name: name}
		for _, c := range lists[name] {
			p, err := ParseCIDR(c)
			if err != nil {
				return nil, fmt.Errorf("vpc: prefix list %q: Cidrs: %w", name, err)
			}
			pl.cidrs = append(pl.cidrs, p)
		}
		n.prefix = append(n.prefix, pl)
	}
	return n, nil
}

// validate checks the knobs: quotas at least 1, prices and delays not negative.
func (n *Network) validate() error {
	l := n.limits
	for _, q := range []struct {
		name string
		v    int
	}{{"CidrBlocksPerVPC", l.CidrBlocksPerVPC}, {"SubnetsPerVPC", l.SubnetsPerVPC}, {"RouteTablesPerVPC", l.RouteTablesPerVPC},
		{"RoutesPerTable", l.RoutesPerTable}, {"NetworkACLsPerVPC", l.NetworkACLsPerVPC}, {"RulesPerNetworkACL", l.RulesPerNetworkACL},
		{"SecurityGroupsPerVPC", l.SecurityGroupsPerVPC}, {"RulesPerSecurityGroup", l.RulesPerSecurityGroup},
		{"SecurityGroupsPerENI", l.SecurityGroupsPerENI}, {"NatGatewaysPerAZ", l.NatGatewaysPerAZ},
		{"ActivePeeringsPerVPC", l.ActivePeeringsPerVPC}, {"NatConnectionsPerIP", l.NatConnectionsPerIP},
		{"InterfaceEndpointsPerVPC", l.InterfaceEndpointsPerVPC}} {
		if q.v < 1 {
			return fmt.Errorf("vpc: network: Limits.%s %d < 1: %w", q.name, q.v, ErrInvalidConfig)
		}
	}
	if l.NatIdleTimeout <= 0 {
		return fmt.Errorf("vpc: network: Limits.NatIdleTimeout %s <= 0: %w", l.NatIdleTimeout, ErrInvalidConfig)
	}
	p := n.prices
	for _, x := range []struct {
		name string
		v    float64
	}{{"NatGatewayHour", p.NatGatewayHour}, {"NatGatewayPerGB", p.NatGatewayPerGB}, {"InterfaceEndpointAZHour", p.InterfaceEndpointAZHour},
		{"InterfaceEndpointPerGB", p.InterfaceEndpointPerGB}, {"PublicIPv4Hour", p.PublicIPv4Hour}, {"CrossAZPerGB", p.CrossAZPerGB},
		{"InterRegionPerGB", p.InterRegionPerGB}, {"InternetEgressPerGB", p.InternetEgressPerGB}} {
		if x.v < 0 {
			return fmt.Errorf("vpc: network: Prices.%s %g < 0: %w", x.name, x.v, ErrInvalidConfig)
		}
	}
	lt := n.latency
	for _, x := range []struct {
		name string
		v    time.Duration
	}{{"SameAZ", lt.SameAZ}, {"CrossAZ", lt.CrossAZ}, {"NatGateway", lt.NatGateway}, {"InternetGateway", lt.InternetGateway},
		{"InterfaceEndpoint", lt.InterfaceEndpoint}, {"InterRegion", lt.InterRegion}} {
		if x.v < 0 {
			return fmt.Errorf("vpc: network: Latency.%s %s < 0: %w", x.name, x.v, ErrInvalidConfig)
		}
	}
	if lt.NatGatewayBps < 0 || lt.InterfaceEndpointBps < 0 {
		return fmt.Errorf("vpc: network: Latency bandwidths must not be negative: %w", ErrInvalidConfig)
	}
	return nil
}

// Sim returns the run the network belongs to.
func (n *Network) Sim() *sim.Sim { return n.s }

// VPCs returns the network's VPCs in creation order.
func (n *Network) VPCs() []*VPC { return slices.Clone(n.vpcs) }

// PrefixList is an AWS-managed prefix list (pl-…): the CIDRs of a service
// that gateway endpoints route to.
type PrefixList struct {
	id, name string
	cidrs    []netip.Prefix
}

// ID returns the prefix list ID (pl-…).
func (p *PrefixList) ID() string { return p.id }

// Name returns the service name, such as "com.amazonaws.us-east-1.s3".
func (p *PrefixList) Name() string { return p.name }

// CIDRs returns the list's blocks.
func (p *PrefixList) CIDRs() []netip.Prefix { return slices.Clone(p.cidrs) }

// Contains reports whether a lies in one of the list's blocks.
func (p *PrefixList) Contains(a netip.Addr) bool {
	for _, c := range p.cidrs {
		if c.Contains(a) {
			return true
		}
	}
	return false
}

// PrefixList returns the managed prefix list of a service name such as
// "com.amazonaws.us-east-1.s3".
func (n *Network) PrefixList(service string) (*PrefixList, bool) {
	for _, p := range n.prefix {
		if p.name == service {
			return p, true
		}
	}
	return nil, false
}

// changed invalidates every cached verdict; each configuration change calls it.
func (n *Network) changed() {
	clear(n.cache)
	clear(n.cache4)
	n.breaksStale = true
}

// SetCaching turns the verdict cache on (the default) or off. With it off
// every Evaluate walks the path afresh, which benchmarks the slow path.
func (n *Network) SetCaching(on bool) {
	n.cacheOff = !on
	clear(n.cache)
	clear(n.cache4)
}

// allocPublic returns the next free public IPv4 address of the pool.
func (n *Network) allocPublic() (netip.Addr, error) {
	if k := len(n.freePublic); k > 0 {
		slices.SortFunc(n.freePublic, netip.Addr.Compare)
		a := n.freePublic[0]
		n.freePublic = n.freePublic[1:]
		return a, nil
	}
	size := uint64(1) << (32 - n.publicPool.Bits())
	// Skip the pool's network address so no address ends in .0 of the pool.
	if uint64(n.nextPublic)+1 >= size {
		return netip.Addr{}, fmt.Errorf("vpc: network: PublicIPv4Pool %s exhausted: %w", n.publicPool, ErrAddressExhausted)
	}
	n.nextPublic++
	base := u32(n.publicPool.Addr().As4())
	return addrOf(base + n.nextPublic), nil
}

func (n *Network) trace(event, id string, fields ...sim.Field) {
	if n.s.Tracing() {
		n.s.Trace("vpc", event, id, fields...)
	}
}
