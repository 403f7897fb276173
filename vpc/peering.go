package vpc

import (
	"fmt"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// Peering connection states (the subset the model passes through).
const (
	PeeringPendingAcceptance = "pending-acceptance"
	PeeringActive            = "active"
	PeeringRejected          = "rejected"
	PeeringExpired           = "expired"
	PeeringDeleted           = "deleted"
)

// PeeringRequestExpiry is how long a request waits for acceptance (7 days).
const PeeringRequestExpiry = 7 * 24 * time.Hour

// PeeringConnection links two VPCs one to one. It is not transitive: each
// side reaches only the other's CIDR blocks, never through the peer's
// gateways or its other peerings.
type PeeringConnection struct {
	n         *Network
	id        string
	requester *VPC
	accepter  *VPC
	state     string
	expiry    sim.Timer
}

// CreatePeeringConnection requests a peering (pending-acceptance, expiring
// after 7 days of virtual time). Overlapping IPv4 or IPv6 blocks are
// rejected, as AWS fails such a request.
func (n *Network) CreatePeeringConnection(requester, accepter *VPC) (*PeeringConnection, error) {
	if requester == nil || accepter == nil || requester == accepter || requester.n != n || accepter.n != n {
		return nil, fmt.Errorf("vpc: peering: requester and accepter must be two VPCs of the network: %w", ErrInvalidConfig)
	}
	what := fmt.Sprintf("vpc: peering %q <-> %q", requester.name, accepter.name)
	for _, a := range requester.cidrs {
		for _, b := range accepter.cidrs {
			if a.Overlaps(b) {
				return nil, fmt.Errorf("%s: CidrBlock %s overlaps %s: %w", what, a, b, ErrInvalidConfig)
			}
		}
	}
	if requester.ipv6.IsValid() && accepter.ipv6.IsValid() && requester.ipv6.Overlaps(accepter.ipv6) {
		return nil, fmt.Errorf("%s: Ipv6CidrBlock %s overlaps %s: %w", what, requester.ipv6, accepter.ipv6, ErrInvalidConfig)
	}
	for _, p := range n.peerings {
		if p.live() && ((p.requester == requester && p.accepter == accepter) || (p.requester == accepter && p.accepter == requester)) {
			return nil, fmt.Errorf("%s: peering %s already exists: %w", what, p.id, ErrInvalidConfig)
		}
	}
	for _, v := range []*VPC{requester, accepter} {
		if c := n.activePeerings(v); c >= n.limits.ActivePeeringsPerVPC {
			return nil, fmt.Errorf("%s: VPC %q has %d (ActivePeeringsPerVPC): %w", what, v.name, c, ErrLimitExceeded)
		}
	}
	p := &PeeringConnection{n: n, id: n.s.NewID("pcx"), requester: requester, accepter: accepter, state: PeeringPendingAcceptance}
	p.expiry = n.s.After(PeeringRequestExpiry, func() {
		if p.state == PeeringPendingAcceptance {
			p.state = PeeringExpired
			n.changed()
			n.trace("VpcPeeringConnectionExpired", p.id)
		}
	})
	n.peerings = append(n.peerings, p)
	n.trace("CreateVpcPeeringConnection", p.id, sim.F("requester", requester.id), sim.F("accepter", accepter.id))
	return p, nil
}

// ID returns the peering connection ID (pcx-…).
func (p *PeeringConnection) ID() string { return p.id }

// TargetID returns the peering connection ID, for routes.
func (p *PeeringConnection) TargetID() string { return p.id }

func (p *PeeringConnection) active() bool { return p.state == PeeringActive }

func (p *PeeringConnection) live() bool {
	return p.state == PeeringPendingAcceptance || p.state == PeeringActive
}

// State returns the connection's state.
func (p *PeeringConnection) State() string { return p.state }

// Requester returns the requesting VPC.
func (p *PeeringConnection) Requester() *VPC { return p.requester }

// Accepter returns the accepting VPC.
func (p *PeeringConnection) Accepter() *VPC { return p.accepter }

// other returns the far side seen from v.
func (p *PeeringConnection) other(v *VPC) *VPC {
	if p.requester == v {
		return p.accepter
	}
	return p.requester
}

// Accept activates a pending request; both sides still need routes.
func (p *PeeringConnection) Accept() error {
	if p.state != PeeringPendingAcceptance {
		return fmt.Errorf("vpc: peering %s: Accept in state %s: %w", p.id, p.state, ErrInvalidState)
	}
	p.n.s.Cancel(p.expiry)
	p.state = PeeringActive
	p.n.changed()
	p.n.trace("AcceptVpcPeeringConnection", p.id)
	return nil
}

// Reject refuses a pending request.
func (p *PeeringConnection) Reject() error {
	if p.state != PeeringPendingAcceptance {
		return fmt.Errorf("vpc: peering %s: Reject in state %s: %w", p.id, p.state, ErrInvalidState)
	}
	p.n.s.Cancel(p.expiry)
	p.state = PeeringRejected
	p.n.trace("RejectVpcPeeringConnection", p.id)
	return nil
}

// Delete deletes the connection; routes to it become blackholes.
func (p *PeeringConnection) Delete() error {
	if !p.live() {
		return fmt.Errorf("vpc: peering %s: Delete in state %s: %w", p.id, p.state, ErrInvalidState)
	}
	p.n.s.Cancel(p.expiry)
	p.state = PeeringDeleted
	p.n.changed()
	p.n.trace("DeleteVpcPeeringConnection", p.id)
	return nil
}

func (n *Network) activePeerings(v *VPC) int {
	c := 0
	for _, p := range n.peerings {
		if p.state == PeeringActive && (p.requester == v || p.accepter == v) {
			c++
		}
	}
	return c
}

// peered reports whether a live peering links a and b.
func (n *Network) peered(a, b *VPC) bool {
	for _, p := range n.peerings {
		if p.live() && ((p.requester == a && p.accepter == b) || (p.requester == b && p.accepter == a)) {
			return true
		}
	}
	return false
}
