package vpc

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/nimbus-sim/nimbus/sim"
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

	conns         map[natDest]int // open connections per destination
	openConns     int
	head, tail    *NatConnection // open connections, least recently active first
	portAllocErrs uint64
	idleTimeouts  uint64
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

// NatConnection is one connection through a NAT gateway, from
// OpenConnection. It holds a source port to its destination until Close,
// until the gateway is deleted, or until it carries no packet for
// Limits.NatIdleTimeout (350 s), when the gateway expires it: further
// packets get a TCP RST, which Touch reports as ErrConnectionReset.
type NatConnection struct {
	g          *NatGateway
	dst        natDest
	last       sim.Time // last activity; the gateway's list is ordered by it
	prev, next *NatConnection
	state      connState
}

type connState uint8

const (
	connOpen connState = iota
	connClosed
	connReset   // expired after the idle timeout
	connDropped // the gateway was deleted
)

// OpenConnection opens one connection through the gateway to a
// destination (address, port, protocol), active from now. Each gateway
// address carries at most NatConnectionsPerIP (55,000) simultaneous
// connections per destination; beyond that it fails with ErrPortAllocation
// and counts an ErrorPortAllocation. Connections idle for NatIdleTimeout
// are expired first, so they free their ports. Bytes and their charges go
// through Network.Crossing, not the connection.
func (g *NatGateway) OpenConnection(dst netip.Addr, port uint16, proto Protocol) (*NatConnection, error) {
	if g.deleted {
		return nil, fmt.Errorf("vpc: NAT gateway %s: deleted: %w", g.id, ErrInvalidState)
	}
	g.expire()
	ips := max(len(g.eips), 1)
	k := natDest{dst, port, proto}
	if g.conns[k] >= ips*g.vpc.n.limits.NatConnectionsPerIP {
		g.portAllocErrs++
		return nil, fmt.Errorf("vpc: NAT gateway %s: %d connections to %s:%d/%s already open: %w", g.id, g.conns[k], dst, port, proto, ErrPortAllocation)
	}
	g.conns[k]++
	g.openConns++
	c := &NatConnection{g: g, dst: k, last: g.vpc.n.s.Now()}
	g.pushBack(c)
	return c, nil
}

// Touch records a packet on the connection now, restarting its idle
// timer (a keepalive does this). It fails with ErrConnectionReset once
// the connection has expired, and with ErrInvalidState after Close or the
// gateway's deletion.
func (c *NatConnection) Touch() error {
	g := c.g
	if c.state == connOpen {
		g.expire()
	}
	switch c.state {
	case connReset:
		return fmt.Errorf("vpc: NAT gateway %s: connection to %s:%d/%s idle for %s: %w",
			g.id, c.dst.addr, c.dst.port, c.dst.proto, g.vpc.n.limits.NatIdleTimeout, ErrConnectionReset)
	case connClosed:
		return fmt.Errorf("vpc: NAT gateway %s: connection to %s:%d/%s: closed: %w", g.id, c.dst.addr, c.dst.port, c.dst.proto, ErrInvalidState)
	case connDropped:
		return fmt.Errorf("vpc: NAT gateway %s: connection to %s:%d/%s: gateway deleted: %w", g.id, c.dst.addr, c.dst.port, c.dst.proto, ErrInvalidState)
	}
	c.last = g.vpc.n.s.Now()
	if g.tail != c {
		g.unlink(c)
		g.pushBack(c)
	}
	return nil
}

// Close closes the connection and frees its port. Closing a connection
// that is already closed, expired or dropped does nothing.
func (c *NatConnection) Close() {
	if c.state != connOpen {
		return
	}
	g := c.g
	g.expire()
	if c.state == connOpen {
		g.release(c)
		c.state = connClosed
	}
}

// pushBack appends c to the gateway's list, the most recently active end.
func (g *NatGateway) pushBack(c *NatConnection) {
	c.prev, c.next = g.tail, nil
	if g.tail == nil {
		g.head = c
	} else {
		g.tail.next = c
	}
	g.tail = c
}

func (g *NatGateway) unlink(c *NatConnection) {
	if c.prev == nil {
		g.head = c.next
	} else {
		c.prev.next = c.next
	}
	if c.next == nil {
		g.tail = c.prev
	} else {
		c.next.prev = c.prev
	}
	c.prev, c.next = nil, nil
}

// release unlinks an open connection and frees its port.
func (g *NatGateway) release(c *NatConnection) {
	g.unlink(c)
	if g.conns[c.dst]--; g.conns[c.dst] == 0 {
		delete(g.conns, c.dst)
	}
	g.openConns--
}

// expire resets every connection idle for NatIdleTimeout or longer. The
// list is ordered by last activity (Touch moves a connection to the back,
// and the clock never goes back), so it stops at the first live one: the
// cost is O(1) plus one step per expired connection, with no timers.
func (g *NatGateway) expire() {
	now, idle := g.vpc.n.s.Now(), g.vpc.n.limits.NatIdleTimeout
	for c := g.head; c != nil && now.Sub(c.last) >= idle; c = g.head {
		g.release(c)
		c.state = connReset
		g.idleTimeouts++
	}
}

// ActiveConnectionCount returns the open connections (CloudWatch
// ActiveConnectionCount), after expiring the idle ones.
func (g *NatGateway) ActiveConnectionCount() int {
	g.expire()
	return g.openConns
}

// ErrorPortAllocation returns how many connections failed for want of a
// source port (CloudWatch ErrorPortAllocation).
func (g *NatGateway) ErrorPortAllocation() uint64 { return g.portAllocErrs }

// IdleTimeoutCount returns how many connections expired after
// NatIdleTimeout without traffic (CloudWatch IdleTimeoutCount), up to now.
func (g *NatGateway) IdleTimeoutCount() uint64 {
	g.expire()
	return g.idleTimeouts
}

// BytesProcessed returns the bytes carried through the gateway by
// Crossing, both directions.
func (g *NatGateway) BytesProcessed() int64 { return g.bytes }

// Delete deletes the gateway: its ENI goes, its Elastic IPs are
// disassociated but stay allocated, its open connections are dropped (not
// counted as idle timeouts) and routes to it become blackholes.
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
	g.expire() // those already idle long enough did time out
	for c := g.head; c != nil; c = g.head {
		g.release(c)
		c.state = connDropped
	}
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
