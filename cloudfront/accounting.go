package cloudfront

import (
	"math"
	"strconv"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
)

// Stats are a distribution's running counters.
type Stats struct {
	// Requests is every viewer request answered.
	Requests uint64
	// Hits, RefreshHits, Misses, Errors and Redirects count answers by
	// x-edge-result-type (a function-generated answer counts as a Hit).
	Hits, RefreshHits, Misses, Errors, Redirects uint64
	// Status4xx and Status5xx count answers by status class.
	Status4xx, Status5xx uint64
	// RegionalHits counts requests a regional edge cache or Origin Shield
	// answered from its cache.
	RegionalHits uint64
	// CollapsedRequests counts requests that waited for another request's
	// miss at some location instead of going further.
	CollapsedRequests uint64
	// OriginRequests counts requests sent to origins (attempts, including
	// retries and failovers); OriginFailovers the switches to a secondary;
	// OriginTimeouts the response timeouts.
	OriginRequests, OriginFailovers, OriginTimeouts uint64
	// OriginShieldRequests counts requests Origin Shield handled as an
	// extra layer (the billed ones).
	OriginShieldRequests uint64
	// BytesDownloaded is bytes served for GET, HEAD and OPTIONS;
	// BytesUploaded is request bytes of POST and PUT that went on to the
	// origin.
	BytesDownloaded, BytesUploaded int64
}

// CacheHitRatio is (Hits + RefreshHits) / Requests, or 0 with no requests.
func (s Stats) CacheHitRatio() float64 {
	if s.Requests == 0 {
		return 0
	}
	return float64(s.Hits+s.RefreshHits) / float64(s.Requests)
}

// minuteAgg collects one minute of AWS/CloudFront metrics.
type minuteAgg struct {
	start               sim.Time
	open                bool
	requests, cacheable uint64
	hits, e4, e5        uint64
	down, up            int64
	originLatency       cloudwatch.StatisticSet // milliseconds
}

func (m *minuteAgg) recordOriginLatency(d time.Duration) {
	m.originLatency.Add(float64(d) / float64(time.Millisecond))
}

// billAgg collects one billing period of usage, per geography.
type billAgg struct {
	start           sim.Time
	open            bool
	bytes           [len(geographies)]int64
	http, https     [len(geographies)]uint64
	shield          [len(geographies)]uint64
	functions       uint64
	fle             uint64
	lambdaRequests  uint64
	lambdaGBSeconds float64
}

// account records a finished viewer request in stats, metrics, billing and
// the access log.
func (d *Distribution) account(vr *viewerReq, now sim.Time) {
	st := &d.stats
	resp := vr.resp
	st.Requests++
	switch vr.result {
	case ResultHit:
		st.Hits++
	case ResultRefreshHit:
		st.RefreshHits++
	case ResultMiss:
		st.Misses++
	case ResultRedirect:
		st.Redirects++
	default:
		st.Errors++
	}
	is4, is5 := resp.Status >= 400 && resp.Status < 500, resp.Status >= 500 || resp.Status == 0
	if is4 {
		st.Status4xx++
	}
	if is5 {
		st.Status5xx++
	}
	var down, up int64
	switch vr.req.Method {
	case "POST", "PUT":
		// Bytes uploaded to the origin: a request refused at the edge
		// uploaded nothing there.
		if vr.result != ResultError {
			up = vr.req.Bytes
		}
	default:
		down = resp.Bytes
	}
	st.BytesDownloaded += down
	st.BytesUploaded += up

	if d.cf.cfg.Metrics != nil {
		m := &d.minute
		if !m.open {
			m.open = true
			m.start = now - now%sim.Time(time.Minute)
			d.cf.s.Schedule(m.start.Add(time.Minute), d.flushMetrics)
		}
		m.requests++
		if cacheableMethod(vr.req.Method) && !is4 && !is5 && vr.b != nil && vr.b.policy.MaxTTL > 0 {
			m.cacheable++
			if vr.result == ResultHit || vr.result == ResultRefreshHit {
				m.hits++
			}
		}
		if is4 {
			m.e4++
		}
		if is5 {
			m.e5++
		}
		m.down += down
		m.up += up
	}
	if d.cf.cfg.Billing != nil {
		b := &d.bill
		if !b.open {
			b.open = true
			p := sim.Time(d.cf.cfg.BillingPeriod)
			b.start = now - now%p
			d.cf.s.Schedule(b.start+p, d.flushBilling)
		}
		g := geoIndex(vr.edge.geog)
		b.bytes[g] += resp.Bytes
		if vr.https {
			b.https[g]++
		} else {
			b.http[g]++
		}
	}
	if d.cfg.AccessLog != nil {
		d.appendLog(vr, now)
	}
}

// flushMetrics publishes the open minute's datapoints.
func (d *Distribution) flushMetrics() {
	m := &d.minute
	if !m.open || d.cf.cfg.Metrics == nil {
		return
	}
	dims := []cloudwatch.Dimension{{Name: "DistributionId", Value: d.id}, {Name: "Region", Value: "Global"}}
	pub := func(name string, v float64, unit cloudwatch.Unit) {
		d.cf.cfg.Metrics.Publish("AWS/CloudFront", cloudwatch.MetricDatum{MetricName: name, Dimensions: dims, Timestamp: m.start, Value: v, Unit: unit})
	}
	pct := func(a, b uint64) float64 {
		if b == 0 {
			return 0
		}
		return 100 * float64(a) / float64(b)
	}
	pub("Requests", float64(m.requests), cloudwatch.UnitNone)
	pub("BytesDownloaded", float64(m.down), cloudwatch.UnitNone)
	pub("BytesUploaded", float64(m.up), cloudwatch.UnitNone)
	pub("4xxErrorRate", pct(m.e4, m.requests), cloudwatch.UnitPercent)
	pub("5xxErrorRate", pct(m.e5, m.requests), cloudwatch.UnitPercent)
	pub("TotalErrorRate", pct(m.e4+m.e5, m.requests), cloudwatch.UnitPercent)
	if m.cacheable > 0 {
		pub("CacheHitRate", pct(m.hits, m.cacheable), cloudwatch.UnitPercent)
	}
	if m.originLatency.SampleCount > 0 {
		set := m.originLatency
		d.cf.cfg.Metrics.Publish("AWS/CloudFront", cloudwatch.MetricDatum{MetricName: "OriginLatency", Dimensions: dims, Timestamp: m.start,
			StatisticValues: &set,
			Unit:            cloudwatch.UnitMilliseconds})
	}
	*m = minuteAgg{}
}

// flushBilling turns the open period's usage into line items.
func (d *Distribution) flushBilling() {
	b := &d.bill
	biller := d.cf.cfg.Billing
	if !b.open || biller == nil {
		return
	}
	end := d.cf.s.Now()
	if p := b.start.Add(d.cf.cfg.BillingPeriod); end > p {
		end = p
	}
	pr := d.cf.cfg.Prices
	add := func(usage string, qty float64, unit string, rate float64) {
		if qty == 0 {
			return
		}
		biller.Add(billing.LineItem{Start: b.start, End: end, Service: "AmazonCloudFront", ResourceID: d.id, UsageType: usage,
			Region: "global", Quantity: qty, Unit: unit, Rate: rate, Tags: d.cfg.Tags})
	}
	for i, g := range geographies {
		p := string(g)
		add(p+"-DataTransfer-Out-Bytes", float64(b.bytes[i])/(1<<30), "GB", price(pr.DataTransferOutPerGB, g))
		add(p+"-Requests-Tier1", float64(b.http[i]), "Requests", price(pr.HTTPRequestsPer10k, g)/10000)
		add(p+"-Requests-Tier2-HTTPS", float64(b.https[i]), "Requests", price(pr.HTTPSRequestsPer10k, g)/10000)
		add(p+"-OriginShield-Requests", float64(b.shield[i]), "Requests", price(pr.OriginShieldPer10k, g)/10000)
	}
	add("Executions-CloudFrontFunctions", float64(b.functions), "Requests", pr.FunctionsPerMillion/1e6)
	add("FieldLevelEncryption-Requests", float64(b.fle), "Requests", pr.FieldLevelEncryptionPer10k/10000)
	add("Lambda-Edge-Request", float64(b.lambdaRequests), "Requests", pr.LambdaEdgePerMillion/1e6)
	add("Lambda-Edge-GB-Second", b.lambdaGBSeconds, "Lambda-GB-Second", pr.LambdaEdgePerGBSecond)
	*b = billAgg{}
}

// appendLog writes one access log line.
func (d *Distribution) appendLog(vr *viewerReq, now sim.Time) {
	req, resp := vr.req, vr.resp
	proto := "https"
	if !vr.https {
		proto = "http"
	}
	ua, _ := req.Header("User-Agent")
	ref, _ := req.Header("Referer")
	ct, _ := resp.Header("Content-Type")
	var cookie string
	for i, c := range req.Cookies {
		if i > 0 {
			cookie += "; "
		}
		cookie += c.Name + "=" + c.Value
	}
	ip := ""
	if req.Client.IP.IsValid() {
		ip = req.Client.IP.String()
	}
	taken := now.Sub(vr.arrive) - vr.rtt/2
	rec := LogRecord{
		Time: d.cf.s.Wall(now).UTC(), EdgeLocation: vr.edge.name + "-C1", Bytes: resp.Bytes, ClientIP: ip,
		Method: req.Method, Host: d.domain, URIStem: req.Path, Status: resp.Status, Referer: ref, UserAgent: ua,
		URIQuery: req.Query, Cookie: cookie, ResultType: vr.result, RequestID: d.id + "-" + strconv.FormatUint(req.ID, 36),
		HostHeader: req.Host, Protocol: proto, RequestBytes: req.Bytes, TimeTaken: roundMs(taken),
		ResponseResultType: vr.result, ProtocolVersion: "HTTP/2.0", ClientPort: int(req.SrcPort),
		TimeToFirstByte: roundMs(taken), DetailedResultType: vr.detailed, ContentType: ct, ContentLength: resp.Bytes,
		RangeStart: -1, RangeEnd: -1,
	}
	if vr.https {
		rec.SSLProtocol, rec.SSLCipher = "TLSv1.3", "TLS_AES_128_GCM_SHA256"
	}
	d.log = rec.AppendTo(d.log)
	if len(d.log) >= 32<<10 {
		d.writeLog()
	}
}

func roundMs(d time.Duration) time.Duration {
	return time.Duration(math.Round(float64(d)/float64(time.Millisecond))) * time.Millisecond
}

// writeLog hands buffered log lines to the writer.
func (d *Distribution) writeLog() {
	if len(d.log) == 0 || d.logErr != nil {
		return
	}
	_, d.logErr = d.cfg.AccessLog.Write(d.log)
	d.log = d.log[:0]
}

// FlushLog writes buffered access log lines and returns the first write
// error, if any.
func (d *Distribution) FlushLog() error {
	if d.cfg.AccessLog != nil {
		d.writeLog()
	}
	return d.logErr
}
