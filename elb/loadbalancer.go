package elb

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// Response reasons for requests the load balancer drops or answers itself.
const (
	ReasonNoTarget      = "ELB.NoRegisteredTarget"    // 503
	ReasonTargetFailed  = "ELB.TargetConnectionError" // 502
	ReasonTargetTimeout = "ELB.TargetTimeout"         // 504
	ReasonNoListener    = "ELB.NoListener"            // dropped: nothing listens on the port
	ReasonBlocked       = "ELB.Blocked"               // dropped: scheme or security group
	ReasonDeleted       = "ELB.Deleted"               // dropped: the load balancer was deleted
)

// LoadBalancer is an ALB, NLB, GWLB or CLB. It is a sim.Handler.
type LoadBalancer struct {
	s         *sim.Sim
	cfg       Config
	id        string
	dim       string // CloudWatch LoadBalancer dimension: app/<name>/<id>
	arn       string
	crossZone bool
	listeners []*Listener
	groups    []*TargetGroup
	deleted   bool
	rng       interface{ Float64() float64 }

	pool    []*flight
	conns   map[connKey]*conn
	log     io.Writer
	logBuf  []byte
	minute  minuteStats
	hour    hourStats
	tickers []*sim.Ticker
}

// Listener is a load balancer listener.
type Listener struct {
	cfg   ListenerConfig
	rules []Rule // sorted by priority
}

// Rules returns the listener's rules by priority.
func (l *Listener) Rules() []Rule { return append([]Rule(nil), l.rules...) }

// connKey is a hash of (client, source address and port, listener port);
// a 64-bit hash keeps the per-request map lookup cheap, and a collision
// only merges two connections in the connection counts.
type connKey uint64

type conn struct {
	last   sim.Time
	target *member // NLB/GWLB flows stay on their target
	group  *TargetGroup
}

type minuteStats struct {
	requests, elb3, elb4, elb5, elb502, elb503, elb504, target2, target3, target4, target5 uint64
	bytes, newConns, rejected, targetConnErr, unhealthyRouted, nonSticky, ruleEvals        uint64
	respTime                                                                               []float64
}

type hourStats struct {
	start                         sim.Time
	newConns, bytes, ruleEvalsLCU uint64
	activeSum, activeSamples      uint64
}

// New creates a load balancer. Add listeners with AddListener.
func New(s *sim.Sim, cfg Config) (*LoadBalancer, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	lb := &LoadBalancer{s: s, cfg: cfg, conns: map[connKey]*conn{}}
	lb.id = s.NewID("elb")[4:]
	prefix := map[Type]string{Application: "app", Network: "net", Gateway: "gwy", Classic: "classic"}[cfg.Type]
	lb.dim = fmt.Sprintf("%s/%s/%s", prefix, cfg.Name, lb.id)
	lb.arn = fmt.Sprintf("arn:aws:elasticloadbalancing:%s:123456789012:loadbalancer/%s", cfg.Region, lb.dim)
	switch {
	case cfg.CrossZone != nil:
		lb.crossZone = *cfg.CrossZone
	default:
		lb.crossZone = cfg.Type == Application
	}
	lb.rng = s.Stream("elb/" + cfg.Name)
	lb.hour.start = s.Now()
	lb.tickers = append(lb.tickers,
		s.Every(s.Now().Add(time.Minute), time.Minute, func(sim.Time) { lb.flushMinute() }),
		s.Every(s.Now().Add(time.Hour), time.Hour, func(sim.Time) { lb.billHour() }))
	if s.Tracing() {
		s.Trace("elb", "CreateLoadBalancer", lb.arn, sim.F("type", cfg.Type), sim.F("scheme", cfg.Scheme), sim.F("zones", cfg.AvailabilityZones))
	}
	return lb, nil
}

// Name returns the load balancer's name.
func (lb *LoadBalancer) Name() string { return lb.cfg.Name }

// ARN returns the load balancer's ARN.
func (lb *LoadBalancer) ARN() string { return lb.arn }

// Dimension returns the value of the CloudWatch LoadBalancer dimension,
// such as "app/web/0a1b2c3d4e5f6071".
func (lb *LoadBalancer) Dimension() string { return lb.dim }

// DNSName returns the load balancer's DNS name as AWS forms it.
func (lb *LoadBalancer) DNSName() string {
	prefix := ""
	if lb.cfg.Scheme == Internal {
		prefix = "internal-"
	}
	return fmt.Sprintf("%s%s-%s.%s.elb.amazonaws.com", prefix, lb.cfg.Name, lb.id[:10], lb.cfg.Region)
}

// Config returns the configuration with defaults filled in.
func (lb *LoadBalancer) Config() Config { return lb.cfg }

// CrossZone reports whether the load balancer balances across zones.
func (lb *LoadBalancer) CrossZone() bool { return lb.crossZone }

// AddListener adds a listener. Ports are unique; ALB listeners are HTTP or
// HTTPS, NLB listeners TCP, UDP or TLS, GWLB listeners GENEVE. The target
// groups its actions forward to are attached, and their targets checked,
// only when it succeeds. On a deleted load balancer it fails with
// ErrNotFound.
func (lb *LoadBalancer) AddListener(cfg ListenerConfig) (*Listener, error) {
	if lb.deleted {
		return nil, fmt.Errorf("elb: load balancer %q: AddListener: the load balancer is deleted: %w", lb.cfg.Name, ErrNotFound)
	}
	where := fmt.Sprintf("elb: load balancer %q: listener :%d", lb.cfg.Name, cfg.Port)
	if cfg.Protocol == "" {
		cfg.Protocol = map[Type]Protocol{Application: HTTP, Network: TCP, Gateway: GENEVE, Classic: HTTP}[lb.cfg.Type]
	}
	if cfg.Port == 0 {
		cfg.Port = map[Protocol]uint16{HTTP: 80, HTTPS: 443, TCP: 80, UDP: 53, TLS: 443, GENEVE: 6081}[cfg.Protocol]
	}
	ok := map[Type][]Protocol{Application: {HTTP, HTTPS}, Network: {TCP, UDP, TLS}, Gateway: {GENEVE}, Classic: {HTTP, HTTPS, TCP, TLS}}[lb.cfg.Type]
	if !contains(ok, cfg.Protocol) {
		return nil, fmt.Errorf("%s: Protocol %s is not one of %v for a %s load balancer: %w", where, cfg.Protocol, ok, lb.cfg.Type, ErrInvalidConfig)
	}
	for _, l := range lb.listeners {
		if l.cfg.Port == cfg.Port {
			return nil, fmt.Errorf("%s: Port %d already has a listener: %w", where, cfg.Port, ErrInvalidConfig)
		}
	}
	if err := lb.validAction(where+": DefaultAction", cfg.DefaultAction); err != nil {
		return nil, err
	}
	if len(cfg.Rules) > 0 && lb.cfg.Type != Application {
		return nil, fmt.Errorf("%s: Rules are only for application load balancers: %w", where, ErrInvalidConfig)
	}
	rules := append([]Rule(nil), cfg.Rules...)
	seen := map[int]bool{}
	for _, r := range rules {
		rw := fmt.Sprintf("%s: rule %d", where, r.Priority)
		if r.Priority < 1 || r.Priority > 50000 {
			return nil, fmt.Errorf("%s: Priority outside 1–50000: %w", rw, ErrInvalidConfig)
		}
		if seen[r.Priority] {
			return nil, fmt.Errorf("%s: Priority is used twice: %w", rw, ErrInvalidConfig)
		}
		seen[r.Priority] = true
		if err := validConditions(rw, r.Conditions); err != nil {
			return nil, err
		}
		if err := lb.validAction(rw, r.Action); err != nil {
			return nil, err
		}
	}
	// Attach only once everything is valid: a failed call leaves no group
	// attached and no health checks running.
	lb.attachGroups(cfg.DefaultAction)
	for _, r := range rules {
		lb.attachGroups(r.Action)
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].Priority < rules[j].Priority })
	l := &Listener{cfg: cfg, rules: rules}
	lb.listeners = append(lb.listeners, l)
	return l, nil
}

func (lb *LoadBalancer) validAction(where string, a Action) error {
	switch a.Type {
	case Forward:
		if len(a.TargetGroups) == 0 {
			return fmt.Errorf("%s: forward needs at least one target group: %w", where, ErrInvalidConfig)
		}
		if len(a.TargetGroups) > 1 && lb.cfg.Type != Application {
			return fmt.Errorf("%s: weighted forward is only for application load balancers: %w", where, ErrInvalidConfig)
		}
		for _, w := range a.TargetGroups {
			if w.TargetGroup == nil {
				return fmt.Errorf("%s: nil target group: %w", where, ErrInvalidConfig)
			}
			if w.Weight < 0 || w.Weight > 999 || (len(a.TargetGroups) > 1 && w.Weight == 0 && allZero(a.TargetGroups)) {
				return fmt.Errorf("%s: target group %q: Weight %d outside 0–999 (and not all zero): %w", where, w.TargetGroup.cfg.Name, w.Weight, ErrInvalidConfig)
			}
			if w.TargetGroup.lb != nil && w.TargetGroup.lb != lb {
				return fmt.Errorf("%s: target group %q already belongs to load balancer %q: %w", where, w.TargetGroup.cfg.Name, w.TargetGroup.lb.cfg.Name, ErrInvalidConfig)
			}
		}
	case Redirect:
		if lb.cfg.Type != Application {
			return fmt.Errorf("%s: redirect is only for application load balancers: %w", where, ErrInvalidConfig)
		}
		if a.StatusCode != 301 && a.StatusCode != 302 {
			return fmt.Errorf("%s: redirect StatusCode %d is not 301 or 302: %w", where, a.StatusCode, ErrInvalidConfig)
		}
	case FixedResponse:
		if lb.cfg.Type != Application {
			return fmt.Errorf("%s: fixed-response is only for application load balancers: %w", where, ErrInvalidConfig)
		}
		if c := a.StatusCode / 100; c != 2 && c != 4 && c != 5 {
			return fmt.Errorf("%s: fixed-response StatusCode %d is not 2XX, 4XX or 5XX: %w", where, a.StatusCode, ErrInvalidConfig)
		}
	default:
		return fmt.Errorf("%s: action Type %q is not forward, redirect or fixed-response: %w", where, a.Type, ErrInvalidConfig)
	}
	return nil
}

// attachGroups attaches the groups a validated action forwards to that
// have no load balancer yet (other action types ignore TargetGroups).
func (lb *LoadBalancer) attachGroups(a Action) {
	if a.Type != Forward {
		return
	}
	for _, w := range a.TargetGroups {
		if w.TargetGroup.lb == nil {
			w.TargetGroup.attach(lb)
		}
	}
}

func allZero(ws []WeightedTargetGroup) bool {
	for _, w := range ws {
		if w.Weight != 0 {
			return false
		}
	}
	return true
}

// Delete removes the load balancer; it fails while DeletionProtection is on.
// A deleted load balancer drops every request and stops billing; its nodes
// stop health-checking, and its target groups' targets become unused
// (Target.NotInUse) unless draining.
func (lb *LoadBalancer) Delete() error {
	if lb.cfg.DeletionProtection {
		return fmt.Errorf("elb: load balancer %q: Delete: DeletionProtection is enabled: %w", lb.cfg.Name, ErrInvalidConfig)
	}
	if lb.deleted {
		return nil
	}
	lb.billHour()
	lb.deleted = true
	for _, t := range lb.tickers {
		t.Stop()
	}
	for _, tg := range lb.groups {
		if tg.lb == lb {
			tg.detach()
		}
	}
	if lb.s.Tracing() {
		lb.s.Trace("elb", "DeleteLoadBalancer", lb.arn)
	}
	return nil
}

// SetAccessLog starts writing an access-log line per request to w, in the
// ALB (or NLB) access-log format; nil stops it.
func (lb *LoadBalancer) SetAccessLog(w io.Writer) { lb.log = w }

// TargetGroups returns the target groups the listeners forward to.
func (lb *LoadBalancer) TargetGroups() []*TargetGroup {
	return append([]*TargetGroup(nil), lb.groups...)
}

func (lb *LoadBalancer) zoneEnabled(az string) bool { return contains(lb.cfg.AvailabilityZones, az) }

// node picks the node (an index into AvailabilityZones) a client reaches:
// DNS round robin over the node addresses, stable per client, skipping
// zones DNS failover removed (those whose node sees no healthy target in
// its zone when cross-zone is off).
func (lb *LoadBalancer) node(req *sim.Request) int {
	n := len(lb.cfg.AvailabilityZones)
	h := mix64(req.Client.ID ^ hashAddr(req.Client.IP))
	if !lb.crossZone && (lb.cfg.Type == Network || lb.cfg.Type == Gateway) {
		var buf [8]int // on the stack for up to 8 zones
		live := buf[:0]
		for i := range n {
			if lb.zoneHealthy(i) {
				live = append(live, i)
			}
		}
		if len(live) > 0 {
			return live[h%uint64(len(live))]
		}
	}
	return int(h % uint64(n))
}

// zoneHealthy reports whether node i sees a healthy target in its zone.
func (lb *LoadBalancer) zoneHealthy(i int) bool {
	az := lb.cfg.AvailabilityZones[i]
	for _, g := range lb.groups {
		for _, m := range g.members {
			if m.az == az && m.views[i].state == StateHealthy {
				return true
			}
		}
	}
	return false
}

func (lb *LoadBalancer) listener(req *sim.Request) *Listener {
	if req.DstPort != 0 {
		for _, l := range lb.listeners {
			if l.cfg.Port == req.DstPort {
				return l
			}
		}
		return nil
	}
	want := Protocol(strings.ToUpper(req.Protocol))
	if want == "" {
		want = HTTPS
	}
	for _, l := range lb.listeners {
		if l.cfg.Protocol == want {
			return l
		}
	}
	if len(lb.listeners) > 0 {
		return lb.listeners[0]
	}
	return nil
}

// flight is one request's passage through the load balancer.
type flight struct {
	lb       *LoadBalancer
	req      *sim.Request
	reply    func(sim.Response)
	enter    sim.Time
	sent     sim.Time
	node     int    // index of the node (and its zone) the client reached
	epoch    uint64 // the target's view epoch when the node sent it the request
	az       string
	group    *TargetGroup
	m        *member
	timeout  sim.Timer
	done     bool
	cross    bool
	rulePrio int
	action   string
	setCook  string
	timedOut bool
	back     sim.Response // the answer crossing back to another zone

	// Bound once per pooled flight, so a request allocates no closures.
	sendFn, timeoutFn, backFn func()
	replyFn                   func(sim.Response)
}

// newFlight takes a flight from the pool. Flights return to it when they
// finish, unless the load balancer timed out waiting for the target (whose
// late answer may still arrive).
func (lb *LoadBalancer) newFlight() *flight {
	if n := len(lb.pool); n > 0 {
		f := lb.pool[n-1]
		lb.pool = lb.pool[:n-1]
		return f
	}
	f := &flight{lb: lb}
	f.sendFn, f.timeoutFn, f.replyFn = f.send, f.onTimeout, f.onReply
	f.backFn = func() { f.finish(f.back, false) }
	return f
}

// Serve routes one request.
func (lb *LoadBalancer) Serve(req *sim.Request, reply func(sim.Response)) {
	now := lb.s.Now()
	if lb.deleted {
		reply(sim.Response{From: "elb:" + lb.cfg.Name, Reason: ReasonDeleted})
		return
	}
	l := lb.listener(req)
	if l == nil {
		reply(sim.Response{From: "elb:" + lb.cfg.Name, Reason: ReasonNoListener})
		return
	}
	if fw := lb.cfg.Firewall; fw != nil {
		if ok, why := fw.Allow(req.Client.IP, l.cfg.Port); !ok {
			lb.minute.rejected++
			reply(sim.Response{From: "elb:" + lb.cfg.Name, Reason: ReasonBlocked + ": " + why})
			return
		}
	}
	f := lb.newFlight()
	f.req, f.reply, f.enter, f.node = req, reply, now, lb.node(req)
	f.az = lb.cfg.AvailabilityZones[f.node]
	lb.minute.bytes += uint64(max(req.Bytes, 0))
	lb.hour.bytes += uint64(max(req.Bytes, 0))
	fl := flow{src: req.Client.IP, srcPort: req.SrcPort, dstPort: l.cfg.Port, proto: string(l.cfg.Protocol)}
	c := lb.connection(req, fl)

	action := l.cfg.DefaultAction
	f.rulePrio = 0 // the default rule logs priority 0
	if lb.cfg.Type == Application {
		evaluated := 0
		for i := range l.rules {
			evaluated++
			if l.rules[i].matches(req) {
				action = l.rules[i].Action
				f.rulePrio = l.rules[i].Priority
				break
			}
		}
		lb.minute.ruleEvals += uint64(evaluated)
		if evaluated > 10 {
			lb.hour.ruleEvalsLCU += uint64(evaluated - 10)
		}
	}
	switch action.Type {
	case FixedResponse:
		f.action = "fixed-response"
		f.finish(sim.Response{Status: action.StatusCode, Bytes: action.BodyBytes}, true)
		return
	case Redirect:
		f.action = "redirect"
		loc := strings.NewReplacer("#{host}", req.Host, "#{path}", req.Path).Replace(action.RedirectURL)
		f.finish(sim.Response{Status: action.StatusCode, Headers: []sim.Header{{Name: "Location", Value: loc}}}, true)
		return
	}
	f.action = "forward"
	f.group = lb.chooseGroup(action.TargetGroups)
	lb.forward(f, fl, c)
}

// chooseGroup picks among a forward action's target groups by weight.
func (lb *LoadBalancer) chooseGroup(ws []WeightedTargetGroup) *TargetGroup {
	if len(ws) == 1 {
		return ws[0].TargetGroup
	}
	total := 0
	for _, w := range ws {
		total += w.Weight
	}
	u := lb.rng.Float64() * float64(total)
	for _, w := range ws {
		u -= float64(w.Weight)
		if u < 0 {
			return w.TargetGroup
		}
	}
	return ws[len(ws)-1].TargetGroup
}

// connection finds or opens the client's connection (or NLB flow).
func (lb *LoadBalancer) connection(req *sim.Request, fl flow) *conn {
	k := connKey(mix64(req.Client.ID^hashAddr(fl.src)) ^ uint64(fl.srcPort)<<16 ^ uint64(fl.dstPort))
	now := lb.s.Now()
	c, ok := lb.conns[k]
	if !ok || now.Sub(c.last) > lb.cfg.IdleTimeout {
		c = &conn{}
		lb.conns[k] = c
		lb.minute.newConns++
		lb.hour.newConns++
	}
	c.last = now
	return c
}

func (lb *LoadBalancer) forward(f *flight, fl flow, c *conn) {
	g := f.group
	var m *member
	var failOpen, nonSticky bool
	if lb.cfg.Type == Network || lb.cfg.Type == Gateway {
		// A flow stays on its target while the node sees it routable.
		if t := c.target; t != nil && c.group == g && g.byID[t.id] == t {
			if st := t.views[f.node].state; st == StateHealthy || st == StateInitial {
				m = t
			}
		}
	}
	if m == nil {
		m, failOpen, nonSticky = g.pick(f.req, f.node, f.az, fl)
		c.target, c.group = m, g
	}
	if m == nil {
		f.finish(sim.Response{Status: 503, Reason: ReasonNoTarget}, true)
		return
	}
	if failOpen {
		lb.minute.unhealthyRouted++
		g.stats.unhealthyRouted++
	}
	if nonSticky {
		lb.minute.nonSticky++
		g.stats.nonSticky++
	}
	st := g.cfg.Stickiness
	if st.Type == LBCookie || st.Type == AppCookie {
		f.setCook = stickyCookie(m.id, lb.s.Now().Add(st.Duration))
	}
	f.m = m
	f.cross = m.az != f.az
	m.inFlight++
	f.epoch = m.epoch
	m.views[f.node].inFlight++
	m.minReq++
	lb.minute.requests++
	g.stats.requests++
	delay := lb.cfg.NodeLatency
	if f.cross {
		delay += lb.cfg.CrossAZLatency
		if lb.cfg.Type == Network || lb.cfg.Type == Gateway {
			lb.billCrossAZ(f.req.Bytes)
		}
	}
	if lb.cfg.Type == Gateway {
		delay += lb.cfg.GeneveOverhead
	}
	f.timeout = lb.s.After(lb.cfg.IdleTimeout+delay, f.timeoutFn)
	lb.s.After(delay, f.sendFn)
}

func (f *flight) send() {
	if f.done {
		return
	}
	f.sent = f.lb.s.Now()
	f.m.t.Serve(f.req, f.replyFn)
}

func (f *flight) onTimeout() {
	if f.done {
		return
	}
	// Mark the flight answered before release: finishing a drain may
	// terminate the target, which answers this very request at once.
	f.done = true
	f.lb.minute.elb504++
	f.timedOut = true
	f.release(true)
	f.finish(sim.Response{Status: 504, Reason: ReasonTargetTimeout}, true)
}

func (f *flight) onReply(resp sim.Response) {
	if f.done {
		return // answered after the load balancer gave up
	}
	f.done = true
	f.lb.s.Cancel(f.timeout)
	lb := f.lb
	g := f.group
	rt := lb.s.Now().Sub(f.sent).Seconds()
	lb.minute.respTime = append(lb.minute.respTime, rt)
	g.stats.respTime = append(g.stats.respTime, rt)
	if resp.Failed() {
		lb.minute.targetConnErr++
		lb.minute.elb502++
		f.release(true)
		f.finish(sim.Response{Status: 502, Reason: ReasonTargetFailed + ": " + resp.Reason}, true)
		return
	}
	switch resp.Status / 100 {
	case 2:
		lb.minute.target2++
		g.stats.target2++
	case 3:
		lb.minute.target3++
		g.stats.target3++
	case 4:
		lb.minute.target4++
		g.stats.target4++
	case 5:
		lb.minute.target5++
		g.stats.target5++
	}
	f.release(resp.Status >= 500)
	if f.cross {
		// The answer crosses back.
		f.back = resp
		lb.s.After(lb.cfg.CrossAZLatency, f.backFn)
		return
	}
	f.finish(resp, false)
}

// release ends the request's hold on its target.
func (f *flight) release(failed bool) {
	m := f.m
	m.inFlight--
	// A node whose views were since replaced (a deleted load balancer) no
	// longer counts the request.
	if m.epoch == f.epoch {
		m.views[f.node].inFlight--
	}
	if failed {
		m.minErr++
	}
	if m.state == StateDraining && m.inFlight == 0 {
		f.group.finishDrain(m)
	}
}

// finish answers the client; elb marks answers the load balancer made itself.
func (f *flight) finish(resp sim.Response, elb bool) {
	f.done = true
	lb := f.lb
	if elb {
		resp.From = "elb:" + lb.cfg.Name
		switch resp.Status / 100 {
		case 3:
			lb.minute.elb3++
		case 4:
			lb.minute.elb4++
		case 5:
			lb.minute.elb5++
			if resp.Status == 503 {
				lb.minute.elb503++
			}
		}
	}
	if f.setCook != "" && !elb {
		resp.Headers = append(append([]sim.Header(nil), resp.Headers...), sim.Header{Name: "Set-Cookie", Value: f.group.cookieName() + "=" + f.setCook})
	}
	lb.minute.bytes += uint64(max(resp.Bytes, 0))
	lb.hour.bytes += uint64(max(resp.Bytes, 0))
	f.req.AddHop(sim.Hop{Service: "elb", Name: lb.cfg.Name, Enter: f.enter, Leave: lb.s.Now(), Status: resp.Status})
	if lb.log != nil {
		lb.writeLog(f, resp, elb)
	}
	f.reply(resp)
	if !f.timedOut {
		*f = flight{lb: lb, sendFn: f.sendFn, timeoutFn: f.timeoutFn, backFn: f.backFn, replyFn: f.replyFn}
		lb.pool = append(lb.pool, f)
	}
}

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
