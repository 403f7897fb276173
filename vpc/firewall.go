package vpc

import (
	"fmt"
	"net/netip"
	"slices"
)

// Load balancer schemes.
const (
	SchemeInternetFacing = "internet-facing"
	SchemeInternal       = "internal"
)

// FirewallClientPort is the source port LoadBalancerFirewall assumes for
// clients, inside the ephemeral range every OS and AWS service uses
// (49152-65535 on Windows, 32768-61000 on Linux, 1024-65535 at NAT and ELB).
const FirewallClientPort = 50000

// LoadBalancerFirewall answers whether a client may connect to a load
// balancer whose nodes are the given ENIs (one per AZ), by evaluating the
// flow to a node: the scheme (an internal balancer has no public address,
// so only sources inside its VPC, peered VPCs or on-premises reach it),
// route tables, NACLs both ways and the nodes' security groups. It
// satisfies elb's Firewall interface.
type LoadBalancerFirewall struct {
	n      *Network
	scheme string
	nodes  []*NetworkInterface
}

// NewLoadBalancerFirewall builds the firewall of a load balancer. Nodes
// must be live ENIs of one VPC; an internet-facing balancer's nodes need
// public addresses.
func (n *Network) NewLoadBalancerFirewall(scheme string, nodes ...*NetworkInterface) (*LoadBalancerFirewall, error) {
	what := fmt.Sprintf("vpc: load balancer firewall (%s)", scheme)
	if scheme != SchemeInternetFacing && scheme != SchemeInternal {
		return nil, fmt.Errorf("%s: Scheme %q is not internet-facing or internal: %w", what, scheme, ErrInvalidConfig)
	}
	if len(nodes) == 0 {
		return nil, fmt.Errorf("%s: Nodes is empty: %w", what, ErrInvalidConfig)
	}
	for i, e := range nodes {
		switch {
		case e == nil || e.deleted:
			return nil, fmt.Errorf("%s: Nodes[%d] is nil or deleted: %w", what, i, ErrInvalidConfig)
		case e.subnet.vpc != nodes[0].subnet.vpc:
			return nil, fmt.Errorf("%s: Nodes[%d] %s is in another VPC than Nodes[0]: %w", what, i, e.id, ErrInvalidConfig)
		case scheme == SchemeInternetFacing:
			if _, ok := e.PublicIP(); !ok {
				return nil, fmt.Errorf("%s: Nodes[%d] %s has no public IPv4 address: %w", what, i, e.id, ErrInvalidConfig)
			}
		}
	}
	return &LoadBalancerFirewall{n: n, scheme: scheme, nodes: slices.Clone(nodes)}, nil
}

// Allow reports whether src may open a TCP connection to the balancer on
// port, and if not, why (a DropReason code and the explanation). A source
// holding a private address of the balancer's VPC or a peered VPC connects
// from its ENI to the node in its own AZ (else the first node); any other
// source comes from on-premises (when the VPC's VPN gateway covers it) or
// from the internet.
func (fw *LoadBalancerFirewall) Allow(src netip.Addr, port uint16) (bool, string) {
	f := fw.flow(src, port)
	if f.Src.Kind == SourceInternet && fw.scheme == SchemeInternal {
		return false, fmt.Sprintf("%s: internal load balancer has no public address; %s is outside its network", DropNoSuchAddress, src)
	}
	r := fw.n.Evaluate(f)
	if r.Verdict == Accept {
		return true, ""
	}
	return false, r.Drop.String() + ": " + r.Reason
}

func (fw *LoadBalancerFirewall) flow(src netip.Addr, port uint16) Flow {
	v := fw.nodes[0].subnet.vpc
	f := Flow{Protocol: ProtocolTCP, SrcPort: FirewallClientPort, DstPort: port}
	e := v.addrs[src]
	if e == nil {
		e = fw.n.peerENI(v, src)
	}
	if e != nil {
		node := fw.nodes[0]
		for _, x := range fw.nodes {
			if x.subnet.az == e.subnet.az {
				node = x
				break
			}
		}
		f.Src, f.Dst = Source{Kind: SourceENI, ENI: e, Addr: src}, node.primary
		return f
	}
	if v.vgw != nil && slices.ContainsFunc(v.vgw.onPrem, func(p netip.Prefix) bool { return p.Contains(src) }) {
		f.Src, f.Dst = FromOnPremises(v, src), fw.nodes[0].primary
		return f
	}
	f.Src = FromInternet(src)
	f.Dst, _ = fw.nodes[0].PublicIP()
	return f
}
