package vpc

import (
	"fmt"
	"net/netip"
	"slices"
)

// Connectivity types of a NAT gateway.
const (
	ConnectivityPublic  = "public"
	ConnectivityPrivate = "private"
)

// NatGatewayConfig describes a NAT gateway (CreateNatGateway).
type NatGatewayConfig struct {
	// Name is the Name tag.
	Name string
	// Subnet holds the gateway; a public gateway's subnet needs a route to
	// an internet gateway for traffic to get out.
	Subnet *Subnet
	// ConnectivityType is "public" (the default) or "private".
	ConnectivityType string
	// ElasticIP is the primary public address, required for a public
	// gateway and forbidden for a private one (AllocationId).
	ElasticIP *ElasticIP
	// SecondaryElasticIPs add up to 7 more addresses; each multiplies the
	// connections per destination.
	SecondaryElasticIPs []*ElasticIP
	// Tags are cost-allocation tags.
	Tags map[string]string
}

// NatGateway translates outbound traffic from private subnets. It accepts
// no inbound connections, takes no security groups, lives in one AZ, and
// is billed per hour and per GB processed. It is available at once (AWS
// takes a few minutes in "pending"; not modelled).
type NatGateway struct {
	vpc     *VPC
	id      string
	name    string
	subnet  *Subnet
	public  bool
	eni     *NetworkInterface
	eips    []*ElasticIP
	deleted bool
	usage   int

	conns         map[natDest]int
	openConns     int
	portAllocErrs uint64
	bytes         int64
}

type natDest struct {
	addr  netip.Addr
	port  uint16
	proto Protocol
}

// CreateNatGateway creates a NAT gateway with an ENI in the subnet.
func (v *VPC) CreateNatGateway(cfg NatGatewayConfig) (*NatGateway, error) {
	what := fmt.Sprintf("vpc: VPC %q: NAT gateway %q", v.name, cfg.Name)
	s := cfg.Subnet
	if s == nil || s.vpc != v {
		return nil, fmt.Errorf("%s: Subnet is not a subnet of the VPC: %w", what, ErrInvalidConfig)
	}
	ct := cfg.ConnectivityType
	if ct == "" {
		ct = ConnectivityPublic
	}
	public := ct == ConnectivityPublic
	switch {
	case ct != ConnectivityPublic && ct != ConnectivityPrivate:
		return nil, fmt.Errorf("%s: ConnectivityType %q is not public or private: %w", what, ct, ErrInvalidConfig)
	case public && cfg.ElasticIP == nil:
		return nil, fmt.Errorf("%s: ElasticIP is required for a public NAT gateway: %w", what, ErrInvalidConfig)
	case !public && (cfg.ElasticIP != nil || len(cfg.SecondaryElasticIPs) > 0):
		return nil, fmt.Errorf("%s: ElasticIP is not allowed for a private NAT gateway: %w", what, ErrInvalidConfig)
	case len(cfg.SecondaryElasticIPs) > 7:
		return nil, fmt.Errorf("%s: SecondaryElasticIPs: %d, at most 7: %w", what, len(cfg.SecondaryElasticIPs), ErrLimitExceeded)
	}
	inAZ := 0
	for _, g := range v.nats {
		if !g.deleted && g.subnet.az == s.az {
			inAZ++
		}
	}
	if inAZ >= v.n.limits.NatGatewaysPerAZ {
		return nil, fmt.Errorf("%s: AZ %s has %d (NatGatewaysPerAZ): %w", what, s.az, inAZ, ErrLimitExceeded)
	}
	var eips []*ElasticIP
	if public {
		eips = append([]*ElasticIP{cfg.ElasticIP}, cfg.SecondaryElasticIPs...)
	}
	for i, e := range eips {
		if e == nil || e.released || e.eni != nil || e.nat != nil || slices.Index(eips, e) != i {
			return nil, fmt.Errorf("%s: ElasticIP %d is nil, released or already in use: %w", what, i, ErrInvalidConfig)
		}
	}
	eni, err := s.createENI(NetworkInterfaceConfig{Description: "Interface for NAT Gateway " + cfg.Name}, InterfaceTypeNatGateway)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	g := &NatGateway{vpc: v, id: v.n.s.NewID("nat"), name: cfg.Name, subnet: s, public: public, eni: eni, eips: eips, conns: map[natDest]int{}}
	eni.nat = g
	for _, e := range eips {
		e.nat = g
		v.n.public[e.addr] = eni
	}
	g.usage = v.n.startHourly(g.id, "NatGateway-Hours", v.region, v.n.prices.NatGatewayHour, 1, true, cfg.Tags)
	v.nats = append(v.nats, g)
	v.n.changed()
	v.n.trace("CreateNatGateway", g.id, fieldSubnet(s), fieldType(ct))
	return g, nil
}

// ID returns the NAT gateway ID (nat-…).
func (g *NatGateway) ID() string { return g.id }

// TargetID returns the NAT gateway ID, for routes.
func (g *NatGateway) TargetID() string { return g.id }

func (g *NatGateway) active() bool { return !g.deleted }

// Subnet returns the gateway's subnet.
func (g *NatGateway) Subnet() *Subnet { return g.subnet }

// AZ returns the gateway's AZ.
func (g *NatGateway) AZ() string { return g.subnet.az }

// ConnectivityType returns "public" or "private".
func (g *NatGateway) ConnectivityType() string {
	return pick(g.public, ConnectivityPublic, ConnectivityPrivate)
}

// PrivateIP returns the gateway's private address (the source address
// destinations in the VPC see).
func (g *NatGateway) PrivateIP() netip.Addr { return g.eni.primary }

// PublicIP returns the primary Elastic IP address of a public gateway.
func (g *NatGateway) PublicIP() (netip.Addr, bool) {
	if len(g.eips) == 0 {
		return netip.Addr{}, false
	}
	return g.eips[0].addr, true
}

// State returns "available" or "deleted".
func (g *NatGateway) State() string { return pick(g.deleted, "deleted", "available") }

// OpenConnection opens one connection through the gateway to a
// destination (address, port, protocol). Each gateway address carries at
// most NatConnectionsPerIP (55,000) simultaneous connections per
// destination; beyond that it fails with ErrPortAllocation and counts an
// ErrorPortAllocation.
func (g *NatGateway) OpenConnection(dst netip.Addr, port uint16, proto Protocol) error {
	if g.deleted {
		return fmt.Errorf("vpc: NAT gateway %s: deleted: %w", g.id, ErrInvalidState)
	}
	ips := max(len(g.eips), 1)
	k := natDest{dst, port, proto}
	if g.conns[k] >= ips*g.vpc.n.limits.NatConnectionsPerIP {
		g.portAllocErrs++
		return fmt.Errorf("vpc: NAT gateway %s: %d connections to %s:%d/%s already open: %w", g.id, g.conns[k], dst, port, proto, ErrPortAllocation)
	}
	g.conns[k]++
	g.openConns++
	return nil
}

// CloseConnection closes one connection opened with OpenConnection.
func (g *NatGateway) CloseConnection(dst netip.Addr, port uint16, proto Protocol) {
	k := natDest{dst, port, proto}
	if g.conns[k] == 0 {
		return
	}
	if g.conns[k]--; g.conns[k] == 0 {
		delete(g.conns, k)
	}
	g.openConns--
}

// ActiveConnectionCount returns the open connections (CloudWatch
// ActiveConnectionCount).
func (g *NatGateway) ActiveConnectionCount() int { return g.openConns }

// ErrorPortAllocation returns how many connections failed for want of a
// source port (CloudWatch ErrorPortAllocation).
func (g *NatGateway) ErrorPortAllocation() uint64 { return g.portAllocErrs }

// BytesProcessed returns the bytes carried through the gateway by
// Crossing, both directions.
func (g *NatGateway) BytesProcessed() int64 { return g.bytes }

// Delete deletes the gateway: its ENI goes, its Elastic IPs are
// disassociated but stay allocated, and routes to it become blackholes.
func (g *NatGateway) Delete() error {
	if g.deleted {
		return fmt.Errorf("vpc: NAT gateway %s: already deleted: %w", g.id, ErrInvalidState)
	}
	n := g.vpc.n
	for _, e := range g.eips {
		e.nat = nil
		delete(n.public, e.addr)
	}
	_ = g.eni.Delete()
	g.deleted = true
	n.endHourly(g.usage)
	n.changed()
	n.trace("DeleteNatGateway", g.id)
	return nil
}

// natPort is the source port the gateway uses for a flow. AWS picks from
// 1024-65535; the model keeps the client's port when it lies there, so
// the NACL checks see a port in the documented range.
func natPort(p uint16) uint16 {
	if p < 1024 {
		return 1024 + p
	}
	return p
}
