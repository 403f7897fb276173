package vpc

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Endpoint types.
const (
	EndpointTypeGateway   = "Gateway"
	EndpointTypeInterface = "Interface"
)

// EndpointConfig describes a VPC endpoint (CreateVpcEndpoint).
type EndpointConfig struct {
	// ServiceName is "com.amazonaws.<region>.<service>", such as
	// "com.amazonaws.us-east-1.s3".
	ServiceName string
	// VpcEndpointType is "Gateway" (S3 and DynamoDB; a prefix-list route,
	// free) or "Interface" (PrivateLink ENIs; billed per AZ-hour and GB).
	VpcEndpointType string
	// RouteTables get the gateway endpoint's prefix-list route.
	RouteTables []*RouteTable
	// Subnets hold an interface endpoint's ENIs, at most one per AZ.
	Subnets []*Subnet
	// SecurityGroups protect an interface endpoint's ENIs; empty means the
	// VPC's default group.
	SecurityGroups []*SecurityGroup
	// DisablePrivateDns turns off private DNS, which AWS enables by
	// default for AWS services; it needs EnableDnsSupport and
	// EnableDnsHostnames on the VPC.
	DisablePrivateDns bool
	// Tags are cost-allocation tags.
	Tags map[string]string
}

// DNSEntry is one DNS name of an interface endpoint and the addresses it
// resolves to.
type DNSEntry struct {
	// Name is the DNS name.
	Name string
	// AZ is the zone of a zonal name; empty for the regional name and the
	// private DNS name.
	AZ string
	// Addrs are the endpoint ENI addresses the name resolves to.
	Addrs []netip.Addr
}

// Endpoint is a VPC endpoint: a gateway endpoint (a route to a service's
// prefix list) or an interface endpoint (one ENI per chosen AZ).
type Endpoint struct {
	vpc     *VPC
	id      string
	typ     string
	service string
	short   string // "s3", "kinesis"
	pl      *PrefixList
	tables  []*RouteTable
	enis    []*NetworkInterface
	private bool
	suffix  string
	deleted bool
	usage   int
}

// CreateEndpoint creates a gateway or interface endpoint.
func (v *VPC) CreateEndpoint(cfg EndpointConfig) (*Endpoint, error) {
	what := fmt.Sprintf("vpc: VPC %q: endpoint %q", v.name, cfg.ServiceName)
	prefix := "com.amazonaws." + v.region + "."
	short, ok := strings.CutPrefix(cfg.ServiceName, prefix)
	if !ok || short == "" {
		return nil, fmt.Errorf("%s: ServiceName must be %s<service>: %w", what, prefix, ErrInvalidConfig)
	}
	ep := &Endpoint{vpc: v, typ: cfg.VpcEndpointType, service: cfg.ServiceName, short: short, usage: -1}
	switch cfg.VpcEndpointType {
	case EndpointTypeGateway:
		pl, ok := v.n.PrefixList(cfg.ServiceName)
		if !ok {
			return nil, fmt.Errorf("%s: ServiceName: no gateway endpoint service (only S3 and DynamoDB have one; the default prefix lists cover us-east-1, add others in Config.PrefixLists): %w", what, ErrInvalidConfig)
		}
		for i, rt := range cfg.RouteTables {
			if rt == nil || rt.vpc != v {
				return nil, fmt.Errorf("%s: RouteTables[%d] is not a table of the VPC: %w", what, i, ErrInvalidConfig)
			}
		}
		ep.pl, ep.tables = pl, slices.Clone(cfg.RouteTables)
		ep.id = v.n.s.NewID("vpce")
		for _, rt := range ep.tables {
			rt.addPrefixListRoute(pl, ep)
		}
	case EndpointTypeInterface:
		if len(cfg.Subnets) == 0 {
			return nil, fmt.Errorf("%s: Subnets: an interface endpoint needs at least one: %w", what, ErrInvalidConfig)
		}
		n := 0
		for _, o := range v.endpoints {
			if !o.deleted && o.typ == EndpointTypeInterface {
				n++
			}
		}
		if n >= v.n.limits.InterfaceEndpointsPerVPC {
			return nil, fmt.Errorf("%s: VPC has %d interface endpoints (InterfaceEndpointsPerVPC): %w", what, n, ErrLimitExceeded)
		}
		var azs []string
		for i, s := range cfg.Subnets {
			if s == nil || s.vpc != v {
				return nil, fmt.Errorf("%s: Subnets[%d] is not a subnet of the VPC: %w", what, i, ErrInvalidConfig)
			}
			if slices.Contains(azs, s.az) {
				return nil, fmt.Errorf("%s: Subnets[%d]: a second subnet in AZ %s (one per AZ): %w", what, i, s.az, ErrInvalidConfig)
			}
			azs = append(azs, s.az)
		}
		if err := v.checkSGs(cfg.SecurityGroups, what+": SecurityGroups"); err != nil {
			return nil, err
		}
		ep.id = v.n.s.NewID("vpce")
		ep.private = !cfg.DisablePrivateDns
		ep.suffix = fmt.Sprintf("%08x", v.n.s.Stream("vpc/"+ep.id+"/dns").Uint32())
		for i, s := range cfg.Subnets {
			e, err := s.createENI(NetworkInterfaceConfig{Description: "VPC Endpoint Interface " + ep.id, SecurityGroups: cfg.SecurityGroups}, InterfaceTypeVpcEndpoint)
			if err != nil {
				for _, x := range ep.enis {
					_ = x.Delete()
				}
				return nil, fmt.Errorf("%s: Subnets[%d]: %w", what, i, err)
			}
			e.endpoint = ep
			ep.enis = append(ep.enis, e)
		}
		ep.usage = v.n.startHourly(ep.id, "VpcEndpoint-Hours", v.region, v.n.prices.InterfaceEndpointAZHour, float64(len(ep.enis)), true, cfg.Tags)
	default:
		return nil, fmt.Errorf("%s: VpcEndpointType %q is not Gateway or Interface: %w", what, cfg.VpcEndpointType, ErrInvalidConfig)
	}
	v.endpoints = append(v.endpoints, ep)
	v.n.changed()
	v.n.trace("CreateVpcEndpoint", ep.id, fieldVPC(v), fieldType(ep.typ), fieldName(ep.service))
	return ep, nil
}

// ID returns the endpoint ID (vpce-…).
func (ep *Endpoint) ID() string { return ep.id }

// TargetID returns the endpoint ID, for gateway-endpoint routes.
func (ep *Endpoint) TargetID() string { return ep.id }

func (ep *Endpoint) active() bool { return !ep.deleted }

// Type returns "Gateway" or "Interface".
func (ep *Endpoint) Type() string { return ep.typ }

// ServiceName returns the service name.
func (ep *Endpoint) ServiceName() string { return ep.service }

// NetworkInterfaces returns an interface endpoint's ENIs, one per AZ.
func (ep *Endpoint) NetworkInterfaces() []*NetworkInterface { return slices.Clone(ep.enis) }

// DNSEntries returns an interface endpoint's names: the regional name
// (all ENIs), then one zonal name per AZ in subnet order, as AWS formats
// them: vpce-<id>-<suffix>[-<az>].<service>.<region>.vpce.amazonaws.com.
func (ep *Endpoint) DNSEntries() []DNSEntry {
	if ep.typ != EndpointTypeInterface {
		return nil
	}
	base := strings.TrimPrefix(ep.id, "vpce-")
	tail := "." + ep.short + "." + ep.vpc.region + ".vpce.amazonaws.com"
	all := make([]netip.Addr, len(ep.enis))
	for i, e := range ep.enis {
		all[i] = e.primary
	}
	out := []DNSEntry{{Name: "vpce-" + base + "-" + ep.suffix + tail, Addrs: all}}
	for _, e := range ep.enis {
		out = append(out, DNSEntry{Name: "vpce-" + base + "-" + ep.suffix + "-" + e.subnet.az + tail, AZ: e.subnet.az, Addrs: []netip.Addr{e.primary}})
	}
	return out
}

// PrivateDNS returns the service's public name that resolves to the
// endpoint's ENIs inside the VPC, such as "kinesis.us-east-1.amazonaws.com",
// when private DNS is on and the VPC has DNS support and hostnames.
func (ep *Endpoint) PrivateDNS() (DNSEntry, bool) {
	v := ep.vpc
	if ep.typ != EndpointTypeInterface || !ep.private || !v.dns || !v.hosts {
		return DNSEntry{}, false
	}
	return DNSEntry{Name: ep.short + "." + v.region + ".amazonaws.com", Addrs: ep.DNSEntries()[0].Addrs}, true
}

// Delete deletes the endpoint: its routes and ENIs go.
func (ep *Endpoint) Delete() error {
	if ep.deleted {
		return fmt.Errorf("vpc: endpoint %s: already deleted: %w", ep.id, ErrInvalidState)
	}
	for _, rt := range ep.tables {
		rt.removeTarget(ep)
	}
	for _, e := range ep.enis {
		_ = e.Delete()
	}
	ep.deleted = true
	ep.vpc.n.endHourly(ep.usage)
	ep.vpc.n.changed()
	ep.vpc.n.trace("DeleteVpcEndpoint", ep.id)
	return nil
}

// Endpoints returns the VPC's endpoints in creation order.
func (v *VPC) Endpoints() []*Endpoint { return slices.Clone(v.endpoints) }

// PrivateDNSEntries returns the private DNS names of the VPC's interface
// endpoints, for a resolver (route53) to answer inside the VPC.
func (v *VPC) PrivateDNSEntries() []DNSEntry {
	var out []DNSEntry
	for _, ep := range v.endpoints {
		if ep.deleted {
			continue
		}
		if d, ok := ep.PrivateDNS(); ok {
			out = append(out, d)
		}
	}
	return out
}
