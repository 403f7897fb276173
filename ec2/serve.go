package ec2

import (
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// job is one request inside an instance.
type job struct {
	req   *sim.Request
	reply func(sim.Response)
	enter sim.Time
	start sim.Time // start of the current service segment
	work  float64  // remaining work in reference-vCPU nanoseconds
	tag   float64  // processor sharing: attained service at which it ends
}

// vcpu serves one FCFS job at a time. Its completion closure is made once,
// so serving a request allocates nothing.
type vcpu struct {
	j     job
	busy  bool
	timer sim.Timer
	fire  func()
}

// ring is a FIFO of waiting jobs.
type ring struct {
	buf     []job
	head, n int
}

func (q *ring) push(j job) {
	if q.n == len(q.buf) {
		nb := make([]job, max(16, 2*len(q.buf)))
		for k := 0; k < q.n; k++ {
			nb[k] = q.buf[(q.head+k)%len(q.buf)]
		}
		q.buf, q.head = nb, 0
	}
	q.buf[(q.head+q.n)%len(q.buf)] = j
	q.n++
}

func (q *ring) pop() job {
	j := q.buf[q.head]
	q.buf[q.head] = job{}
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	return j
}

// server is the serving state of an instance: c vCPUs with one FCFS queue,
// or one processor-sharing pool.
type server struct {
	cpus  []vcpu
	idle  []int32 // stack of idle vCPUs, lowest index on top
	busy  int     // vCPUs in use
	inSys int     // jobs inside
	q     ring

	// processor sharing: every job attains service at rate
	// speed·min(1, c/n); psV is the service each has attained since the
	// pool was last empty, and a job ends when psV reaches its tag.
	ps      []job // min-heap by tag
	psV     float64
	psLast  sim.Time
	psTimer sim.Timer
	psFire  func()
}

func (sv *server) init(i *Instance, c int) {
	sv.cpus = make([]vcpu, c)
	sv.idle = make([]int32, 0, c)
	for k := c - 1; k >= 0; k-- {
		sv.cpus[k].fire = func() { i.complete(k) }
		sv.idle = append(sv.idle, int32(k))
	}
	sv.psFire = i.psComplete
}

func (i *Instance) computeSpeed() float64 {
	sp := i.typ.speed() / i.impair
	if i.throttled {
		sp *= i.typ.Baseline()
	}
	if i.memPressure {
		sp /= i.spec.Server.SwapSlowdown
	}
	return sp
}

// share is the fraction of a busy vCPU's time the instance may use: its
// baseline while throttled.
func (i *Instance) share() float64 {
	if i.throttled {
		return i.typ.Baseline()
	}
	return 1
}

// account brings the CPU-time and credit integrals up to now; call it
// before anything that changes busy or share.
func (i *Instance) account(now sim.Time) {
	dt := now - i.lastAcct
	if dt <= 0 {
		return
	}
	i.lastAcct = now
	eff := float64(i.busy) * i.share()
	x := eff * float64(dt)
	i.cum += x
	i.mon.cpuAcc += x
	if i.cr != nil && i.state == StateRunning { // credits accrue only while running
		i.cr.advance(float64(dt), eff)
	}
}

// Serve implements sim.Handler. A request is refused at once (Status 0 and
// a Reason) when the instance is not running, not booted, failed, full, or
// the request's Work is negative; otherwise it is answered when its work is
// done.
func (i *Instance) Serve(req *sim.Request, reply func(sim.Response)) {
	now := i.s.Now()
	i.stats.Arrived++
	sc := &i.spec.Server
	var reason string
	switch {
	case i.state != StateRunning:
		reason = ReasonNotRunning
	case i.failed || i.sysFailed:
		reason = ReasonUnreachable
	case !i.ready:
		reason = ReasonConnectionRefused
	case req.Work < 0:
		reason = ReasonInvalidWork
	case sc.MaxConnections > 0 && i.inSys >= sc.MaxConnections:
		reason = ReasonConnectionLimit
	case sc.MaxQueue > 0 && sc.Discipline == FCFS && len(i.idle) == 0 && i.q.n >= sc.MaxQueue:
		reason = ReasonQueueFull
	}
	if reason != "" {
		i.stats.Rejected++
		req.AddHop(sim.Hop{Service: "ec2", Name: i.id, Enter: now, Leave: now})
		reply(sim.Response{From: i.from, Reason: reason})
		return
	}
	i.stats.BytesIn += req.Bytes
	i.mon.inAcc += req.Bytes
	i.inSys++
	if sc.MemoryPerRequestMiB > 0 {
		i.checkMemory()
	}
	j := job{req: req, reply: reply, enter: now, work: float64(req.Work)}
	if sc.Discipline == ProcessorSharing {
		i.psArrive(now, j)
		return
	}
	if n := len(i.idle); n > 0 {
		k := i.idle[n-1]
		i.idle = i.idle[:n-1]
		i.startJob(now, k, j)
		return
	}
	i.q.push(j)
}

func (i *Instance) warmFactor(now sim.Time) float64 {
	w := i.spec.Server.WarmUp
	if w == 0 || i.warm {
		return 1
	}
	el := now.Sub(i.readyAt)
	if el >= w {
		return 1
	}
	cold := i.spec.Server.ColdFactor
	return cold - (cold-1)*float64(el)/float64(w)
}

// serviceTime is how long work takes at the current speed.
func (i *Instance) serviceTime(work float64) time.Duration {
	return durationOf(work / i.speed)
}

func (i *Instance) startJob(now sim.Time, k int32, j job) {
	i.account(now)
	i.busy++
	j.start = now
	j.work *= i.warmFactor(now)
	i.stats.Started++
	if now > j.enter {
		i.stats.Waited++
		i.stats.WaitTotal += now.Sub(j.enter)
	}
	c := &i.cpus[k]
	c.j, c.busy = j, true
	c.timer = i.s.Schedule(later(now, i.serviceTime(j.work)), c.fire)
	if i.cr != nil {
		i.creditReplan()
	}
}

func (i *Instance) complete(k int) {
	now := i.s.Now()
	c := &i.cpus[k]
	j := c.j
	c.j, c.busy = job{}, false
	i.account(now)
	i.busy--
	if i.q.n > 0 {
		i.startJob(now, int32(k), i.q.pop())
	} else {
		i.idle = append(i.idle, int32(k))
		if i.cr != nil {
			i.creditReplan()
		}
	}
	i.finish(now, j)
}

// finish answers a job whose work is done.
func (i *Instance) finish(now sim.Time, j job) {
	i.inSys--
	sc := &i.spec.Server
	if sc.MemoryPerRequestMiB > 0 {
		i.checkMemory()
	}
	var resp sim.Response
	if sc.Respond != nil {
		resp = sc.Respond(j.req)
		if resp.From == "" {
			resp.From = i.from
		}
	} else {
		resp = sim.Response{Status: 200, Bytes: sc.ResponseBytes, From: i.from}
	}
	i.stats.Completed++
	i.stats.BytesOut += resp.Bytes
	i.mon.outAcc += resp.Bytes
	j.req.AddHop(sim.Hop{Service: "ec2", Name: i.id, Enter: j.enter, Leave: now, Status: resp.Status})
	j.reply(resp)
}

func (i *Instance) checkMemory() {
	sc := &i.spec.Server
	p := sc.BaseMemoryMiB+float64(i.inSys)*sc.MemoryPerRequestMiB > i.typ.MemoryGiB*1024
	if p != i.memPressure {
		i.memPressure = p
		i.setSpeed()
	}
}

// setSpeed applies a change of impairment, throttling or memory pressure
// to the jobs in service.
func (i *Instance) setSpeed() {
	now := i.s.Now()
	i.account(now)
	old, sp := i.speed, i.computeSpeed()
	if sp == old {
		return
	}
	if i.spec.Server.Discipline == ProcessorSharing {
		i.psAdvance(now)
		i.speed = sp
		i.psReschedule(now)
		return
	}
	i.speed = sp
	for k := range i.cpus {
		c := &i.cpus[k]
		if !c.busy {
			continue
		}
		c.j.work = max(0, c.j.work-float64(now-c.j.start)*old)
		c.j.start = now
		c.timer, _ = i.s.Reschedule(c.timer, now+sim.Time(i.serviceTime(c.j.work)))
	}
}

// dropAll resets every request inside the instance with reason.
func (i *Instance) dropAll(reason string) {
	if i.inSys == 0 {
		return
	}
	now := i.s.Now()
	i.account(now)
	var js []job
	for k := range i.cpus {
		c := &i.cpus[k]
		if c.busy {
			i.s.Cancel(c.timer)
			js = append(js, c.j)
			c.j, c.busy = job{}, false
		}
	}
	i.idle = i.idle[:0]
	for k := len(i.cpus) - 1; k >= 0; k-- {
		i.idle = append(i.idle, int32(k))
	}
	for i.q.n > 0 {
		js = append(js, i.q.pop())
	}
	js = append(js, i.ps...)
	clear(i.ps)
	i.ps = i.ps[:0]
	i.s.Cancel(i.psTimer)
	i.psV = 0
	i.busy, i.inSys = 0, 0
	if i.memPressure {
		i.memPressure = false
		i.speed = i.computeSpeed()
	}
	if i.cr != nil {
		i.creditReplan()
	}
	for _, j := range js {
		i.stats.Reset++
		j.req.AddHop(sim.Hop{Service: "ec2", Name: i.id, Enter: j.enter, Leave: now})
		j.reply(sim.Response{From: i.from, Reason: reason})
	}
}

// Processor sharing.

func (i *Instance) psRate() float64 {
	n := len(i.ps)
	c := len(i.cpus)
	if n <= c {
		return i.speed
	}
	return i.speed * float64(c) / float64(n)
}

func (i *Instance) psAdvance(now sim.Time) {
	if len(i.ps) > 0 {
		i.psV += float64(now-i.psLast) * i.psRate()
	}
	i.psLast = now
}

func (i *Instance) psSetBusy(now sim.Time) {
	i.account(now)
	i.busy = min(len(i.ps), len(i.cpus))
	if i.cr != nil {
		i.creditReplan()
	}
}

func (i *Instance) psArrive(now sim.Time, j job) {
	i.psAdvance(now)
	if len(i.ps) == 0 {
		i.psV = 0 // restart the attained-service clock: keeps tags small
	}
	j.start = now
	i.stats.Started++
	j.tag = i.psV + j.work*i.warmFactor(now)
	i.ps = append(i.ps, j)
	i.psUp(len(i.ps) - 1)
	i.psSetBusy(now)
	i.psReschedule(now)
}

func (i *Instance) psReschedule(now sim.Time) {
	i.s.Cancel(i.psTimer)
	if len(i.ps) == 0 {
		return
	}
	d := durationOf((i.ps[0].tag - i.psV) / i.psRate())
	i.psTimer = i.s.Schedule(later(now, d), i.psFire)
}

func (i *Instance) psComplete() {
	now := i.s.Now()
	i.psAdvance(now)
	// Every job whose tag is reached (within float rounding of the timer's
	// nanosecond grid) is done.
	for len(i.ps) > 0 && i.ps[0].tag <= i.psV+1 {
		j := i.psPop()
		i.psSetBusy(now)
		i.finish(now, j)
		i.psAdvance(i.s.Now())
	}
	i.psReschedule(now)
}

func (i *Instance) psUp(k int) {
	h := i.ps
	for k > 0 {
		p := (k - 1) / 2
		if h[p].tag <= h[k].tag {
			break
		}
		h[p], h[k] = h[k], h[p]
		k = p
	}
}

func (i *Instance) psPop() job {
	h := i.ps
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h[n] = job{}
	h = h[:n]
	k := 0
	for {
		l := 2*k + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h[r].tag < h[l].tag {
			m = r
		}
		if h[k].tag <= h[m].tag {
			break
		}
		h[k], h[m] = h[m], h[k]
		k = m
	}
	i.ps = h
	return top
}
