package vpc

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"github.com/nimbus-sim/nimbus/geo"
)

// VPCConfig describes a VPC (CreateVpc).
type VPCConfig struct {
	// Name is the Name tag; it appears in error messages.
	Name string
	// Region is the region code, such as "us-east-1".
	Region string
	// CidrBlock is the primary IPv4 block, /16 to /28, such as "10.0.0.0/16".
	CidrBlock string
	// SecondaryCidrBlocks are associated after the primary, in order, with
	// AssociateCidrBlock's rules.
	SecondaryCidrBlocks []string
	// AmazonProvidedIpv6CidrBlock asks for a /56 from the network's IPv6 pool.
	AmazonProvidedIpv6CidrBlock bool
	// EnableDnsHostnames gives ENIs DNS hostnames (AWS default false for a
	// non-default VPC); interface-endpoint private DNS needs it.
	EnableDnsHostnames bool
	// DisableDnsSupport turns off the Amazon-provided resolver (AWS's
	// enableDnsSupport defaults to true, so the zero value keeps it on).
	DisableDnsSupport bool
	// Tags are cost-allocation tags copied onto line items.
	Tags map[string]string
}

// VPC is a virtual private cloud: its CIDR blocks, subnets, route tables,
// NACLs, security groups and gateways.
type VPC struct {
	n      *Network
	id     string
	name   string
	region string
	cidrs  []netip.Prefix // primary first
	ipv6   netip.Prefix   // invalid when the VPC has no IPv6 block
	dns    bool
	hosts  bool
	tags   map[string]string

	subnets     []*Subnet
	routeTables []*RouteTable
	main        *RouteTable
	acls        []*NetworkACL
	defaultACL  *NetworkACL
	sgs         []*SecurityGroup
	defaultSG   *SecurityGroup
	igw         *InternetGateway
	vgw         *VpnGateway
	nats        []*NatGateway
	endpoints   []*Endpoint
	addrs       map[netip.Addr]*NetworkInterface
	seq         uint32 // cache-key number
}

// CreateVPC creates a VPC with its main route table, default network ACL
// (allow all) and default security group, as AWS does.
func (n *Network) CreateVPC(cfg VPCConfig) (*VPC, error) {
	what := fmt.Sprintf("vpc: VPC %q", cfg.Name)
	if err := validRegion(cfg.Region); err != nil {
		return nil, fmt.Errorf("%s: Region: %w", what, err)
	}
	primary, err := parseIPv4Block(cfg.CidrBlock, what+": CidrBlock")
	if err != nil {
		return nil, err
	}
	if pfxLinkLocal.Overlaps(primary) {
		return nil, fmt.Errorf("%s: CidrBlock %s: 169.254.0.0/16 is not allowed: %w", what, primary, ErrInvalidConfig)
	}
	v := &VPC{
		n: n, id: n.s.NewID("vpc"), name: cfg.Name, region: cfg.Region,
		cidrs: []netip.Prefix{primary}, dns: !cfg.DisableDnsSupport, hosts: cfg.EnableDnsHostnames,
		tags: maps.Clone(cfg.Tags), addrs: map[netip.Addr]*NetworkInterface{},
	}
	for i, c := range cfg.SecondaryCidrBlocks {
		if err := v.associate(c, fmt.Sprintf("%s: SecondaryCidrBlocks[%d]", what, i)); err != nil {
			return nil, err
		}
	}
	if cfg.AmazonProvidedIpv6CidrBlock {
		p, err := n.allocIPv6()
		if err != nil {
			return nil, fmt.Errorf("%s: AmazonProvidedIpv6CidrBlock: %w", what, err)
		}
		v.ipv6 = p
	}
	v.main = &RouteTable{vpc: v, id: n.s.NewID("rtb"), name: "main", main: true}
	v.routeTables = append(v.routeTables, v.main)
	v.defaultACL = newDefaultACL(v)
	v.acls = append(v.acls, v.defaultACL)
	v.defaultSG = newDefaultSG(v)
	v.sgs = append(v.sgs, v.defaultSG)
	n.seq++
	v.seq = n.seq
	n.vpcs = append(n.vpcs, v)
	v.main.rebuild()
	n.changed()
	n.trace("CreateVpc", v.id, fieldName(cfg.Name), fieldCIDR(primary))
	return v, nil
}

// AssociateCidrBlock adds a secondary IPv4 block with AWS's rules: /16 to
// /28, no overlap with the VPC's blocks, not 169.254.0.0/16, no second
// RFC 1918 range or 198.19.0.0/16 beside an RFC 1918 primary (and not
// 172.31.0.0/16 beside a 172.16.0.0/12 primary), not the same as or larger
// than any route destination, and within CidrBlocksPerVPC. Every route
// table gets its local route at once.
func (v *VPC) AssociateCidrBlock(cidr string) error {
	if err := v.associate(cidr, fmt.Sprintf("vpc: VPC %q: CidrBlock", v.name)); err != nil {
		return err
	}
	for _, rt := range v.routeTables {
		rt.rebuild()
	}
	v.n.changed()
	v.n.trace("AssociateVpcCidrBlock", v.id, fieldCIDR(v.cidrs[len(v.cidrs)-1]))
	return nil
}

func (v *VPC) associate(cidr, what string) error {
	p, err := parseIPv4Block(cidr, what)
	if err != nil {
		return err
	}
	if len(v.cidrs) >= v.n.limits.CidrBlocksPerVPC {
		return fmt.Errorf("%s %s: VPC already has %d blocks (CidrBlocksPerVPC): %w", what, p, len(v.cidrs), ErrLimitExceeded)
	}
	for _, c := range v.cidrs {
		if c.Overlaps(p) {
			return fmt.Errorf("%s %s: overlaps VPC block %s: %w", what, p, c, ErrInvalidConfig)
		}
	}
	if pfxLinkLocal.Overlaps(p) {
		return fmt.Errorf("%s %s: 169.254.0.0/16 is not allowed: %w", what, p, ErrInvalidConfig)
	}
	if prim := rfc1918(v.cidrs[0]); prim != "" {
		if r := rfc1918(p); r != "" && r != prim {
			return fmt.Errorf("%s %s: a second RFC 1918 range is not allowed beside primary %s: %w", what, p, v.cidrs[0], ErrInvalidConfig)
		}
		if pfx198_19.Overlaps(p) {
			return fmt.Errorf("%s %s: 198.19.0.0/16 is not allowed beside an RFC 1918 primary: %w", what, p, ErrInvalidConfig)
		}
		if prim == "172" && pfx172_31.Overlaps(p) {
			return fmt.Errorf("%s %s: 172.31.0.0/16 is not allowed beside primary %s: %w", what, p, v.cidrs[0], ErrInvalidConfig)
		}
	}
	for _, rt := range v.routeTables {
		for _, r := range rt.routes {
			if r.dst.IsValid() && r.dst.Addr().Is4() && p.Bits() <= r.dst.Bits() && p.Contains(r.dst.Addr()) {
				return fmt.Errorf("%s %s: same as or larger than route %s in %s: %w", what, p, r.dst, rt.id, ErrInvalidConfig)
			}
		}
	}
	v.cidrs = append(v.cidrs, p)
	return nil
}

// ID returns the VPC ID (vpc-…).
func (v *VPC) ID() string { return v.id }

// Name returns the VPC's Name tag.
func (v *VPC) Name() string { return v.name }

// Region returns the region code.
func (v *VPC) Region() string { return v.region }

// Network returns the network the VPC belongs to.
func (v *VPC) Network() *Network { return v.n }

// CIDRs returns the IPv4 blocks, primary first.
func (v *VPC) CIDRs() []netip.Prefix { return slices.Clone(v.cidrs) }

// PrimaryCIDR returns the primary IPv4 block.
func (v *VPC) PrimaryCIDR() netip.Prefix { return v.cidrs[0] }

// IPv6CIDR returns the VPC's /56, if it has one.
func (v *VPC) IPv6CIDR() (netip.Prefix, bool) { return v.ipv6, v.ipv6.IsValid() }

// ResolverAddr returns the Amazon-provided DNS server address: the base
// of the primary CIDR plus two (10.0.0.2 in 10.0.0.0/16). Route 53
// resolvers listen here; SGs and NACLs cannot block it.
func (v *VPC) ResolverAddr() netip.Addr {
	return addrOf(u32(v.cidrs[0].Addr().As4()) + 2)
}

// EnableDnsSupport reports whether the Amazon-provided resolver answers.
func (v *VPC) EnableDnsSupport() bool { return v.dns }

// EnableDnsHostnames reports whether ENIs get DNS hostnames.
func (v *VPC) EnableDnsHostnames() bool { return v.hosts }

// Contains reports whether a lies inside one of the VPC's blocks (IPv4 or IPv6).
func (v *VPC) Contains(a netip.Addr) bool {
	if a.Is4() {
		for _, c := range v.cidrs {
			if c.Contains(a) {
				return true
			}
		}
		return false
	}
	return v.ipv6.IsValid() && v.ipv6.Contains(a)
}

// Subnets returns the VPC's subnets in creation order.
func (v *VPC) Subnets() []*Subnet { return slices.Clone(v.subnets) }

// SubnetsInAZ returns the VPC's subnets in one AZ, in creation order.
func (v *VPC) SubnetsInAZ(az string) []*Subnet {
	var out []*Subnet
	for _, s := range v.subnets {
		if s.az == az {
			out = append(out, s)
		}
	}
	return out
}

// AZs returns the AZs the VPC has subnets in, sorted.
func (v *VPC) AZs() []string {
	var out []string
	for _, s := range v.subnets {
		if !slices.Contains(out, s.az) {
			out = append(out, s.az)
		}
	}
	slices.Sort(out)
	return out
}

// MainRouteTable returns the main route table.
func (v *VPC) MainRouteTable() *RouteTable { return v.main }

// RouteTables returns the VPC's route tables, main first.
func (v *VPC) RouteTables() []*RouteTable { return slices.Clone(v.routeTables) }

// DefaultNetworkACL returns the default NACL (allows all).
func (v *VPC) DefaultNetworkACL() *NetworkACL { return v.defaultACL }

// DefaultSecurityGroup returns the security group named "default".
func (v *VPC) DefaultSecurityGroup() *SecurityGroup { return v.defaultSG }

// InternetGateway returns the attached IGW, if any.
func (v *VPC) InternetGateway() (*InternetGateway, bool) { return v.igw, v.igw != nil }

// InterfaceAt returns the ENI holding private address a in this VPC.
func (v *VPC) InterfaceAt(a netip.Addr) (*NetworkInterface, bool) {
	e, ok := v.addrs[a]
	return e, ok
}

// NextFreeCIDR returns the first /bits block inside the VPC's IPv4 blocks
// that no subnet uses, for carving subnets without arithmetic by hand.
func (v *VPC) NextFreeCIDR(bits int) (netip.Prefix, error) {
	if bits < MinIPv4PrefixLen || bits > MaxIPv4PrefixLen {
		return netip.Prefix{}, fmt.Errorf("vpc: VPC %q: NextFreeCIDR /%d outside /%d../%d: %w", v.name, bits, MinIPv4PrefixLen, MaxIPv4PrefixLen, ErrInvalidConfig)
	}
	var taken []netip.Prefix
	for _, s := range v.subnets {
		taken = append(taken, s.cidr)
	}
	var last error
	for _, c := range v.cidrs {
		if bits < c.Bits() {
			continue
		}
		p, err := Carve(c, bits, taken)
		if err == nil {
			return p, nil
		}
		last = err
	}
	if last == nil {
		last = fmt.Errorf("no VPC block is as large as /%d: %w", bits, ErrAddressExhausted)
	}
	return netip.Prefix{}, fmt.Errorf("vpc: VPC %q: NextFreeCIDR: %w", v.name, last)
}

func (n *Network) allocIPv6() (netip.Prefix, error) {
	slots := uint64(1) << min(VPCIPv6PrefixLen-n.ipv6Pool.Bits(), 63)
	if n.nextIPv6 >= slots {
		return netip.Prefix{}, fmt.Errorf("IPv6Pool %s exhausted: %w", n.ipv6Pool, ErrAddressExhausted)
	}
	a := n.ipv6Pool.Addr().As16()
	// The /56 index occupies the bits between the pool length and 56.
	idx := n.nextIPv6 << (64 - VPCIPv6PrefixLen)
	for i := 0; i < 8; i++ {
		a[7-i] |= byte(idx >> (8 * i))
	}
	n.nextIPv6++
	return netip.PrefixFrom(netip.AddrFrom16(a), VPCIPv6PrefixLen), nil
}

// validRegion checks r is a region geo knows.
func validRegion(r string) error {
	if _, ok := geo.LookupRegion(r); !ok {
		return fmt.Errorf("%q is not a known AWS region code: %w", r, ErrInvalidConfig)
	}
	return nil
}

// azInRegion checks az is one of region's AZs in geo.
func azInRegion(az, region string) error {
	r, ok := geo.RegionOfAZ(az)
	if !ok || r.Code != region {
		return fmt.Errorf("%q is not an AZ of region %s: %w", az, region, ErrInvalidConfig)
	}
	return nil
}

// InternetGateway is an IGW attached to one VPC. It adds no bandwidth
// limit and costs nothing.
type InternetGateway struct {
	vpc      *VPC
	id       string
	detached bool
}

// ID returns the IGW ID (igw-…).
func (g *InternetGateway) ID() string { return g.id }

// AttachInternetGateway creates an IGW and attaches it; a VPC has at most one.
func (v *VPC) AttachInternetGateway() (*InternetGateway, error) {
	if v.igw != nil {
		return nil, fmt.Errorf("vpc: VPC %q: InternetGateway: %s already attached (one per VPC): %w", v.name, v.igw.id, ErrLimitExceeded)
	}
	v.igw = &InternetGateway{vpc: v, id: v.n.s.NewID("igw")}
	v.n.changed()
	v.n.trace("AttachInternetGateway", v.igw.id, fieldVPC(v))
	return v.igw, nil
}

// DetachInternetGateway detaches and deletes the IGW; routes to it become
// blackholes. Public NAT gateways still in the VPC make it fail, as AWS
// refuses to detach while public addresses are mapped.
func (v *VPC) DetachInternetGateway() error {
	if v.igw == nil {
		return fmt.Errorf("vpc: VPC %q: no internet gateway attached: %w", v.name, ErrNotFound)
	}
	for _, nat := range v.nats {
		if !nat.deleted && nat.public {
			return fmt.Errorf("vpc: VPC %q: InternetGateway %s: public NAT gateway %s still uses it: %w", v.name, v.igw.id, nat.id, ErrDependencyViolation)
		}
	}
	v.igw.detached = true
	v.n.trace("DetachInternetGateway", v.igw.id, fieldVPC(v))
	v.igw = nil
	for _, rt := range v.routeTables {
		rt.rebuild()
	}
	v.n.changed()
	return nil
}

// VpnGateway is a virtual private gateway (vgw-…) standing for a
// Site-to-Site VPN or Direct Connect link to on-premises networks.
type VpnGateway struct {
	vpc    *VPC
	id     string
	onPrem []netip.Prefix
}

// ID returns the VGW ID (vgw-…).
func (g *VpnGateway) ID() string { return g.id }

// OnPremises returns the on-premises blocks behind the gateway.
func (g *VpnGateway) OnPremises() []netip.Prefix { return slices.Clone(g.onPrem) }

// AttachVpnGateway attaches a VGW whose far side holds the given
// on-premises CIDR blocks (one VGW per VPC). Routes to it are static;
// BGP propagation is not modelled.
func (v *VPC) AttachVpnGateway(onPremCIDRs ...string) (*VpnGateway, error) {
	if v.vgw != nil {
		return nil, fmt.Errorf("vpc: VPC %q: VpnGateway: %s already attached: %w", v.name, v.vgw.id, ErrLimitExceeded)
	}
	g := &VpnGateway{vpc: v}
	for i, c := range onPremCIDRs {
		p, err := ParseCIDR(c)
		if err != nil {
			return nil, fmt.Errorf("vpc: VPC %q: VpnGateway OnPremises[%d]: %w", v.name, i, err)
		}
		if slices.ContainsFunc(v.cidrs, p.Overlaps) {
			return nil, fmt.Errorf("vpc: VPC %q: VpnGateway OnPremises[%d] %s overlaps the VPC: %w", v.name, i, p, ErrInvalidConfig)
		}
		g.onPrem = append(g.onPrem, p)
	}
	g.id = v.n.s.NewID("vgw")
	v.vgw = g
	v.n.changed()
	v.n.trace("AttachVpnGateway", g.id, fieldVPC(v))
	return g, nil
}
