package vpc

import (
	"fmt"
	"maps"
	"math/bits"
	"net/netip"
	"slices"
)

// SubnetConfig describes a subnet (CreateSubnet).
type SubnetConfig struct {
	// Name is the Name tag; it appears in error messages.
	Name string
	// AvailabilityZone is an AZ of the VPC's region, such as "us-east-1a".
	AvailabilityZone string
	// CidrBlock is the IPv4 block, /16 to /28, inside one of the VPC's
	// blocks and overlapping no other subnet.
	CidrBlock string
	// Ipv6CidrBlock is an optional /64 inside the VPC's IPv6 /56.
	Ipv6CidrBlock string
	// AssignIpv6CidrBlock takes the next free /64 of the VPC's /56 when
	// Ipv6CidrBlock is empty.
	AssignIpv6CidrBlock bool
	// MapPublicIpOnLaunch tells launchers (ec2) to give new instances a
	// public IPv4 address; the subnet itself does not act on it.
	MapPublicIpOnLaunch bool
	// Tags are cost-allocation tags.
	Tags map[string]string
}

// Subnet is a range of a VPC in one AZ. It allocates private IPv4
// addresses deterministically: the lowest free address first (AWS picks
// addresses its own way; tests must not depend on AWS's choice anyway).
type Subnet struct {
	vpc       *VPC
	id        string
	name      string
	az        string
	cidr      netip.Prefix
	base      uint32
	ipv6      netip.Prefix
	mapPublic bool
	tags      map[string]string

	used  []uint64 // bit i set: base+i is taken (reserved or allocated)
	free  int
	hint  int // no zero bit below word hint
	next6 uint64
	free6 []netip.Addr

	rt   *RouteTable // nil: the VPC's main table
	acl  *NetworkACL
	enis []*NetworkInterface
}

// CreateSubnet creates a subnet; it is associated with the main route
// table and the default network ACL.
func (v *VPC) CreateSubnet(cfg SubnetConfig) (*Subnet, error) {
	what := fmt.Sprintf("vpc: VPC %q: subnet %q", v.name, cfg.Name)
	if len(v.subnets) >= v.n.limits.SubnetsPerVPC {
		return nil, fmt.Errorf("%s: VPC has %d subnets (SubnetsPerVPC): %w", what, len(v.subnets), ErrLimitExceeded)
	}
	if err := v.n.checkAZ(cfg.AvailabilityZone, v.region); err != nil {
		return nil, fmt.Errorf("%s: AvailabilityZone: %w", what, err)
	}
	p, err := parseIPv4Block(cfg.CidrBlock, what+": CidrBlock")
	if err != nil {
		return nil, err
	}
	inside := false
	for _, c := range v.cidrs {
		if c.Bits() <= p.Bits() && c.Contains(p.Addr()) {
			inside = true
		}
	}
	if !inside {
		return nil, fmt.Errorf("%s: CidrBlock %s is not inside the VPC's blocks %v: %w", what, p, v.cidrs, ErrInvalidConfig)
	}
	for _, o := range v.subnets {
		if o.cidr.Overlaps(p) {
			return nil, fmt.Errorf("%s: CidrBlock %s overlaps subnet %q (%s): %w", what, p, o.name, o.cidr, ErrInvalidConfig)
		}
	}
	s := &Subnet{
		vpc: v, name: cfg.Name, az: cfg.AvailabilityZone, cidr: p,
		base: u32(p.Addr().As4()), mapPublic: cfg.MapPublicIpOnLaunch, tags: maps.Clone(cfg.Tags), acl: v.defaultACL,
	}
	switch {
	case cfg.Ipv6CidrBlock != "":
		p6, err := ParseCIDR(cfg.Ipv6CidrBlock)
		if err != nil {
			return nil, fmt.Errorf("%s: Ipv6CidrBlock: %w", what, err)
		}
		if !v.ipv6.IsValid() || p6.Bits() != SubnetIPv6Len || !v.ipv6.Contains(p6.Addr()) {
			return nil, fmt.Errorf("%s: Ipv6CidrBlock %s is not a /64 inside the VPC's IPv6 block: %w", what, p6, ErrInvalidConfig)
		}
		for _, o := range v.subnets {
			if o.ipv6.IsValid() && o.ipv6.Overlaps(p6) {
				return nil, fmt.Errorf("%s: Ipv6CidrBlock %s overlaps subnet %q: %w", what, p6, o.name, ErrInvalidConfig)
			}
		}
		s.ipv6 = p6
	case cfg.AssignIpv6CidrBlock:
		if !v.ipv6.IsValid() {
			return nil, fmt.Errorf("%s: AssignIpv6CidrBlock: the VPC has no IPv6 block: %w", what, ErrInvalidConfig)
		}
		var taken []netip.Prefix
		for _, o := range v.subnets {
			if o.ipv6.IsValid() {
				taken = append(taken, o.ipv6)
			}
		}
		p6, err := Carve(v.ipv6, SubnetIPv6Len, taken)
		if err != nil {
			return nil, fmt.Errorf("%s: AssignIpv6CidrBlock: %w", what, err)
		}
		s.ipv6 = p6
	}
	size := 1 << (32 - p.Bits())
	s.used = make([]uint64, (size+63)/64)
	for _, off := range []int{0, 1, 2, 3, size - 1} {
		s.used[off/64] |= 1 << (off % 64)
	}
	s.free = size - ReservedPerSubnet
	s.id = v.n.s.NewID("subnet")
	v.subnets = append(v.subnets, s)
	v.n.changed()
	v.n.trace("CreateSubnet", s.id, fieldVPC(v), fieldName(cfg.Name), fieldCIDR(p), fieldAZ(s.az))
	return s, nil
}

// Delete deletes a subnet that holds no ENIs (AWS DeleteSubnet); NAT
// gateways and endpoint ENIs count.
func (s *Subnet) Delete() error {
	if len(s.enis) > 0 {
		return fmt.Errorf("vpc: subnet %q (%s): network interface %s still uses it: %w", s.name, s.id, s.enis[0].id, ErrDependencyViolation)
	}
	v := s.vpc
	v.subnets = slices.DeleteFunc(v.subnets, func(x *Subnet) bool { return x == s })
	v.n.changed()
	v.n.trace("DeleteSubnet", s.id)
	return nil
}

// ID returns the subnet ID (subnet-…).
func (s *Subnet) ID() string { return s.id }

// Name returns the subnet's Name tag.
func (s *Subnet) Name() string { return s.name }

// AZ returns the subnet's Availability Zone name.
func (s *Subnet) AZ() string { return s.az }

// CIDR returns the subnet's IPv4 block.
func (s *Subnet) CIDR() netip.Prefix { return s.cidr }

// IPv6CIDR returns the subnet's /64, if it has one.
func (s *Subnet) IPv6CIDR() (netip.Prefix, bool) { return s.ipv6, s.ipv6.IsValid() }

// VPC returns the subnet's VPC.
func (s *Subnet) VPC() *VPC { return s.vpc }

// Tags returns a copy of the subnet's tags.
func (s *Subnet) Tags() map[string]string { return maps.Clone(s.tags) }

// MapPublicIpOnLaunch reports whether launches should get a public IPv4.
func (s *Subnet) MapPublicIpOnLaunch() bool { return s.mapPublic }

// AvailableIpAddressCount returns the free private IPv4 addresses.
func (s *Subnet) AvailableIpAddressCount() int { return s.free }

// RouteTable returns the route table the subnet uses (explicit or main).
func (s *Subnet) RouteTable() *RouteTable {
	if s.rt != nil {
		return s.rt
	}
	return s.vpc.main
}

// NetworkACL returns the subnet's network ACL.
func (s *Subnet) NetworkACL() *NetworkACL { return s.acl }

// IsPublic reports whether the subnet's route table has an active route
// to an internet gateway, AWS's definition of a public subnet.
func (s *Subnet) IsPublic() bool {
	for _, r := range s.RouteTable().routes {
		if _, ok := r.target.(*InternetGateway); ok && r.active() {
			return true
		}
	}
	return false
}

// NetworkInterfaces returns the subnet's ENIs in creation order.
func (s *Subnet) NetworkInterfaces() []*NetworkInterface { return slices.Clone(s.enis) }

// AllocateIP takes the lowest free private IPv4 address for a launcher
// such as ec2, which places instances by subnet. The address goes to a new
// ENI in the VPC's default security group, so flows to it can be
// evaluated; find it with VPC.InterfaceAt to change its groups. When no
// address is left it fails with an error wrapping ErrAddressExhausted: a
// /24 holds 251.
func (s *Subnet) AllocateIP() (netip.Addr, error) {
	if s.free == 0 {
		_, err := s.alloc()
		return netip.Addr{}, err
	}
	e, err := s.createENI(NetworkInterfaceConfig{Description: "AllocateIP"}, InterfaceTypeInterface)
	if err != nil {
		return netip.Addr{}, err
	}
	e.implicit = true
	return e.primary, nil
}

func (s *Subnet) alloc() (netip.Addr, error) {
	if s.free == 0 {
		return netip.Addr{}, fmt.Errorf("vpc: subnet %q (%s, %s): all %d usable addresses are in use: %w",
			s.name, s.id, s.cidr, Usable(s.cidr), ErrAddressExhausted)
	}
	for w := s.hint; w < len(s.used); w++ {
		if x := s.used[w]; x != ^uint64(0) {
			b := bits.TrailingZeros64(^x)
			s.used[w] |= 1 << b
			s.hint = w
			s.free--
			return addrOf(s.base + uint32(w*64+b)), nil
		}
	}
	panic("vpc: subnet free count disagrees with its bitmap")
}

// take marks a specific address as used. It fails when the address is
// outside the subnet, reserved or already in use.
func (s *Subnet) take(a netip.Addr, what string) error {
	off, ok := s.offset(a)
	if !ok {
		return fmt.Errorf("%s %s: not in subnet %q (%s): %w", what, a, s.name, s.cidr, ErrInvalidConfig)
	}
	size := 1 << (32 - s.cidr.Bits())
	if off < 4 || off == size-1 {
		return fmt.Errorf("%s %s: reserved address of subnet %q: %w", what, a, s.name, ErrInvalidConfig)
	}
	if s.used[off/64]&(1<<(off%64)) != 0 {
		return fmt.Errorf("%s %s: already in use in subnet %q: %w", what, a, s.name, ErrInvalidConfig)
	}
	s.used[off/64] |= 1 << (off % 64)
	s.free--
	return nil
}

func (s *Subnet) offset(a netip.Addr) (int, bool) {
	if !a.Is4() || !s.cidr.Contains(a) {
		return 0, false
	}
	return int(u32(a.As4()) - s.base), true
}

// ReleaseIP returns an address taken with AllocateIP, deleting its ENI.
// It ignores any other address (delete or unassign through the ENI
// instead).
func (s *Subnet) ReleaseIP(a netip.Addr) {
	if e, ok := s.vpc.addrs[a]; ok && e.implicit && e.subnet == s && e.primary == a {
		_ = e.Delete()
	}
}

func (s *Subnet) release(a netip.Addr) bool {
	off, ok := s.offset(a)
	size := 1 << (32 - s.cidr.Bits())
	if !ok || off < 4 || off == size-1 || s.used[off/64]&(1<<(off%64)) == 0 {
		return false
	}
	s.used[off/64] &^= 1 << (off % 64)
	s.free++
	s.hint = min(s.hint, off/64)
	return true
}

// allocIPv6 takes the next IPv6 address of the subnet's /64, skipping the
// first four (reserved like IPv4's).
func (s *Subnet) allocIPv6() (netip.Addr, error) {
	if !s.ipv6.IsValid() {
		return netip.Addr{}, fmt.Errorf("vpc: subnet %q: Ipv6AddressCount: the subnet has no IPv6 block: %w", s.name, ErrInvalidConfig)
	}
	if k := len(s.free6); k > 0 {
		slices.SortFunc(s.free6, netip.Addr.Compare)
		a := s.free6[0]
		s.free6 = s.free6[1:]
		return a, nil
	}
	a := s.ipv6.Addr().As16()
	x := s.next6 + 4
	for i := 0; i < 8; i++ {
		a[15-i] = byte(x >> (8 * i))
	}
	s.next6++
	return netip.AddrFrom16(a), nil
}

// checkAZ validates an AZ name against a region using geo's AZ lists.
func (n *Network) checkAZ(az, region string) error {
	if az == "" {
		return fmt.Errorf("AvailabilityZone is empty: %w", ErrInvalidConfig)
	}
	return azInRegion(az, region)
}
