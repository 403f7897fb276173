package vpc

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/nimbus-sim/nimbus/sim"
)

// TestScenarios runs the scripts in testdata/scenarios. Each names objects
// and refers to them by name; resource IDs in the output are replaced by
// those names. Commands (key=value arguments, [x] optional):
//
//	vpc name cidr [region] [ipv6]        create a VPC
//	subnet name vpc az cidr              create a subnet
//	igw vpc                              attach an internet gateway (named igw:<vpc>)
//	vgw vpc onprem                       attach a VPN gateway (named vgw:<vpc>)
//	nat name subnet [private]            NAT gateway (a public one gets an EIP)
//	rtb name vpc                         custom route table
//	route rtb dst target                 target: igw:<vpc> nat:<n> pcx:<n> eni:<n> vgw:<vpc>
//	delete-route rtb dst                 remove a route
//	acl name vpc                         custom network ACL
//	entry acl rule action proto cidr [ports=a-b] [egress]
//	assoc subnet (rtb|acl)               associate a subnet
//	sg name vpc                          security group
//	ingress|egress sg proto (cidr|src) [ports=a-b]   allow rule
//	revoke-egress-all sg                 remove the allow-all outbound rule
//	eni name subnet [sgs=a,b] [public] [no-src-dst-check]
//	peer name a b [pending]              peering, accepted unless pending
//	delete kind name                     delete a nat, pcx or eni
//	eval from to proto sport dport       from: eni:<n> | internet:<ip> | onprem:<vpc>:<ip>;
//	                                     to: <ip> | eni:<n> | public:<n>
func TestScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata/scenarios", func(t *testing.T, path string) {
		sc := &script{}
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			out, err := sc.do(td)
			if err != nil {
				return "error: " + sc.names.Replace(err.Error()) + "\n"
			}
			return out
		})
	})
}

type script struct {
	n       *Network
	vpcs    map[string]*VPC
	subnets map[string]*Subnet
	rtbs    map[string]*RouteTable
	acls    map[string]*NetworkACL
	sgs     map[string]*SecurityGroup
	enis    map[string]*NetworkInterface
	nats    map[string]*NatGateway
	pcxs    map[string]*PeeringConnection
	pairs   []string
	names   *strings.Replacer
}

func (sc *script) name(id, name string) {
	sc.pairs = append(sc.pairs, id, name)
	sc.names = strings.NewReplacer(sc.pairs...)
}

func get(td *datadriven.TestData, key string) string {
	for _, a := range td.CmdArgs {
		if a.Key == key {
			return strings.Join(a.Vals, ",")
		}
	}
	return ""
}

func (sc *script) do(td *datadriven.TestData) (string, error) {
	if sc.n == nil {
		n, err := New(sim.New(sim.Config{Seed: 1}), Config{})
		if err != nil {
			return "", err
		}
		sc.n, sc.vpcs, sc.subnets, sc.rtbs, sc.acls = n, map[string]*VPC{}, map[string]*Subnet{}, map[string]*RouteTable{}, map[string]*NetworkACL{}
		sc.sgs, sc.enis, sc.nats, sc.pcxs = map[string]*SecurityGroup{}, map[string]*NetworkInterface{}, map[string]*NatGateway{}, map[string]*PeeringConnection{}
		sc.names = strings.NewReplacer()
	}
	n, name := sc.n, get(td, "name")
	switch td.Cmd {
	case "vpc":
		region := get(td, "region")
		if region == "" {
			region = "us-east-1"
		}
		v, err := n.CreateVPC(VPCConfig{Name: name, Region: region, CidrBlock: get(td, "cidr"), AmazonProvidedIpv6CidrBlock: td.HasArg("ipv6")})
		if err != nil {
			return "", err
		}
		sc.vpcs[name] = v
		sc.rtbs["main:"+name], sc.acls["default:"+name], sc.sgs["default:"+name] = v.MainRouteTable(), v.DefaultNetworkACL(), v.DefaultSecurityGroup()
		sc.name(v.ID(), "vpc:"+name)
		sc.name(v.MainRouteTable().ID(), "rtb:main:"+name)
		sc.name(v.DefaultNetworkACL().ID(), "acl:default:"+name)
		sc.name(v.DefaultSecurityGroup().ID(), "sg:default:"+name)
	case "subnet":
		s, err := sc.vpcs[get(td, "vpc")].CreateSubnet(SubnetConfig{Name: name, AvailabilityZone: get(td, "az"), CidrBlock: get(td, "cidr")})
		if err != nil {
			return "", err
		}
		sc.subnets[name] = s
		sc.name(s.ID(), "subnet:"+name)
	case "igw":
		g, err := sc.vpcs[get(td, "vpc")].AttachInternetGateway()
		if err != nil {
			return "", err
		}
		sc.name(g.ID(), "igw:"+get(td, "vpc"))
	case "vgw":
		g, err := sc.vpcs[get(td, "vpc")].AttachVpnGateway(strings.Split(get(td, "onprem"), ",")...)
		if err != nil {
			return "", err
		}
		sc.name(g.ID(), "vgw:"+get(td, "vpc"))
	case "nat":
		s := sc.subnets[get(td, "subnet")]
		cfg := NatGatewayConfig{Name: name, Subnet: s, ConnectivityType: ConnectivityPublic}
		if td.HasArg("private") {
			cfg.ConnectivityType = ConnectivityPrivate
		} else {
			eip, err := n.AllocateAddress(s.vpc.region)
			if err != nil {
				return "", err
			}
			cfg.ElasticIP = eip
		}
		g, err := s.vpc.CreateNatGateway(cfg)
		if err != nil {
			return "", err
		}
		sc.nats[name] = g
		sc.name(g.ID(), "nat:"+name)
	case "rtb":
		rt, err := sc.vpcs[get(td, "vpc")].CreateRouteTable(name)
		if err != nil {
			return "", err
		}
		sc.rtbs[name] = rt
		sc.name(rt.ID(), "rtb:"+name)
	case "route":
		target, err := sc.target(get(td, "target"))
		if err != nil {
			return "", err
		}
		return "", sc.rtbs[get(td, "rtb")].CreateRoute(RouteConfig{DestinationCidrBlock: get(td, "dst"), Target: target})
	case "delete-route":
		return "", sc.rtbs[get(td, "rtb")].DeleteRoute(get(td, "dst"))
	case "acl":
		a, err := sc.vpcs[get(td, "vpc")].CreateNetworkACL(name)
		if err != nil {
			return "", err
		}
		sc.acls[name] = a
		sc.name(a.ID(), "acl:"+name)
	case "entry":
		rule, _ := strconv.Atoi(get(td, "rule"))
		proto, err := protoOf(get(td, "proto"))
		if err != nil {
			return "", err
		}
		return "", sc.acls[get(td, "acl")].AddEntry(NetworkACLEntry{RuleNumber: rule, Egress: td.HasArg("egress"), Protocol: proto,
			RuleAction: RuleAction(get(td, "action") == "allow"), CidrBlock: get(td, "cidr"), PortRange: portsOf(get(td, "ports"))})
	case "assoc":
		s := sc.subnets[get(td, "subnet")]
		if rt := get(td, "rtb"); rt != "" {
			return "", sc.rtbs[rt].Associate(s)
		}
		return "", sc.acls[get(td, "acl")].Associate(s)
	case "sg":
		g, err := sc.vpcs[get(td, "vpc")].CreateSecurityGroup(name, "")
		if err != nil {
			return "", err
		}
		sc.sgs[name] = g
		sc.name(g.ID(), "sg:"+name)
	case "ingress", "egress":
		proto, err := protoOf(get(td, "proto"))
		if err != nil {
			return "", err
		}
		r := SecurityGroupRule{IpProtocol: proto, PortRange: portsOf(get(td, "ports")), CidrIp: get(td, "cidr")}
		if src := get(td, "src"); src != "" {
			r.ReferencedGroup = sc.sgs[src]
		}
		if td.Cmd == "ingress" {
			return "", sc.sgs[get(td, "sg")].AuthorizeIngress(r)
		}
		return "", sc.sgs[get(td, "sg")].AuthorizeEgress(r)
	case "revoke-egress-all":
		return "", sc.sgs[get(td, "sg")].RevokeEgress(SecurityGroupRule{IpProtocol: ProtocolAll, CidrIp: "0.0.0.0/0"})
	case "eni":
		cfg := NetworkInterfaceConfig{Description: name, AssociatePublicIpAddress: td.HasArg("public"), DisableSourceDestCheck: td.HasArg("no-src-dst-check")}
		if list := get(td, "sgs"); list != "" {
			for _, g := range strings.Split(list, ",") {
				cfg.SecurityGroups = append(cfg.SecurityGroups, sc.sgs[g])
			}
		}
		e, err := sc.subnets[get(td, "subnet")].CreateNetworkInterface(cfg)
		if err != nil {
			return "", err
		}
		sc.enis[name] = e
		sc.name(e.ID(), "eni:"+name)
		if pub, ok := e.PublicIP(); ok {
			return fmt.Sprintf("%s private %s public %s\n", name, e.PrivateIP(), pub), nil
		}
		return fmt.Sprintf("%s private %s\n", name, e.PrivateIP()), nil
	case "peer":
		p, err := n.CreatePeeringConnection(sc.vpcs[get(td, "a")], sc.vpcs[get(td, "b")])
		if err != nil {
			return "", err
		}
		sc.pcxs[name] = p
		sc.name(p.ID(), "pcx:"+name)
		if !td.HasArg("pending") {
			return "", p.Accept()
		}
	case "delete":
		switch get(td, "kind") {
		case "nat":
			return "", sc.nats[name].Delete()
		case "pcx":
			return "", sc.pcxs[name].Delete()
		case "eni":
			return "", sc.enis[name].Delete()
		}
	case "eval":
		f, err := sc.flow(td)
		if err != nil {
			return "", err
		}
		return sc.names.Replace(n.Evaluate(f).String()) + "\n", nil
	default:
		return "", fmt.Errorf("unknown command %q", td.Cmd)
	}
	return "", nil
}

func (sc *script) target(s string) (Target, error) {
	kind, name, _ := strings.Cut(s, ":")
	switch kind {
	case "igw":
		if g, ok := sc.vpcs[name].InternetGateway(); ok {
			return g, nil
		}
	case "vgw":
		if v := sc.vpcs[name]; v != nil && v.vgw != nil {
			return v.vgw, nil
		}
	case "nat":
		return sc.nats[name], nil
	case "pcx":
		return sc.pcxs[name], nil
	case "eni":
		return sc.enis[name], nil
	}
	return nil, fmt.Errorf("no target %q", s)
}

func (sc *script) flow(td *datadriven.TestData) (Flow, error) {
	var f Flow
	proto, err := protoOf(get(td, "proto"))
	if err != nil {
		return f, err
	}
	sport, _ := strconv.Atoi(get(td, "sport"))
	dport, _ := strconv.Atoi(get(td, "dport"))
	f.Protocol, f.SrcPort, f.DstPort = proto, uint16(sport), uint16(dport)
	from := strings.Split(get(td, "from"), ":")
	switch from[0] {
	case "eni":
		f.Src = FromENI(sc.enis[from[1]])
	case "internet":
		f.Src = FromInternet(netip.MustParseAddr(from[1]))
	case "onprem":
		f.Src = FromOnPremises(sc.vpcs[from[1]], netip.MustParseAddr(from[2]))
	default:
		return f, fmt.Errorf("bad from %q", get(td, "from"))
	}
	to := get(td, "to")
	switch kind, name, _ := strings.Cut(to, ":"); kind {
	case "eni":
		f.Dst = sc.enis[name].PrivateIP()
	case "public":
		f.Dst, _ = sc.enis[name].PublicIP()
	default:
		f.Dst, err = netip.ParseAddr(to)
	}
	return f, err
}

func protoOf(s string) (Protocol, error) {
	for _, p := range []Protocol{ProtocolAll, ProtocolTCP, ProtocolUDP, ProtocolICMP} {
		if p.String() == s {
			return p, nil
		}
	}
	return 0, fmt.Errorf("unknown protocol %q", s)
}

func portsOf(s string) PortRange {
	if s == "" {
		return PortRange{}
	}
	a, b, ok := strings.Cut(s, "-")
	from, _ := strconv.Atoi(a)
	to := from
	if ok {
		to, _ = strconv.Atoi(b)
	}
	return PortRange{uint16(from), uint16(to)}
}
