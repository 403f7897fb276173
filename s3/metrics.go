package s3

import (
	"time"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
)

// Namespace is the CloudWatch namespace of S3 metrics.
const Namespace = "AWS/S3"

type opKind uint8

const (
	opGet opKind = iota
	opPut
	opDelete
	opHead
	opPost
	opList
	numOps
)

var opMetric = [numOps]string{"GetRequests", "PutRequests", "DeleteRequests", "HeadRequests", "PostRequests", "ListRequests"}

// requestMetrics aggregates one minute of request metrics.
type requestMetrics struct {
	active              bool
	start               sim.Time
	ops                 [numOps]float64
	all, e4, e5         cloudwatch.StatisticSet
	down, up, fbl, tlat cloudwatch.StatisticSet
	dims                []cloudwatch.Dimension
}

// record counts one request through Serve for the 1-minute request
// metrics, when the bucket has them enabled.
func (b *Bucket) record(op opKind, status int, down, up int64, firstByte, total time.Duration) {
	if !b.cfg.RequestMetrics || b.svc.cfg.Metrics == nil {
		return
	}
	m := &b.metrics
	if !m.active {
		now := b.svc.s.Now()
		m.active, m.start = true, now-now%sim.Time(time.Minute)
		b.svc.s.Schedule(m.start.Add(time.Minute), b.publishRequests)
	}
	m.ops[op]++
	m.all.Add(1)
	e4, e5 := 0.0, 0.0
	if status >= 400 && status < 500 {
		e4 = 1
	} else if status >= 500 {
		e5 = 1
	}
	m.e4.Add(e4)
	m.e5.Add(e5)
	if op == opGet {
		m.down.Add(float64(down))
	}
	if op == opPut || op == opPost {
		m.up.Add(float64(up))
	}
	if status < 400 {
		m.fbl.Add(float64(firstByte) / 1e6)
		m.tlat.Add(float64(total) / 1e6)
	}
}

func (b *Bucket) publishRequests() {
	m := &b.metrics
	if m.dims == nil {
		m.dims = []cloudwatch.Dimension{{Name: "BucketName", Value: b.cfg.Name}, {Name: "FilterId", Value: "EntireBucket"}}
	}
	pub := func(name string, s cloudwatch.StatisticSet, unit cloudwatch.Unit) {
		if s.SampleCount > 0 {
			b.svc.cfg.Metrics.Publish(Namespace, cloudwatch.MetricDatum{
				MetricName: name, Dimensions: m.dims, Timestamp: m.start, StatisticValues: &s, Unit: unit,
			})
		}
	}
	pub("AllRequests", m.all, cloudwatch.UnitCount)
	for op, n := range m.ops {
		pub(opMetric[op], cloudwatch.StatisticSet{SampleCount: n, Sum: n, Minimum: 1, Maximum: 1}, cloudwatch.UnitCount)
	}
	pub("4xxErrors", m.e4, cloudwatch.UnitCount)
	pub("5xxErrors", m.e5, cloudwatch.UnitCount)
	pub("BytesDownloaded", m.down, cloudwatch.UnitBytes)
	pub("BytesUploaded", m.up, cloudwatch.UnitBytes)
	pub("FirstByteLatency", m.fbl, cloudwatch.UnitMilliseconds)
	pub("TotalRequestLatency", m.tlat, cloudwatch.UnitMilliseconds)
	dims := m.dims
	*m = requestMetrics{dims: dims}
}

// publishStorage publishes the daily storage metrics: BucketSizeBytes per
// StorageType (with the size-overhead types) and NumberOfObjects.
func (b *Bucket) publishStorage(now sim.Time) {
	pub := b.svc.cfg.Metrics
	if pub == nil {
		return
	}
	put := func(metric, storageType string, v float64, unit cloudwatch.Unit) {
		pub.Publish(Namespace, cloudwatch.MetricDatum{
			MetricName: metric, Timestamp: now, Value: v, Unit: unit,
			Dimensions: []cloudwatch.Dimension{{Name: "BucketName", Value: b.cfg.Name}, {Name: "StorageType", Value: storageType}},
		})
	}
	u := &b.use
	for m := range mMonitored {
		info := meterInfo[m]
		if info.storageType != "" && u.actual[m] > 0 {
			put("BucketSizeBytes", info.storageType, float64(u.actual[m]), cloudwatch.UnitBytes)
		}
		if over := u.billable[m] - u.actual[m]; info.overheadType != "" && over > 0 {
			put("BucketSizeBytes", info.overheadType, float64(over), cloudwatch.UnitBytes)
		}
	}
	put("NumberOfObjects", "AllStorageTypes", float64(u.objects), cloudwatch.UnitCount)
}
