// Package route53 models Amazon Route 53 in virtual time: hosted zones and
// record sets, every routing policy with its health handling, health
// checks and their checkers, the Route 53 Resolver inside VPCs, and the
// recursive resolvers whose caches decide how fast clients really follow a
// DNS change.
//
// # What it models
//
//   - Public and private hosted zones with the SOA and NS record sets
//     Route 53 creates (SOA TTL 900 s, negative-caching minimum 86,400 s);
//     private zones associated with VPCs. Record sets of type A, AAAA,
//     CAA, CNAME, MX, NS, PTR, SOA, SRV and TXT, parsed and printed with
//     github.com/miekg/dns; wildcard names; alias records to AWS resources
//     (anything implementing AliasResource) and to other record sets of
//     the zone, with EvaluateTargetHealth.
//   - Change batches (CREATE, DELETE, UPSERT) applied atomically, rejected
//     with InvalidChangeBatch / InvalidInput messages worded like Route 53's
//     and naming the record set (CNAME at the apex or beside other types,
//     bad addresses, TTL or weight out of range, mixed policies, …).
//   - BIND zone files: ImportZoneFile and ExportZoneFile.
//   - Routing policies: simple (all values, random order), weighted (0–255;
//     zero weights only when every nonzero record is unhealthy; all zero =
//     equal shares), latency (lowest RTT from the resolver to the record's
//     region, by the geo latency model), failover (primary unless
//     unhealthy; both unhealthy → primary), geolocation (subdivision >
//     country > continent > default; no match → NOERROR without records),
//     geoproximity (bias −99…99), IP-based (CIDR collections, longest
//     prefix, default location "*"), multivalue (up to 8 healthy records at
//     random; all unhealthy → up to 8 of them). When no record of a group
//     is healthy, Route 53 answers as if all were.
//   - Health checks: HTTP, HTTPS, string match and TCP probes sent to a
//     sim.Handler by DefaultCheckers checkers spread over the checker
//     regions, each probing every RequestInterval (10 or 30 s) after its
//     previous result, at an independent random phase; a checker changes
//     its view after FailureThreshold consecutive results; the check is
//     healthy while more than 18 % of checkers say so. Calculated checks
//     and checks that follow a CloudWatch alarm (through AlarmStates). The
//     AWS/Route53 metrics HealthCheckStatus, HealthCheckPercentageHealthy
//     and ChildHealthCheckHealthyCount, one StatisticSet per minute.
//   - The VPC Resolver at base + 2 (VPCResolver): Resolver rules, private
//     zones, interface-endpoint private DNS, then public DNS; inbound and
//     outbound Resolver endpoints and FORWARD/SYSTEM rules.
//   - Recursive resolvers (NewResolver, NewResolverPool) that cache
//     answers for their TTL and negative answers for min(SOA TTL, SOA
//     minimum), a share of which keep answers past the TTL, with the RTT to
//     the nearest Route 53 edge location as query latency, optionally
//     sending the client's subnet (EDNS0 client subnet). A Forwarder is
//     a sim.Handler that resolves req.Host through the client's resolver
//     and sends the request to the handler registered for the answer.
//   - Query counts per zone and record type; billing per million queries
//     by policy (alias queries to AWS resources free), per hosted zone, per
//     health check (with feature surcharges) and per Resolver endpoint ENI.
//
// # Wiring it into an architecture
//
//	r, _ := route53.New(s, route53.Config{Metrics: cw, Billing: ledger})
//	// Any service with a DNS name and a handler (an ALB, a distribution):
//	lb := &route53.Resource{Name: alb.DNSName(), IPs: ips, Health: func() bool { … }}
//	r.RegisterResource(lb, alb)
//	z, _ := r.CreateHostedZone(route53.HostedZoneConfig{Name: "example.com"})
//	r.ChangeResourceRecordSets(z.ID(), []route53.Change{{Action: "CREATE",
//		ResourceRecordSet: route53.ResourceRecordSet{Name: "www.example.com", Type: "A",
//			AliasTarget: &route53.AliasTarget{DNSName: alb.DNSName(), EvaluateTargetHealth: true}}}})
//	r.NewResolverPool(route53.ResolverPoolConfig{Name: "isp-de", Count: 20, Country: "DE", …})
//	front := r.NewForwarder(route53.ForwarderConfig{}) // a sim.Handler
//	s.Send(front, &sim.Request{Host: "www.example.com", Client: sim.Client{ID: 7, Resolver: "isp-de"}}, done)
//
// # Assumptions (knobs, marked in their doc comments)
//
// The number of checkers per check (AWS says "about 15"), the alarm poll
// interval, the share of resolvers that hold answers past their TTL and
// for how long (DefaultStaleShare, DefaultStaleHold), client↔resolver and
// in-VPC latencies, the TTL of endpoint private DNS answers and of names
// outside every zone. Probes have no connection phase: a handler's reply
// within the type's limit (HTTP 6 s, string match 8 s, TCP 10 s) plus the
// RTT between the checker and EndpointRegion passes; a dropped request
// fails. String matching reads the BodyHeader response header, since
// sim.Response carries no body.
//
// # What it leaves out
//
// Change propagation delay (changes are INSYNC at once), DNSSEC, traffic
// policies, query logging, delegation to subzones within a zone, the 1,024 packets
// per second Resolver limit, health-check latency measurement, and the
// cheaper query tier beyond a billion queries a month. One public zone per
// name (AWS allows several with different delegation sets). Domain names
// are limited to letters, digits, '-', '_' and a leading '*' label.
package route53
