package vpc

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
)

// InterfaceType says who manages an ENI, like AWS's InterfaceType.
type InterfaceType uint8

// ENI types.
const (
	// InterfaceTypeInterface is an ordinary ENI (instances, load balancer nodes).
	InterfaceTypeInterface InterfaceType = iota
	// InterfaceTypeNatGateway is a NAT gateway's ENI; it takes no security groups.
	InterfaceTypeNatGateway
	// InterfaceTypeVpcEndpoint is an interface endpoint's ENI in one AZ.
	InterfaceTypeVpcEndpoint
)

// String returns AWS's InterfaceType value.
func (t InterfaceType) String() string {
	switch t {
	case InterfaceTypeNatGateway:
		return "nat_gateway"
	case InterfaceTypeVpcEndpoint:
		return "vpc_endpoint"
	}
	return "interface"
}

// NetworkInterfaceConfig describes an ENI (CreateNetworkInterface).
type NetworkInterfaceConfig struct {
	// Description is free text; it appears in error messages.
	Description string
	// PrivateIpAddress asks for a specific primary address; empty takes
	// the subnet's lowest free one.
	PrivateIpAddress string
	// SecondaryPrivateIpAddressCount adds this many secondary addresses.
	SecondaryPrivateIpAddressCount int
	// Ipv6AddressCount assigns this many addresses from the subnet's /64.
	Ipv6AddressCount int
	// SecurityGroups attach to the ENI; empty means the VPC's default SG.
	SecurityGroups []*SecurityGroup
	// AssociatePublicIpAddress gives the ENI an auto-assigned public IPv4
	// address from the network's pool (billed per hour, like AWS since 2024).
	AssociatePublicIpAddress bool
	// DisableSourceDestCheck lets the ENI forward traffic not addressed to
	// it, as a NAT instance or firewall appliance needs.
	DisableSourceDestCheck bool
	// Tags are cost-allocation tags.
	Tags map[string]string
}

// NetworkInterface is an ENI: private addresses in one subnet, security
// groups, and optionally a public IPv4 address or Elastic IP.
type NetworkInterface struct {
	subnet    *Subnet
	id        string
	desc      string
	typ       InterfaceType
	primary   netip.Addr
	secondary []netip.Addr
	ipv6      []netip.Addr
	sgs       []*SecurityGroup
	public    netip.Addr // auto-assigned public IPv4
	pubUsage  int        // hourly usage index of the auto-assigned address
	eip       *ElasticIP
	srcDst    bool
	deleted   bool
	tags      map[string]string
	nat       *NatGateway
	endpoint  *Endpoint
	seq       uint32 // cache-key number
	implicit  bool   // created by Subnet.AllocateIP
}

// CreateNetworkInterface creates an ENI in the subnet.
func (s *Subnet) CreateNetworkInterface(cfg NetworkInterfaceConfig) (*NetworkInterface, error) {
	return s.createENI(cfg, InterfaceTypeInterface)
}

func (s *Subnet) createENI(cfg NetworkInterfaceConfig, typ InterfaceType) (*NetworkInterface, error) {
	v := s.vpc
	what := fmt.Sprintf("vpc: subnet %q: network interface %q", s.name, cfg.Description)
	if cfg.SecondaryPrivateIpAddressCount < 0 || cfg.Ipv6AddressCount < 0 {
		return nil, fmt.Errorf("%s: negative address count: %w", what, ErrInvalidConfig)
	}
	sgs := cfg.SecurityGroups
	if len(sgs) == 0 && typ != InterfaceTypeNatGateway {
		sgs = []*SecurityGroup{v.defaultSG}
	}
	if err := v.checkSGs(sgs, what+": SecurityGroups"); err != nil {
		return nil, err
	}
	if 1+cfg.SecondaryPrivateIpAddressCount > s.free && cfg.PrivateIpAddress == "" {
		return nil, fmt.Errorf("%s: needs %d addresses, subnet %q (%s) has %d free: %w",
			what, 1+cfg.SecondaryPrivateIpAddressCount, s.name, s.id, s.free, ErrAddressExhausted)
	}
	e := &NetworkInterface{subnet: s, desc: cfg.Description, typ: typ, srcDst: !cfg.DisableSourceDestCheck,
		sgs: slices.Clone(sgs), tags: maps.Clone(cfg.Tags), pubUsage: -1}
	var got []netip.Addr
	undo := func() {
		for _, a := range got {
			s.release(a)
		}
	}
	if cfg.PrivateIpAddress != "" {
		a, err := netip.ParseAddr(cfg.PrivateIpAddress)
		if err != nil {
			return nil, fmt.Errorf("%s: PrivateIpAddress %q: %v: %w", what, cfg.PrivateIpAddress, err, ErrInvalidConfig)
		}
		if err := s.take(a, what+": PrivateIpAddress"); err != nil {
			return nil, err
		}
		got = append(got, a)
	}
	for len(got) < 1+cfg.SecondaryPrivateIpAddressCount {
		a, err := s.alloc()
		if err != nil {
			undo()
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		got = append(got, a)
	}
	for range cfg.Ipv6AddressCount {
		a, err := s.allocIPv6()
		if err != nil {
			undo()
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		e.ipv6 = append(e.ipv6, a)
	}
	e.primary, e.secondary = got[0], got[1:]
	e.id = v.n.s.NewID("eni")
	v.n.seq++
	e.seq = v.n.seq
	if cfg.AssociatePublicIpAddress {
		if _, err := e.assignPublic(); err != nil {
			undo()
			return nil, fmt.Errorf("%s: AssociatePublicIpAddress: %w", what, err)
		}
	}
	for _, a := range e.addrs() {
		v.addrs[a] = e
	}
	s.enis = append(s.enis, e)
	v.n.changed()
	v.n.trace("CreateNetworkInterface", e.id, fieldSubnet(s), fieldAddr(e.primary), fieldType(typ.String()))
	return e, nil
}

// addrs returns every private address of the ENI.
func (e *NetworkInterface) addrs() []netip.Addr {
	out := append([]netip.Addr{e.primary}, e.secondary...)
	return append(out, e.ipv6...)
}

// ID returns the ENI ID (eni-…).
func (e *NetworkInterface) ID() string { return e.id }

// Description returns the ENI's description.
func (e *NetworkInterface) Description() string { return e.desc }

// Type returns who manages the ENI.
func (e *NetworkInterface) Type() InterfaceType { return e.typ }

// Subnet returns the ENI's subnet.
func (e *NetworkInterface) Subnet() *Subnet { return e.subnet }

// VPC returns the ENI's VPC.
func (e *NetworkInterface) VPC() *VPC { return e.subnet.vpc }

// AZ returns the ENI's Availability Zone.
func (e *NetworkInterface) AZ() string { return e.subnet.az }

// PrivateIP returns the primary private IPv4 address.
func (e *NetworkInterface) PrivateIP() netip.Addr { return e.primary }

// SecondaryIPs returns the secondary private IPv4 addresses.
func (e *NetworkInterface) SecondaryIPs() []netip.Addr { return slices.Clone(e.secondary) }

// IPv6Addrs returns the ENI's IPv6 addresses.
func (e *NetworkInterface) IPv6Addrs() []netip.Addr { return slices.Clone(e.ipv6) }

// PublicIP returns the ENI's public IPv4 address (an Elastic IP if one is
// associated, else the auto-assigned one), if it has one.
func (e *NetworkInterface) PublicIP() (netip.Addr, bool) {
	if e.eip != nil {
		return e.eip.addr, true
	}
	return e.public, e.public.IsValid()
}

// SecurityGroups returns the ENI's security groups.
func (e *NetworkInterface) SecurityGroups() []*SecurityGroup { return slices.Clone(e.sgs) }

// SourceDestCheck reports whether the ENI drops traffic not addressed to it.
func (e *NetworkInterface) SourceDestCheck() bool { return e.srcDst }

// Deleted reports whether the ENI was deleted.
func (e *NetworkInterface) Deleted() bool { return e.deleted }

// TargetID returns the ENI ID, so an ENI can be a route target (an appliance).
func (e *NetworkInterface) TargetID() string { return e.id }

func (e *NetworkInterface) active() bool { return !e.deleted }

// AssignPublicIP gives the ENI an auto-assigned public IPv4 address from
// the network's pool, billed per hour until released, as AWS does when an
// instance with a public IP starts. It fails if the ENI already has a
// public address or an Elastic IP.
func (e *NetworkInterface) AssignPublicIP() (netip.Addr, error) {
	switch {
	case e.deleted:
		return netip.Addr{}, fmt.Errorf("vpc: network interface %s: deleted: %w", e.id, ErrInvalidState)
	case e.public.IsValid() || e.eip != nil:
		return netip.Addr{}, fmt.Errorf("vpc: network interface %s: already has a public address: %w", e.id, ErrInvalidState)
	}
	a, err := e.assignPublic()
	if err != nil {
		return netip.Addr{}, fmt.Errorf("vpc: network interface %s: AssignPublicIP: %w", e.id, err)
	}
	e.subnet.vpc.n.changed()
	return a, nil
}

// ReleasePublicIP returns the auto-assigned public address to the pool, as
// AWS does when an instance stops; an Elastic IP stays.
func (e *NetworkInterface) ReleasePublicIP() {
	if e.public.IsValid() {
		e.releasePublic()
		e.subnet.vpc.n.changed()
	}
}

func (e *NetworkInterface) assignPublic() (netip.Addr, error) {
	n := e.subnet.vpc.n
	a, err := n.allocPublic()
	if err != nil {
		return netip.Addr{}, err
	}
	e.public = a
	n.public[a] = e
	e.pubUsage = n.startHourly(e.id, "PublicIPv4:InUseAddress", e.subnet.vpc.region, n.prices.PublicIPv4Hour, 1, false, e.tags)
	return a, nil
}

func (e *NetworkInterface) releasePublic() {
	if !e.public.IsValid() {
		return
	}
	n := e.subnet.vpc.n
	delete(n.public, e.public)
	n.freePublic = append(n.freePublic, e.public)
	n.endHourly(e.pubUsage)
	e.public, e.pubUsage = netip.Addr{}, -1
}

// SetSecurityGroups replaces the ENI's security groups
// (ModifyNetworkInterfaceAttribute).
func (e *NetworkInterface) SetSecurityGroups(sgs ...*SecurityGroup) error {
	what := fmt.Sprintf("vpc: network interface %s: SecurityGroups", e.id)
	if e.typ == InterfaceTypeNatGateway {
		return fmt.Errorf("%s: a NAT gateway takes no security groups: %w", what, ErrInvalidConfig)
	}
	if len(sgs) == 0 {
		return fmt.Errorf("%s: at least one is required: %w", what, ErrInvalidConfig)
	}
	if err := e.subnet.vpc.checkSGs(sgs, what); err != nil {
		return err
	}
	e.sgs = slices.Clone(sgs)
	e.subnet.vpc.n.changed()
	return nil
}

// SetSourceDestCheck turns the source/destination check on or off.
func (e *NetworkInterface) SetSourceDestCheck(on bool) {
	e.srcDst = on
	e.subnet.vpc.n.changed()
}

// AssignPrivateIPs adds count secondary private addresses (the lowest free).
func (e *NetworkInterface) AssignPrivateIPs(count int) ([]netip.Addr, error) {
	s := e.subnet
	if e.deleted {
		return nil, fmt.Errorf("vpc: network interface %s: deleted: %w", e.id, ErrInvalidState)
	}
	if count < 1 || count > s.free {
		return nil, fmt.Errorf("vpc: network interface %s: AssignPrivateIPs %d: subnet %q has %d free: %w", e.id, count, s.name, s.free, ErrAddressExhausted)
	}
	out := make([]netip.Addr, 0, count)
	for range count {
		a, _ := s.alloc()
		out = append(out, a)
		s.vpc.addrs[a] = e
	}
	e.secondary = append(e.secondary, out...)
	s.vpc.n.changed()
	return out, nil
}

// UnassignPrivateIP releases one secondary private address.
func (e *NetworkInterface) UnassignPrivateIP(a netip.Addr) error {
	i := slices.Index(e.secondary, a)
	if i < 0 {
		return fmt.Errorf("vpc: network interface %s: UnassignPrivateIP %s: not a secondary address: %w", e.id, a, ErrNotFound)
	}
	e.secondary = slices.Delete(e.secondary, i, i+1)
	delete(e.subnet.vpc.addrs, a)
	e.subnet.release(a)
	e.subnet.vpc.n.changed()
	return nil
}

// Delete deletes the ENI, releasing its addresses; an associated Elastic
// IP is disassociated (not released). Routes to it become blackholes.
func (e *NetworkInterface) Delete() error {
	if e.deleted {
		return fmt.Errorf("vpc: network interface %s: already deleted: %w", e.id, ErrInvalidState)
	}
	n := e.subnet.vpc.n
	if e.eip != nil {
		e.eip.Disassociate()
	}
	e.releasePublic()
	for _, a := range e.addrs() {
		delete(e.subnet.vpc.addrs, a)
		e.subnet.release(a)
	}
	e.subnet.free6 = append(e.subnet.free6, e.ipv6...)
	e.subnet.enis = slices.DeleteFunc(e.subnet.enis, func(x *NetworkInterface) bool { return x == e })
	e.deleted = true
	n.changed()
	n.trace("DeleteNetworkInterface", e.id)
	return nil
}

func (e *NetworkInterface) hasSG(sg *SecurityGroup) bool {
	for _, g := range e.sgs {
		if g == sg {
			return true
		}
	}
	return false
}

// ElasticIP is a static public IPv4 address (eipalloc-…) that can move
// between ENIs. It is billed per hour whether associated or idle.
type ElasticIP struct {
	n        *Network
	id       string
	addr     netip.Addr
	eni      *NetworkInterface
	nat      *NatGateway
	usage    int
	released bool
}

// AllocateAddress allocates an Elastic IP from the public pool.
func (n *Network) AllocateAddress(region string) (*ElasticIP, error) {
	if err := validRegion(region); err != nil {
		return nil, fmt.Errorf("vpc: AllocateAddress: Region: %w", err)
	}
	a, err := n.allocPublic()
	if err != nil {
		return nil, fmt.Errorf("vpc: AllocateAddress: %w", err)
	}
	eip := &ElasticIP{n: n, id: n.s.NewID("eipalloc"), addr: a}
	eip.usage = n.startHourly(eip.id, "PublicIPv4:InUseAddress", region, n.prices.PublicIPv4Hour, 1, false, nil)
	n.eips = append(n.eips, eip)
	n.trace("AllocateAddress", eip.id, fieldAddr(a))
	return eip, nil
}

// ID returns the allocation ID (eipalloc-…).
func (eip *ElasticIP) ID() string { return eip.id }

// Addr returns the public IPv4 address.
func (eip *ElasticIP) Addr() netip.Addr { return eip.addr }

// NetworkInterface returns the associated ENI, if any.
func (eip *ElasticIP) NetworkInterface() (*NetworkInterface, bool) { return eip.eni, eip.eni != nil }

// Associate maps the address to an ENI's primary private address, moving
// it from any other ENI. The ENI's auto-assigned public address is
// released, as AWS does for eth0.
func (eip *ElasticIP) Associate(e *NetworkInterface) error {
	what := fmt.Sprintf("vpc: Elastic IP %s", eip.id)
	switch {
	case eip.released:
		return fmt.Errorf("%s: released: %w", what, ErrInvalidState)
	case eip.nat != nil:
		return fmt.Errorf("%s: in use by NAT gateway %s: %w", what, eip.nat.id, ErrDependencyViolation)
	case e == nil || e.deleted:
		return fmt.Errorf("%s: NetworkInterface is nil or deleted: %w", what, ErrInvalidConfig)
	case e.typ != InterfaceTypeInterface:
		return fmt.Errorf("%s: network interface %s is managed by AWS (%s): %w", what, e.id, e.typ, ErrInvalidConfig)
	}
	if eip.eni != nil {
		eip.Disassociate()
	}
	if e.eip != nil {
		e.eip.Disassociate()
	}
	n := eip.n
	e.releasePublic()
	eip.eni, e.eip = e, eip
	n.public[eip.addr] = e
	n.changed()
	n.trace("AssociateAddress", eip.id, fieldENI(e))
	return nil
}

// Disassociate unmaps the address; it stays allocated (and billed).
func (eip *ElasticIP) Disassociate() {
	if eip.eni == nil {
		return
	}
	delete(eip.n.public, eip.addr)
	eip.eni.eip = nil
	eip.n.trace("DisassociateAddress", eip.id, fieldENI(eip.eni))
	eip.eni = nil
	eip.n.changed()
}

// Release returns the address to the pool; it must not be associated.
func (eip *ElasticIP) Release() error {
	if eip.released {
		return fmt.Errorf("vpc: Elastic IP %s: already released: %w", eip.id, ErrInvalidState)
	}
	if eip.eni != nil || eip.nat != nil {
		return fmt.Errorf("vpc: Elastic IP %s: still associated: %w", eip.id, ErrDependencyViolation)
	}
	eip.released = true
	eip.n.freePublic = append(eip.n.freePublic, eip.addr)
	eip.n.endHourly(eip.usage)
	eip.n.eips = slices.DeleteFunc(eip.n.eips, func(x *ElasticIP) bool { return x == eip })
	eip.n.trace("ReleaseAddress", eip.id)
	return nil
}
