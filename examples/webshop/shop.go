package main

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/cloudfront"
	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/elb"
	"github.com/nimbus-sim/nimbus/geo"
	"github.com/nimbus-sim/nimbus/route53"
	"github.com/nimbus-sim/nimbus/s3"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/nimbus-sim/nimbus/vpc"
	"github.com/nimbus-sim/nimbus/workload"
)

// warm is how long the architecture runs before the shop opens at
// midnight UTC: the fleet boots and passes its health checks, so the day
// does not start with a cold fleet. Bills include it.
const warm = 10 * time.Minute

const (
	region   = "us-east-1"
	shopHost = "www.shop.example"
	s3Svc    = "com.amazonaws.us-east-1.s3"
)

var azs = []string{"us-east-1a", "us-east-1b", "us-east-1c"}

// country is one client population: where the shoppers are and their share
// of traffic.
type country struct {
	code   string
	weight float64
	prefix string
	edge   string // the CloudFront edge nearest to them
}

var countries = []country{
	{"US", 45, "198.18.0.0/16", "IAD"},
	{"DE", 18, "198.19.0.0/16", "FRA"},
	{"GB", 12, "203.0.113.0/24", "LHR"},
	{"JP", 10, "192.0.2.0/24", "NRT"},
	{"BR", 8, "198.51.100.0/24", "GRU"},
	{"IN", 7, "100.64.0.0/16", "BOM"},
}

// shop is the wired architecture of one run.
type shop struct {
	s      *sim.Sim
	ledger *billing.Ledger
	cw     *cloudwatch.CloudWatch
	net    *vpc.Network
	ec2    *ec2.EC2
	alb    *elb.LoadBalancer
	tg     *elb.TargetGroup
	s3     *s3.Service
	cf     *cloudfront.CloudFront
	dist   *cloudfront.Distribution
	r53    *route53.Route53
	front  sim.Handler // what clients send to: DNS, then CloudFront
	fleet  fleet
	client *workload.OpenLoop
	s3Addr netip.Addr // an address of S3's prefix list
	// catalogue is the bucket the application reads on every page.
	catalogue *s3.Bucket
	alarms    []*cloudwatch.Alarm
	// s3Reads counts the application's reads of the catalogue.
	s3Reads    int64
	staticKeys *workload.Keys
	obs        *observer
}

func tags(tier string) map[string]string {
	return map[string]string{"app": "webshop", "tier": tier}
}

// distAlias makes a distribution an alias target for Route 53.
type distAlias struct {
	d     *cloudfront.Distribution
	addrs []netip.Addr
}

func (a distAlias) DNSName() string     { return a.d.DomainName() }
func (a distAlias) Addrs() []netip.Addr { return a.addrs }
func (a distAlias) Healthy() bool       { return true }

// at is the instant d after the shop opens (midnight UTC, after warm).
func at(d time.Duration) sim.Time { return sim.Time(warm + d) }

// hoursDur converts fractional hours (a flag) to a duration.
func hoursDur(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

// ms converts a duration to fractional milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// pct is part as a percentage of whole (0 when whole is 0).
func pct(part, whole uint64) float64 { return 100 * float64(part) / float64(max(whole, 1)) }

// build wires the architecture.
func build(c config) (*shop, error) {
	s := sim.New(sim.Config{Seed: c.seed, Epoch: sim.DefaultEpoch.Add(-warm)})
	sh := &shop{s: s, ledger: billing.NewLedger()}
	var err error
	if sh.cw, err = cloudwatch.New(s, cloudwatch.Config{}); err != nil {
		return nil, err
	}
	if err := sh.network(c); err != nil {
		return nil, err
	}
	if err := sh.webTier(c); err != nil {
		return nil, err
	}
	if err := sh.edge(c); err != nil {
		return nil, err
	}
	if err := sh.dns(); err != nil {
		return nil, err
	}
	if err := sh.monitoring(c); err != nil {
		return nil, err
	}
	sh.obs = newObserver(s, c)
	return sh, sh.traffic(c)
}

// network builds the VPC: a public and a private subnet per AZ, an internet
// gateway, a NAT gateway per AZ, and an S3 gateway endpoint on the private
// route tables (unless -s3-endpoint=false, when S3 reads go through NAT).
func (sh *shop) network(c config) error {
	n, err := vpc.New(sh.s, vpc.Config{Biller: sh.ledger})
	if err != nil {
		return err
	}
	sh.net = n
	v, err := n.CreateVPC(vpc.VPCConfig{Name: "shop", Region: region, CidrBlock: "10.0.0.0/16"})
	if err != nil {
		return err
	}
	igw, err := v.AttachInternetGateway()
	if err != nil {
		return err
	}
	public, err := v.CreateRouteTable("public")
	if err != nil {
		return err
	}
	if err := public.CreateRoute(vpc.RouteConfig{DestinationCidrBlock: "0.0.0.0/0", Target: igw}); err != nil {
		return err
	}
	var private []*vpc.RouteTable
	for i, az := range azs {
		pub, err := v.CreateSubnet(vpc.SubnetConfig{Name: "public-" + az, AvailabilityZone: az,
			CidrBlock: fmt.Sprintf("10.0.%d.0/24", i), Tags: tags("network")})
		if err != nil {
			return err
		}
		if err := public.Associate(pub); err != nil {
			return err
		}
		priv, err := v.CreateSubnet(vpc.SubnetConfig{Name: "private-" + az, AvailabilityZone: az,
			CidrBlock: fmt.Sprintf("10.0.%d.0/20", 16*(i+1)), Tags: tags("network")})
		if err != nil {
			return err
		}
		eip, err := n.AllocateAddress(region)
		if err != nil {
			return err
		}
		nat, err := v.CreateNatGateway(vpc.NatGatewayConfig{Name: "nat-" + az, Subnet: pub, ElasticIP: eip, Tags: tags("network")})
		if err != nil {
			return err
		}
		rt, err := v.CreateRouteTable("private-" + az)
		if err != nil {
			return err
		}
		if err := rt.CreateRoute(vpc.RouteConfig{DestinationCidrBlock: "0.0.0.0/0", Target: nat}); err != nil {
			return err
		}
		if err := rt.Associate(priv); err != nil {
			return err
		}
		private = append(private, rt)
	}
	if c.s3Endpoint {
		if _, err := v.CreateEndpoint(vpc.EndpointConfig{ServiceName: s3Svc, VpcEndpointType: vpc.EndpointTypeGateway,
			RouteTables: private, Tags: tags("network")}); err != nil {
			return err
		}
	}
	pl, ok := n.PrefixList(s3Svc)
	if !ok || len(pl.CIDRs()) == 0 {
		return fmt.Errorf("no prefix list for %s", s3Svc)
	}
	sh.s3Addr = pl.CIDRs()[0].Addr().Next()
	return nil
}

// webTier builds S3, EC2, the ALB and the fleet behind it.
func (sh *shop) webTier(c config) error {
	var err error
	if sh.s3, err = s3.New(sh.s, s3.Config{Billing: sh.ledger}); err != nil {
		return err
	}
	if sh.ec2, err = ec2.New(sh.s, ec2.Config{Metrics: sh.cw, Billing: sh.ledger}); err != nil {
		return err
	}
	if sh.alb, err = elb.New(sh.s, elb.Config{Name: "shop", AvailabilityZones: azs, Metrics: sh.cw, Billing: sh.ledger,
		Tags: tags("web")}); err != nil {
		return err
	}
	if sh.tg, err = elb.NewTargetGroup(sh.s, elb.Application, elb.TargetGroupConfig{Name: "shop-web",
		Algorithm:           elb.LeastOutstandingRequests,
		HealthCheck:         elb.HealthCheck{Path: "/health", Interval: 10 * time.Second, HealthyThreshold: 2, UnhealthyThreshold: 2},
		DeregistrationDelay: elb.Duration(30 * time.Second)}); err != nil {
		return err
	}
	fwd := elb.Action{Type: elb.Forward, TargetGroups: []elb.WeightedTargetGroup{{TargetGroup: sh.tg, Weight: 1}}}
	for _, l := range []elb.ListenerConfig{{Port: 80, Protocol: elb.HTTP, DefaultAction: fwd}, {Port: 443, Protocol: elb.HTTPS, DefaultAction: fwd}} {
		if _, err := sh.alb.AddListener(l); err != nil {
			return err
		}
	}
	// The product catalogue the application reads on every dynamic request.
	catalogue, err := sh.s3.CreateBucket(s3.BucketConfig{Name: "shop-catalogue", Tags: tags("data")})
	if err != nil {
		return err
	}
	sh.catalogue = catalogue
	if err := catalogue.PutBucketPolicy(fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",`+
		`"Principal":{"AWS":%q},"Action":"s3:GetObject","Resource":"%s/*"}]}`, roleARN, catalogue.ARN())); err != nil {
		return err
	}
	if _, err := catalogue.PutObject("catalogue.json", s3.PutObjectInput{Size: c.catalogueBytes}); err != nil {
		return err
	}
	var subnets []ec2.Subnet
	for _, az := range azs {
		for _, sn := range sh.net.VPCs()[0].SubnetsInAZ(az) {
			if !sn.IsPublic() {
				subnets = append(subnets, sn)
			}
		}
	}
	spec := ec2.LaunchSpec{InstanceType: c.instanceType, Tags: tags("web"), DetailedMonitoring: true,
		Server: ec2.ServerConfig{MaxQueue: c.maxQueue, WarmUp: time.Minute}}
	return sh.newFleet(c, spec, subnets)
}

// edge builds the CloudFront distribution: /static/* from the assets bucket
// through origin access control, everything else uncached to the ALB.
func (sh *shop) edge(c config) error {
	edges := make([]string, 0, len(countries))
	for _, ct := range countries {
		edges = append(edges, ct.edge)
	}
	var err error
	if sh.cf, err = cloudfront.New(sh.s, cloudfront.Config{Edges: edges, Metrics: sh.cw, Billing: sh.ledger}); err != nil {
		return err
	}
	assets, err := sh.s3.CreateBucket(s3.BucketConfig{Name: "shop-assets", Tags: tags("edge")})
	if err != nil {
		return err
	}
	sh.staticKeys, err = workload.NewKeys(workload.KeysConfig{Prefix: "/static/", N: c.staticObjects, ZipfS: 0.9,
		Sizes: workload.LogNormalMeanCV(float64(c.staticBytes), 1)}, sh.s.Stream("webshop/static/sizes"))
	if err != nil {
		return err
	}
	for i := range sh.staticKeys.Len() {
		if _, err := assets.PutObject(sh.staticKeys.Path(i)[1:], s3.PutObjectInput{Size: sh.staticKeys.Size(i),
			CacheControl: "max-age=86400"}); err != nil {
			return err
		}
	}
	dynamic := cloudfront.CachingDisabled
	static := cloudfront.CachingOptimized
	allViewer := cloudfront.AllViewer
	sh.dist, err = sh.cf.CreateDistribution(cloudfront.DistributionConfig{
		Aliases: []string{shopHost},
		Origins: []cloudfront.Origin{
			{ID: "alb", DomainName: sh.alb.DNSName(), Handler: sh.alb, Region: region},
			{ID: "assets", DomainName: assets.RegionalDomainName(), Handler: assets, Region: region, S3: true,
				OriginAccessControl: &cloudfront.OriginAccessControl{Name: "shop-assets"}},
		},
		DefaultCacheBehavior: cloudfront.CacheBehavior{TargetOriginID: "alb", ViewerProtocolPolicy: cloudfront.RedirectToHTTPS,
			AllowedMethods: cloudfront.AllMethods, CachePolicy: &dynamic, OriginRequestPolicy: &allViewer},
		CacheBehaviors: []cloudfront.CacheBehavior{{PathPattern: "/static/*", TargetOriginID: "assets",
			ViewerProtocolPolicy: cloudfront.RedirectToHTTPS, Compress: true, CachePolicy: &static}},
		Tags: tags("edge"),
	})
	if err != nil {
		return err
	}
	return assets.PutBucketPolicy(s3.OACPolicy(assets.ARN(), sh.dist.ARN()))
}

// dns builds the hosted zone with a latency alias record for the shop and a
// resolver pool per client country; the forwarder is what clients call.
func (sh *shop) dns() error {
	var err error
	if sh.r53, err = route53.New(sh.s, route53.Config{Billing: sh.ledger}); err != nil {
		return err
	}
	alias := distAlias{d: sh.dist, addrs: []netip.Addr{netip.MustParseAddr("13.224.0.10"), netip.MustParseAddr("13.224.0.11")}}
	if err := sh.r53.RegisterResource(alias, sh.dist); err != nil {
		return err
	}
	zone, err := sh.r53.CreateHostedZone(route53.HostedZoneConfig{Name: "shop.example"})
	if err != nil {
		return err
	}
	if _, err := sh.r53.ChangeResourceRecordSets(zone.ID(), []route53.Change{{Action: "CREATE",
		ResourceRecordSet: route53.ResourceRecordSet{Name: shopHost, Type: "A", SetIdentifier: region, Region: region,
			AliasTarget: &route53.AliasTarget{DNSName: alias.DNSName(), Resource: alias}}}}); err != nil {
		return err
	}
	for _, ct := range countries {
		gc, ok := geo.LookupCountry(ct.code)
		if !ok {
			return fmt.Errorf("unknown country %s", ct.code)
		}
		if _, err := sh.r53.NewResolverPool(route53.ResolverPoolConfig{Name: "isp-" + ct.code, Count: 8,
			Location: gc.Location, Country: ct.code}); err != nil {
			return err
		}
	}
	sh.front = sh.r53.NewForwarder(route53.ForwarderConfig{})
	return nil
}

// monitoring creates the operator's alarms (the scaling alarms belong to the
// fleet): ALB 5XX errors and p99 target response time.
func (sh *shop) monitoring(c config) error {
	lb := []cloudwatch.Dimension{{Name: "LoadBalancer", Value: sh.alb.Dimension()}}
	for _, a := range []cloudwatch.AlarmConfig{
		{AlarmName: "shop-alb-5xx", Namespace: "AWS/ApplicationELB", MetricName: "HTTPCode_ELB_5XX_Count", Dimensions: lb,
			Statistic: "Sum", Period: 60, EvaluationPeriods: 3, DatapointsToAlarm: 2, Threshold: 10,
			ComparisonOperator: cloudwatch.GreaterThanThreshold, TreatMissingData: cloudwatch.TreatNotBreaching},
		{AlarmName: "shop-alb-p99", Namespace: "AWS/ApplicationELB", MetricName: "TargetResponseTime", Dimensions: lb,
			ExtendedStatistic: "p99", Period: 60, EvaluationPeriods: 5, DatapointsToAlarm: 3, Threshold: c.sloP99.Seconds(),
			ComparisonOperator: cloudwatch.GreaterThanThreshold, TreatMissingData: cloudwatch.TreatNotBreaching},
	} {
		al, err := sh.cw.PutMetricAlarm(a)
		if err != nil {
			return err
		}
		sh.alarms = append(sh.alarms, al)
	}
	return nil
}

// traffic starts the shoppers: a diurnal day peaking in the evening UTC, a
// flash sale, static assets (cacheable) and dynamic pages (CPU work on the
// fleet, a catalogue read from S3).
func (sh *shop) traffic(c config) error {
	pops := make([]workload.Population, 0, len(countries))
	for _, ct := range countries {
		pops = append(pops, workload.Population{Name: ct.code, Weight: ct.weight, Country: ct.code,
			Prefixes: []netip.Prefix{netip.MustParsePrefix(ct.prefix)}, Users: uint64(20000 * ct.weight), Resolver: "isp-" + ct.code})
	}
	clients, err := workload.NewClients(pops)
	if err != nil {
		return err
	}
	rate := workload.SumRate{workload.Diurnal{Peak: c.peak * c.scale, Trough: c.trough * c.scale, PeakHour: c.peakHour,
		Epoch: sh.s.Epoch()}}
	if c.flashHour >= 0 {
		rate = append(rate, workload.Spike{Base: 0, Peak: c.peak * c.scale * (c.flashFactor - 1),
			At: at(hoursDur(c.flashHour)), Duration: c.flashDuration})
	}
	products := make([]string, 5000)
	for i := range products {
		products[i] = fmt.Sprintf("/product/%d", i)
	}
	work := workload.LogNormalMeanCV(c.work.Seconds(), 0.3)
	sh.client, err = workload.NewOpenLoop(sh.s, workload.OpenLoopConfig{
		Name: "shoppers", Target: sh.front, Arrivals: workload.Poisson{Rate: rate}, Start: at(0), Until: at(c.horizon), Clients: clients,
		Shape: workload.Shape{Protocol: "HTTPS", Host: shopHost, Customize: func(req *sim.Request, r *rand.Rand) {
			static := r.Float64() < c.staticShare
			sh.obs.sentOne(static)
			if static {
				req.Path = sh.staticKeys.Path(sh.staticKeys.Pick(r))
				return
			}
			req.Work = time.Duration(work.Sample(r) * float64(time.Second))
			if r.Float64() < 0.1 {
				req.Method, req.Path, req.Bytes = "POST", "/cart", 2_000
				return
			}
			req.Path = products[r.IntN(len(products))]
		}},
		OnResponse: sh.obs.record,
	})
	if err != nil {
		return err
	}
	if c.failHour >= 0 {
		sh.s.Schedule(at(hoursDur(c.failHour)), func() { sh.ec2.FailAZ(c.failAZ) })
		sh.s.Schedule(at(hoursDur(c.failHour)+c.failDuration), func() { sh.ec2.RecoverAZ(c.failAZ) })
	}
	return nil
}
