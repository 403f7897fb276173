package vpc

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
)

// Target is where a route sends traffic: an *InternetGateway, *NatGateway,
// *PeeringConnection, *NetworkInterface (an appliance), *VpnGateway, or a
// gateway *Endpoint. A route whose target was deleted is a blackhole.
type Target interface {
	// TargetID returns the target's AWS ID (igw-…, nat-…, pcx-…, eni-…).
	TargetID() string
	active() bool
}

// TargetID returns the IGW ID.
func (g *InternetGateway) TargetID() string { return g.id }
func (g *InternetGateway) active() bool     { return !g.detached }

// TargetID returns the VGW ID.
func (g *VpnGateway) TargetID() string { return g.id }
func (g *VpnGateway) active() bool     { return g.vpc.vgw == g }

// RouteConfig describes a route (CreateRoute).
type RouteConfig struct {
	// DestinationCidrBlock is an IPv4 or IPv6 block, such as "0.0.0.0/0".
	DestinationCidrBlock string
	// Target receives the traffic.
	Target Target
}

// Route is one entry of a route table.
type Route struct {
	dst    netip.Prefix // invalid for prefix-list routes
	pl     *PrefixList
	target Target // nil: local
}

// Destination returns the destination block (invalid for a prefix-list route).
func (r *Route) Destination() netip.Prefix { return r.dst }

// PrefixList returns the destination prefix list of a gateway-endpoint route.
func (r *Route) PrefixList() (*PrefixList, bool) { return r.pl, r.pl != nil }

// Target returns the route's target (nil for the local route).
func (r *Route) Target() Target { return r.target }

// TargetID returns the target's ID, or "local".
func (r *Route) TargetID() string {
	if r.target == nil {
		return "local"
	}
	return r.target.TargetID()
}

// State returns "active", or "blackhole" when the target is gone.
func (r *Route) State() string {
	if r.active() {
		return "active"
	}
	return "blackhole"
}

func (r *Route) active() bool { return r.target == nil || r.target.active() }

// fibEntry is one compiled destination of a route table.
type fibEntry struct {
	c4    v4
	p     netip.Prefix
	bits  int
	pl    bool
	route *Route
}

// RouteTable is a VPC route table: the main one or a custom one.
type RouteTable struct {
	vpc    *VPC
	id     string
	name   string
	main   bool
	routes []*Route // user routes, in creation order
	local  []*Route
	fib4   []fibEntry
	fib6   []fibEntry
}

// CreateRouteTable creates a custom route table holding only the local routes.
func (v *VPC) CreateRouteTable(name string) (*RouteTable, error) {
	if len(v.routeTables) >= v.n.limits.RouteTablesPerVPC {
		return nil, fmt.Errorf("vpc: VPC %q: route table %q: VPC has %d (RouteTablesPerVPC): %w", v.name, name, len(v.routeTables), ErrLimitExceeded)
	}
	rt := &RouteTable{vpc: v, id: v.n.s.NewID("rtb"), name: name}
	rt.rebuild()
	v.routeTables = append(v.routeTables, rt)
	v.n.changed()
	v.n.trace("CreateRouteTable", rt.id, fieldVPC(v), fieldName(name))
	return rt, nil
}

// ID returns the route table ID (rtb-…).
func (rt *RouteTable) ID() string { return rt.id }

// Name returns the route table's Name tag.
func (rt *RouteTable) Name() string { return rt.name }

// Main reports whether this is the VPC's main route table.
func (rt *RouteTable) Main() bool { return rt.main }

// Routes returns the local routes then the others, in creation order.
func (rt *RouteTable) Routes() []*Route { return append(slices.Clone(rt.local), rt.routes...) }

// Associate makes the subnet use this table (a new association replaces
// the old one).
func (rt *RouteTable) Associate(s *Subnet) error {
	if s == nil || s.vpc != rt.vpc {
		return fmt.Errorf("vpc: route table %s: Associate: subnet is not in VPC %q: %w", rt.id, rt.vpc.name, ErrInvalidConfig)
	}
	s.rt = rt
	if rt.main {
		s.rt = nil
	}
	rt.vpc.n.changed()
	rt.vpc.n.trace("AssociateRouteTable", rt.id, fieldSubnet(s))
	return nil
}

// SetMainRouteTable makes rt the VPC's main table
// (ReplaceRouteTableAssociation on the main association): every subnet
// without an explicit association follows it.
func (v *VPC) SetMainRouteTable(rt *RouteTable) error {
	if rt == nil || rt.vpc != v {
		return fmt.Errorf("vpc: VPC %q: SetMainRouteTable: route table is not in the VPC: %w", v.name, ErrInvalidConfig)
	}
	v.main.main = false
	rt.main = true
	v.main = rt
	for _, s := range v.subnets {
		if s.rt == rt {
			s.rt = nil
		}
	}
	v.n.changed()
	v.n.trace("ReplaceMainRouteTable", rt.id, fieldVPC(v))
	return nil
}

// Delete deletes a custom route table that no subnet uses.
func (rt *RouteTable) Delete() error {
	v := rt.vpc
	if rt.main {
		return fmt.Errorf("vpc: route table %s: the main route table cannot be deleted: %w", rt.id, ErrDependencyViolation)
	}
	for _, s := range v.subnets {
		if s.rt == rt {
			return fmt.Errorf("vpc: route table %s: subnet %q is associated: %w", rt.id, s.name, ErrDependencyViolation)
		}
	}
	v.routeTables = slices.DeleteFunc(v.routeTables, func(x *RouteTable) bool { return x == rt })
	v.n.changed()
	v.n.trace("DeleteRouteTable", rt.id)
	return nil
}

// CreateRoute adds a static route with AWS's checks: the destination is a
// valid block not already in the table and not in 169.254.168.0/22 or
// fd00:ec2::/32; a route more specific than a local route must match a
// subnet's CIDR exactly and target a NAT gateway or an ENI; the target
// belongs to this VPC.
func (rt *RouteTable) CreateRoute(cfg RouteConfig) error {
	what := fmt.Sprintf("vpc: route table %s: route %q", rt.id, cfg.DestinationCidrBlock)
	dst, err := ParseCIDR(cfg.DestinationCidrBlock)
	if err != nil {
		return fmt.Errorf("%s: DestinationCidrBlock: %w", what, err)
	}
	for _, r := range rt.routes {
		if r.dst == dst {
			return fmt.Errorf("%s: DestinationCidrBlock: route already exists (target %s): %w", what, r.TargetID(), ErrInvalidConfig)
		}
	}
	if err := rt.checkRoute(dst, cfg.Target, what); err != nil {
		return err
	}
	fam := 0
	for _, r := range rt.routes {
		if r.dst.IsValid() && r.dst.Addr().Is4() == dst.Addr().Is4() {
			fam++
		}
	}
	if fam >= rt.vpc.n.limits.RoutesPerTable {
		return fmt.Errorf("%s: table has %d routes of this family (RoutesPerTable): %w", what, fam, ErrLimitExceeded)
	}
	rt.routes = append(rt.routes, &Route{dst: dst, target: cfg.Target})
	rt.rebuild()
	rt.vpc.n.changed()
	rt.vpc.n.trace("CreateRoute", rt.id, fieldCIDR(dst), fieldTarget(cfg.Target.TargetID()))
	return nil
}

// ReplaceRoute points an existing route at a new target.
func (rt *RouteTable) ReplaceRoute(cfg RouteConfig) error {
	what := fmt.Sprintf("vpc: route table %s: route %q", rt.id, cfg.DestinationCidrBlock)
	dst, err := ParseCIDR(cfg.DestinationCidrBlock)
	if err != nil {
		return fmt.Errorf("%s: DestinationCidrBlock: %w", what, err)
	}
	for _, r := range rt.routes {
		if r.dst == dst {
			if err := rt.checkRoute(dst, cfg.Target, what); err != nil {
				return err
			}
			r.target = cfg.Target
			rt.vpc.n.changed()
			rt.vpc.n.trace("ReplaceRoute", rt.id, fieldCIDR(dst), fieldTarget(cfg.Target.TargetID()))
			return nil
		}
	}
	return fmt.Errorf("%s: no such route: %w", what, ErrNotFound)
}

// DeleteRoute removes the route to a destination block.
func (rt *RouteTable) DeleteRoute(destinationCidrBlock string) error {
	what := fmt.Sprintf("vpc: route table %s: route %q", rt.id, destinationCidrBlock)
	dst, err := ParseCIDR(destinationCidrBlock)
	if err != nil {
		return fmt.Errorf("%s: DestinationCidrBlock: %w", what, err)
	}
	for i, r := range rt.routes {
		if r.dst == dst {
			rt.routes = slices.Delete(rt.routes, i, i+1)
			rt.rebuild()
			rt.vpc.n.changed()
			rt.vpc.n.trace("DeleteRoute", rt.id, fieldCIDR(dst))
			return nil
		}
	}
	return fmt.Errorf("%s: no such route: %w", what, ErrNotFound)
}

func (rt *RouteTable) checkRoute(dst netip.Prefix, t Target, what string) error {
	v := rt.vpc
	if dst.Overlaps(pfxIMDS) || dst.Overlaps(pfxIMDS6) {
		if dst.Bits() >= pfxIMDS.Bits() || (dst.Addr().Is6() && dst.Bits() >= pfxIMDS6.Bits()) {
			return fmt.Errorf("%s: DestinationCidrBlock: %s is reserved for IMDS and DNS: %w", what, dst, ErrInvalidConfig)
		}
	}
	if t == nil || isNilTarget(t) {
		return fmt.Errorf("%s: Target is nil: %w", what, ErrInvalidConfig)
	}
	switch x := t.(type) {
	case *InternetGateway:
		if x.vpc != v || x.detached {
			return fmt.Errorf("%s: Target %s is not attached to VPC %q: %w", what, x.id, v.name, ErrInvalidConfig)
		}
	case *NatGateway:
		if x.vpc != v {
			return fmt.Errorf("%s: Target %s is in another VPC: %w", what, x.id, ErrInvalidConfig)
		}
	case *NetworkInterface:
		if x.subnet.vpc != v {
			return fmt.Errorf("%s: Target %s is in another VPC: %w", what, x.id, ErrInvalidConfig)
		}
	case *VpnGateway:
		if x.vpc != v {
			return fmt.Errorf("%s: Target %s is not attached to VPC %q: %w", what, x.id, v.name, ErrInvalidConfig)
		}
	case *PeeringConnection:
		if x.requester != v && x.accepter != v {
			return fmt.Errorf("%s: Target %s does not connect VPC %q: %w", what, x.id, v.name, ErrInvalidConfig)
		}
	case *Endpoint:
		return fmt.Errorf("%s: Target %s: gateway endpoint routes are added by CreateEndpoint: %w", what, x.id, ErrInvalidConfig)
	}
	// A route inside a VPC block must equal a subnet CIDR and target a
	// NAT gateway or an ENI (AWS "more specific routes").
	inside := false
	for _, c := range v.cidrs {
		if c.Bits() <= dst.Bits() && c.Contains(dst.Addr()) {
			inside = true
			if c == dst {
				return fmt.Errorf("%s: DestinationCidrBlock %s is the VPC's local route: %w", what, dst, ErrInvalidConfig)
			}
		}
	}
	if v.ipv6.IsValid() && v.ipv6.Bits() <= dst.Bits() && v.ipv6.Contains(dst.Addr()) {
		inside = true
	}
	if inside {
		exact := false
		for _, s := range v.subnets {
			if s.cidr == dst || s.ipv6 == dst {
				exact = true
			}
		}
		_, nat := t.(*NatGateway)
		_, eni := t.(*NetworkInterface)
		if !exact || !(nat || eni) {
			return fmt.Errorf("%s: DestinationCidrBlock %s is more specific than the local route: it must equal a subnet CIDR and target a NAT gateway or ENI: %w", what, dst, ErrInvalidConfig)
		}
	}
	return nil
}

// isNilTarget catches typed nil pointers stored in the interface.
func isNilTarget(t Target) bool {
	switch x := t.(type) {
	case *InternetGateway:
		return x == nil
	case *NatGateway:
		return x == nil
	case *NetworkInterface:
		return x == nil
	case *VpnGateway:
		return x == nil
	case *PeeringConnection:
		return x == nil
	case *Endpoint:
		return x == nil
	}
	return false
}

// addPrefixListRoute adds a gateway endpoint's route.
func (rt *RouteTable) addPrefixListRoute(pl *PrefixList, ep *Endpoint) {
	rt.routes = append(rt.routes, &Route{pl: pl, target: ep})
	rt.rebuild()
}

func (rt *RouteTable) removeTarget(t Target) {
	rt.routes = slices.DeleteFunc(rt.routes, func(r *Route) bool { return r.target == t })
	rt.rebuild()
}

// rebuild compiles the table into longest-prefix-first lists. Among equal
// prefixes a static CIDR route wins over a prefix-list route (AWS route
// priority); the local route of a block is always present.
func (rt *RouteTable) rebuild() {
	v := rt.vpc
	rt.local = rt.local[:0]
	for _, c := range v.cidrs {
		rt.local = append(rt.local, &Route{dst: c})
	}
	if v.ipv6.IsValid() {
		rt.local = append(rt.local, &Route{dst: v.ipv6})
	}
	rt.fib4, rt.fib6 = rt.fib4[:0], rt.fib6[:0]
	add := func(p netip.Prefix, r *Route, pl bool) {
		e := fibEntry{p: p, bits: p.Bits(), pl: pl, route: r}
		if p.Addr().Is4() {
			e.c4 = v4Of(p)
			rt.fib4 = append(rt.fib4, e)
		} else {
			rt.fib6 = append(rt.fib6, e)
		}
	}
	for _, r := range rt.local {
		add(r.dst, r, false)
	}
	for _, r := range rt.routes {
		if r.pl != nil {
			for _, c := range r.pl.cidrs {
				add(c, r, true)
			}
			continue
		}
		add(r.dst, r, false)
	}
	order := func(a, b fibEntry) int {
		if c := cmp.Compare(b.bits, a.bits); c != 0 {
			return c
		}
		if a.pl != b.pl {
			if a.pl {
				return 1
			}
			return -1
		}
		return 0
	}
	slices.SortStableFunc(rt.fib4, order)
	slices.SortStableFunc(rt.fib6, order)
}

// lookup returns the longest-prefix match for a, or nil.
func (rt *RouteTable) lookup(a netip.Addr) *fibEntry {
	if a.Is4() {
		x := u32(a.As4())
		for i := range rt.fib4 {
			if rt.fib4[i].c4.contains(x) {
				return &rt.fib4[i]
			}
		}
		return nil
	}
	for i := range rt.fib6 {
		if rt.fib6[i].p.Contains(a) {
			return &rt.fib6[i]
		}
	}
	return nil
}

// Lookup returns the route longest-prefix match picks for destination a,
// and the matched block (a prefix-list route matches one of its blocks).
func (rt *RouteTable) Lookup(a netip.Addr) (*Route, netip.Prefix, bool) {
	e := rt.lookup(a)
	if e == nil {
		return nil, netip.Prefix{}, false
	}
	return e.route, e.p, true
}
