package route53

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/miekg/dns"
	"github.com/nimbus-sim/nimbus/sim"
)

// Route 53 Resolver assumptions: AWS documents the address (VPC base + 2)
// and the order of resolution, not its timing.
const (
	// VPCResolverRTT is the round trip from an instance to its VPC's
	// Resolver [assumption].
	VPCResolverRTT = 500 * time.Microsecond
	// EndpointDNSTTL is the TTL of interface-endpoint private DNS answers
	// [assumption].
	EndpointDNSTTL = 60
)

// VPCResolver returns the Route 53 Resolver of a VPC (created on first
// use), at the primary CIDR's base address + 2. It answers, in order: from
// Resolver rules associated with the VPC (FORWARD rules send the query out
// through an outbound endpoint; a SYSTEM rule for a more specific domain
// overrides them), from private hosted zones associated with the VPC (the
// most specific zone; a missing record is NXDOMAIN, without falling back to
// public DNS), from interface endpoints' private DNS names (rotating over
// the ENI IPs), and then from public DNS. Private zones and endpoint names
// need the VPC's enableDnsSupport and enableDnsHostnames.
func (r *Route53) VPCResolver(v VPC) (*Resolver, error) {
	if p := vpcProblem("VPC", v); p != "" {
		return nil, fmt.Errorf("route53: VPC resolver: %s: %w", p, ErrInvalidConfig)
	}
	if rv, ok := r.vpcResolvers[v.ID()]; ok {
		return rv, nil
	}
	p := v.PrimaryCIDR()
	if !p.IsValid() || !p.Addr().Is4() {
		return nil, fmt.Errorf("route53: VPC %s: CIDR %v is not an IPv4 prefix: %w", v.ID(), p, ErrInvalidConfig)
	}
	if d, ok := v.(dnsAttributes); ok && !d.EnableDnsSupport() {
		return nil, fmt.Errorf("route53: VPC %s: enableDnsSupport is off, so there is no Resolver: %w", v.ID(), ErrInvalidConfig)
	}
	loc, ok := regionPoint(v.Region())
	if !ok {
		return nil, fmt.Errorf("route53: VPC %s: Region %q is not a region: %w", v.ID(), v.Region(), ErrInvalidConfig)
	}
	base := p.Masked().Addr()
	ip := base.Next().Next()
	r.vpcs[v.ID()] = v
	rv, err := r.NewResolver(ResolverConfig{Name: "vpc-resolver/" + v.ID(), IP: ip, Location: loc,
		ClientRTT: VPCResolverRTT, Upstream: &vpcNameserver{r: r, vpc: v}})
	if err != nil {
		return nil, err
	}
	rv.src.VPC = v.ID()
	r.vpcResolvers[v.ID()] = rv
	return rv, nil
}

// ResolverAddr returns the VPC Resolver's address, base + 2, or the zero
// Addr when v is nil (or a typed nil) or has no IPv4 primary CIDR, as
// VPCResolver refuses such VPCs.
func ResolverAddr(v VPC) netip.Addr {
	if isNil(v) {
		return netip.Addr{}
	}
	p := v.PrimaryCIDR()
	if !p.IsValid() || !p.Addr().Is4() {
		return netip.Addr{}
	}
	return p.Masked().Addr().Next().Next()
}

// dnsAttributes is implemented by *vpc.VPC.
type dnsAttributes interface {
	EnableDnsSupport() bool
	EnableDnsHostnames() bool
}

// privateDNS reports whether private zones and endpoint private DNS work
// in the VPC: both DNS attributes must be on (a VPC without them, such as
// a StaticVPC, counts as having them).
func privateDNS(v VPC) bool {
	d, ok := v.(dnsAttributes)
	return !ok || (d.EnableDnsSupport() && d.EnableDnsHostnames())
}

// vpcNameserver is the resolution order of the Route 53 Resolver.
type vpcNameserver struct {
	r    *Route53
	vpc  VPC
	turn uint64
}

// Query implements Nameserver.
func (n *vpcNameserver) Query(name string, qtype uint16, src Source) Answer {
	r := n.r
	a := Answer{Name: name, Type: qtype}
	if rule := r.ruleFor(n.vpc.ID(), name); rule != nil && rule.ruleType == "FORWARD" {
		return rule.forward(name, qtype, src)
	}
	if !privateDNS(n.vpc) {
		src.VPC = ""
		return r.Query(name, qtype, src)
	}
	src.VPC = n.vpc.ID()
	if z := r.privateZone(name, src.VPC); z != nil {
		r.answerIn(&a, z, name, qtype, src, 0)
		return a
	}
	if e, ok := n.vpc.(EndpointDNS); ok {
		for _, d := range e.PrivateDNSEntries() {
			if c, err := CanonicalName(d.Name); err != nil || c != name {
				continue
			}
			a.Rcode, a.TTL = dns.RcodeSuccess, EndpointDNSTTL
			if qtype == dns.TypeA && len(d.Addrs) > 0 {
				// Round-robin over the AZ ENIs.
				k := int(n.turn % uint64(len(d.Addrs)))
				n.turn++
				a.Addrs = append(slices.Clone(d.Addrs[k:]), d.Addrs[:k]...)
			}
			return a
		}
	}
	src.VPC = ""
	return r.Query(name, qtype, src)
}

// ResolverEndpointConfig describes a Resolver endpoint.
type ResolverEndpointConfig struct {
	// Name is the endpoint's name.
	Name string
	// Direction is "INBOUND" (other networks query into the VPC) or
	// "OUTBOUND" (forwarding rules query out of it).
	Direction string
	// VPC hosts the endpoint's ENIs.
	VPC VPC
	// IPAddresses are the endpoint's ENI addresses, 2–6, inside the VPC.
	IPAddresses []netip.Addr
}

// ResolverEndpoint is an inbound or outbound Resolver endpoint. An inbound
// endpoint is a Nameserver: on-premises resolvers use it as their
// Upstream to see the VPC's private zones.
type ResolverEndpoint struct {
	r         *Route53
	id        string
	name      string
	direction string
	region    string
	vpc       VPC
	ips       []netip.Addr
	queries   uint64
	total     uint64
	deleted   bool
}

// ID returns the endpoint ID ("rslvr-in-…" or "rslvr-out-…").
func (ep *ResolverEndpoint) ID() string { return ep.id }

// Queries returns the number of queries through the endpoint.
func (ep *ResolverEndpoint) Queries() uint64 { return ep.total }

// Query resolves through the endpoint's VPC Resolver; it is how inbound
// endpoints answer (outbound or deleted endpoints answer SERVFAIL).
func (ep *ResolverEndpoint) Query(name string, qtype uint16, src Source) Answer {
	if ep.deleted || ep.direction != "INBOUND" {
		return Answer{Name: name, Type: qtype, Rcode: dns.RcodeServerFailure}
	}
	ep.queries++
	ep.total++
	ns := &vpcNameserver{r: ep.r, vpc: ep.vpc}
	if rv, ok := ep.r.vpcResolvers[ep.vpc.ID()]; ok {
		ns = rv.upstream.(*vpcNameserver)
	}
	return ns.Query(name, qtype, src)
}

// Delete removes the endpoint: inbound IPs stop answering and FORWARD
// rules through it answer SERVFAIL. Billing stops now.
func (ep *ResolverEndpoint) Delete() {
	if ep.deleted {
		return
	}
	ep.r.FlushBilling()
	ep.deleted = true
	for _, ip := range ep.ips {
		if ns, ok := ep.r.nameservers[ip]; ok && ns == Nameserver(ep) {
			delete(ep.r.nameservers, ip)
		}
	}
	ep.r.trace("DeleteResolverEndpoint", ep.id)
}

// CreateResolverEndpoint creates an endpoint with 2–6 IPs in the VPC.
func (r *Route53) CreateResolverEndpoint(cfg ResolverEndpointConfig) (*ResolverEndpoint, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("route53: resolver endpoint %q: %s: %w", cfg.Name, fmt.Sprintf(format, a...), ErrInvalidConfig)
	}
	if cfg.Direction != "INBOUND" && cfg.Direction != "OUTBOUND" {
		return nil, bad("Direction %q is not INBOUND or OUTBOUND", cfg.Direction)
	}
	if p := vpcProblem("VPC", cfg.VPC); p != "" {
		return nil, bad("%s", p)
	}
	if len(cfg.IPAddresses) < 2 || len(cfg.IPAddresses) > 6 {
		return nil, bad("%d IPAddresses outside 2–6", len(cfg.IPAddresses))
	}
	for _, ip := range cfg.IPAddresses {
		if !cfg.VPC.PrimaryCIDR().Contains(ip) {
			return nil, bad("IP %v outside VPC %s CIDR %v", ip, cfg.VPC.ID(), cfg.VPC.PrimaryCIDR())
		}
	}
	n := 0
	for _, e := range r.rslvEndpoints {
		if !e.deleted && e.region == cfg.VPC.Region() {
			n++
		}
	}
	if n >= 4 {
		return nil, fmt.Errorf("route53: resolver endpoint %q: 4 endpoints per region: %w", cfg.Name, ErrLimitExceeded)
	}
	prefix := "rslvr-in"
	if cfg.Direction == "OUTBOUND" {
		prefix = "rslvr-out"
	}
	ep := &ResolverEndpoint{r: r, id: r.s.NewID(prefix), name: cfg.Name, direction: cfg.Direction,
		region: cfg.VPC.Region(), vpc: cfg.VPC, ips: slices.Clone(cfg.IPAddresses)}
	r.vpcs[cfg.VPC.ID()] = cfg.VPC
	r.rslvEndpoints = append(r.rslvEndpoints, ep)
	if cfg.Direction == "INBOUND" {
		for _, ip := range ep.ips {
			r.nameservers[ip] = ep
		}
	}
	r.startBilling()
	r.trace("CreateResolverEndpoint", ep.id, sim.F("direction", ep.direction), sim.F("vpc", cfg.VPC.ID()))
	return ep, nil
}

// RegisterNameserver makes ns answer DNS queries sent to addr, such as an
// on-premises DNS server that forwarding rules target. An invalid addr or
// a nil ns is an error and registers nothing.
func (r *Route53) RegisterNameserver(addr netip.Addr, ns Nameserver) error {
	if !addr.IsValid() {
		return fmt.Errorf("route53: nameserver: addr is not a valid address: %w", ErrInvalidConfig)
	}
	if p := nilProblem("Nameserver", ns); p != "" {
		return fmt.Errorf("route53: nameserver %v: %s: %w", addr, p, ErrInvalidConfig)
	}
	r.nameservers[addr] = ns
	return nil
}

// ResolverRuleConfig describes a Resolver rule.
type ResolverRuleConfig struct {
	// Name is the rule's name, used in errors.
	Name string
	// DomainName is the domain the rule applies to (and its subdomains).
	DomainName string
	// RuleType is "FORWARD" or "SYSTEM" (resolve normally, overriding a
	// FORWARD rule for a parent domain).
	RuleType string
	// TargetIps are the DNS servers a FORWARD rule sends queries to; they
	// must be registered with RegisterNameserver (or be inbound endpoints).
	TargetIps []netip.Addr
	// ResolverEndpointId is the outbound endpoint a FORWARD rule uses.
	ResolverEndpointId string
}

// ResolverRule is a forwarding or system rule.
type ResolverRule struct {
	r        *Route53
	id       string
	domain   string
	ruleType string
	targets  []netip.Addr
	endpoint *ResolverEndpoint
	vpcs     []string
}

// ID returns the rule ID.
func (rr *ResolverRule) ID() string { return rr.id }

// CreateResolverRule creates a rule; associate it with VPCs to use it.
func (r *Route53) CreateResolverRule(cfg ResolverRuleConfig) (*ResolverRule, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("route53: resolver rule %q: %s: %w", cfg.Name, fmt.Sprintf(format, a...), ErrInvalidConfig)
	}
	d, err := CanonicalName(cfg.DomainName)
	if err != nil {
		return nil, bad("DomainName %q is not valid", cfg.DomainName)
	}
	rule := &ResolverRule{r: r, id: r.s.NewID("rslvr-rr"), domain: d, ruleType: cfg.RuleType, targets: slices.Clone(cfg.TargetIps)}
	switch cfg.RuleType {
	case "FORWARD":
		if len(cfg.TargetIps) == 0 {
			return nil, bad("a FORWARD rule needs TargetIps")
		}
		for _, e := range r.rslvEndpoints {
			if e.id == cfg.ResolverEndpointId && !e.deleted {
				rule.endpoint = e
			}
		}
		if rule.endpoint == nil {
			return nil, fmt.Errorf("route53: resolver rule %q: endpoint %q: %w", cfg.Name, cfg.ResolverEndpointId, ErrResourceNotFound)
		}
		if rule.endpoint.direction != "OUTBOUND" {
			return nil, bad("endpoint %s is not OUTBOUND", rule.endpoint.id)
		}
	case "SYSTEM":
	default:
		return nil, bad("RuleType %q is not FORWARD or SYSTEM", cfg.RuleType)
	}
	if len(r.rules) >= 1000 {
		return nil, fmt.Errorf("route53: resolver rule %q: 1000 rules per region: %w", cfg.Name, ErrLimitExceeded)
	}
	r.rules = append(r.rules, rule)
	r.trace("CreateResolverRule", rule.id, sim.F("domain", d), sim.F("type", cfg.RuleType))
	return rule, nil
}

// AssociateResolverRule applies a rule to a VPC's Resolver.
func (r *Route53) AssociateResolverRule(ruleID string, v VPC) error {
	if p := vpcProblem("VPC", v); p != "" {
		return fmt.Errorf("route53: resolver rule %s: %s: %w", ruleID, p, ErrInvalidConfig)
	}
	for _, rule := range r.rules {
		if rule.id == ruleID {
			if rule.endpoint != nil && rule.endpoint.region != v.Region() {
				return fmt.Errorf("route53: resolver rule %s: VPC %s is in %s, the endpoint in %s: %w", ruleID, v.ID(), v.Region(), rule.endpoint.region, ErrInvalidConfig)
			}
			if !slices.Contains(rule.vpcs, v.ID()) {
				rule.vpcs = append(rule.vpcs, v.ID())
			}
			r.vpcs[v.ID()] = v
			r.trace("AssociateResolverRule", ruleID, sim.F("vpc", v.ID()))
			return nil
		}
	}
	return fmt.Errorf("route53: resolver rule %s: %w", ruleID, ErrResourceNotFound)
}

// ruleFor returns the rule with the longest domain matching name among
// those associated with the VPC.
func (r *Route53) ruleFor(vpc, name string) *ResolverRule {
	var best *ResolverRule
	for _, rule := range r.rules {
		if slices.Contains(rule.vpcs, vpc) && isSubdomain(rule.domain, name) && (best == nil || len(rule.domain) > len(best.domain)) {
			best = rule
		}
	}
	return best
}

// forward sends a query through the rule's outbound endpoint to the first
// registered target; with none it is SERVFAIL.
func (rule *ResolverRule) forward(name string, qtype uint16, src Source) Answer {
	if rule.endpoint.deleted {
		return Answer{Name: name, Type: qtype, Rcode: dns.RcodeServerFailure}
	}
	rule.endpoint.queries++
	rule.endpoint.total++
	src.VPC = ""
	for _, ip := range rule.targets {
		if ns, ok := rule.r.nameservers[ip]; ok {
			return ns.Query(name, qtype, src)
		}
	}
	return Answer{Name: name, Type: qtype, Rcode: dns.RcodeServerFailure}
}
