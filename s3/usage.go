package s3

import (
	"maps"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/sim"
)

// A meter is one storage usage line: bytes held in a class (or tier, or as
// per-object overhead) that accrue byte-hours between daily flushes.
type meter uint8

const (
	mStandard meter = iota
	mIntFA          // Intelligent-Tiering tiers, in Tier order
	mIntIA
	mIntAIA
	mIntAA
	mIntDAA
	mSIA
	mZIA
	mGIR
	mGlacier
	mDeepArchive
	mGlacierS3     // Glacier's 8 KiB per object at the Standard rate
	mDeepArchiveS3 // Deep Archive's 8 KiB per object at the Standard rate
	mRestored      // temporary restored copies, at the Standard rate
	mMonitored     // Intelligent-Tiering monitored objects (a count, not bytes)
	numMeters
)

// meterInfo names a meter in the bill (usage type) and in CloudWatch
// (StorageType of BucketSizeBytes; overhead is billable minus actual bytes).
var meterInfo = [numMeters]struct{ usage, storageType, overheadType string }{
	mStandard:      {"TimedStorage-ByteHrs", "StandardStorage", ""},
	mIntFA:         {"TimedStorage-INT-FA-ByteHrs", "IntelligentTieringFAStorage", ""},
	mIntIA:         {"TimedStorage-INT-IA-ByteHrs", "IntelligentTieringIAStorage", ""},
	mIntAIA:        {"TimedStorage-INT-AIA-ByteHrs", "IntelligentTieringAIAStorage", ""},
	mIntAA:         {"TimedStorage-INT-AA-ByteHrs", "IntelligentTieringAAStorage", ""},
	mIntDAA:        {"TimedStorage-INT-DAA-ByteHrs", "IntelligentTieringDAAStorage", ""},
	mSIA:           {"TimedStorage-SIA-ByteHrs", "StandardIAStorage", "StandardIASizeOverhead"},
	mZIA:           {"TimedStorage-ZIA-ByteHrs", "OneZoneIAStorage", "OneZoneIASizeOverhead"},
	mGIR:           {"TimedStorage-GIR-ByteHrs", "GlacierInstantRetrievalStorage", "GlacierInstantRetrievalSizeOverhead"},
	mGlacier:       {"TimedStorage-GlacierByteHrs", "GlacierStorage", "GlacierObjectOverhead"},
	mDeepArchive:   {"TimedStorage-GDA-ByteHrs", "DeepArchiveStorage", "DeepArchiveObjectOverhead"},
	mGlacierS3:     {"TimedStorage-ByteHrs", "", "GlacierS3ObjectOverhead"},
	mDeepArchiveS3: {"TimedStorage-ByteHrs", "", "DeepArchiveS3ObjectOverhead"},
	mRestored:      {"TimedStorage-ByteHrs", "", ""},
	mMonitored:     {"Monitoring-Automation-INT", "", ""},
}

var classMeter = [numClasses]meter{mStandard, mIntFA, mSIA, mZIA, mGIR, mGlacier, mDeepArchive}

var classCode = [numClasses]string{"", "INT-", "SIA-", "ZIA-", "GIR-", "GLACIER-", "GDA-"}

var earlyUsage = [numClasses]string{"", "", "EarlyDelete-SIA", "EarlyDelete-ZIA", "EarlyDelete-GIR", "EarlyDelete-ByteHrs", "EarlyDelete-GDA"}

const gib = 1 << 30

// usage is a bucket's unbilled usage since the last flush.
type usage struct {
	actual, billable [numMeters]int64
	hours            [numMeters]float64 // billable byte-hours (object-hours for mMonitored)
	objects          int64              // object versions, excluding delete markers
	accrued          sim.Time
	flushed          sim.Time

	requests  [numClasses][2]int64 // [class][tier1, tier2]
	retrieved [numClasses]int64    // bytes read from IA classes
	restores  [2][numRestoreTiers]struct{ n, bytes int64 }
	early     [numClasses]float64 // GB-months charged for early deletion
}

func (b *Bucket) accrue(now sim.Time) {
	u := &b.use
	if now <= u.accrued {
		return
	}
	h := float64(now-u.accrued) / 3.6e12
	for m := range u.billable {
		if u.billable[m] != 0 {
			u.hours[m] += float64(u.billable[m]) * h
		}
	}
	u.accrued = now
}

func (b *Bucket) addMeter(m meter, actual, billable int64) {
	b.use.actual[m] += actual
	b.use.billable[m] += billable
}

// charge adds (sign = 1) or removes (sign = -1) a version's storage.
func (b *Bucket) charge(key string, v *version, sign int64) {
	b.accrue(b.svc.s.Now())
	if v.marker {
		b.addMeter(mStandard, 0, sign*int64(len(key)))
		return
	}
	b.use.objects += sign
	size := v.size * sign
	info := v.class.Info()
	switch v.class {
	case IntelligentTiering:
		b.addMeter(mIntFA+meter(v.tier), size, size)
		if v.size >= IntelligentTieringMinMonitoredSize {
			b.addMeter(mMonitored, 0, sign)
		}
	case Glacier, DeepArchive:
		m := classMeter[v.class]
		b.addMeter(m, size, size+sign*info.ClassOverhead)
		b.addMeter(m+mGlacierS3-mGlacier, 0, sign*info.StandardOverhead)
	default:
		billable := max(v.size, info.MinBillableSize) * sign
		b.addMeter(classMeter[v.class], size, billable)
	}
	if v.x != nil && v.x.restoredUntil > 0 {
		b.addMeter(mRestored, size, size)
	}
}

// chargeEarly bills the rest of a class's minimum storage duration when a
// version leaves the class (deleted, overwritten or transitioned) early.
func (b *Bucket) chargeEarly(v *version, now sim.Time) {
	info := v.class.Info()
	if v.marker || info.MinStorageDuration == 0 {
		return
	}
	left := info.MinStorageDuration - now.Sub(v.classSince)
	if left <= 0 {
		return
	}
	bytes := max(v.size, info.MinBillableSize) + info.ClassOverhead
	b.use.early[v.class] += float64(bytes) / gib * left.Hours() / b.svc.cfg.MonthHours
}

// flush turns the usage since the last flush into line items.
func (b *Bucket) flush(now sim.Time) {
	b.accrue(now)
	u := &b.use
	start := u.flushed
	u.flushed = now
	biller := b.svc.cfg.Billing
	if biller == nil {
		b.resetUsage()
		return
	}
	p := &b.svc.cfg.Prices
	var items []billing.LineItem
	add := func(usage, unit string, qty, rate float64) {
		if qty == 0 {
			return
		}
		for i := range items {
			if items[i].UsageType == usage && items[i].Rate == rate {
				items[i].Quantity += qty
				return
			}
		}
		items = append(items, billing.LineItem{
			Start: start, End: now, Service: "AmazonS3", ResourceID: b.cfg.Name,
			UsageType: usage, Region: b.cfg.Region, Quantity: qty, Unit: unit, Rate: rate,
		})
	}
	month := b.svc.cfg.MonthHours
	for m := range numMeters {
		rate := p.Classes[Standard].StorageGBMonth
		switch {
		case m >= mIntFA && m <= mIntDAA:
			rate = p.Tiers[m-mIntFA]
		case m >= mSIA && m <= mDeepArchive:
			rate = p.Classes[StandardIA+StorageClass(m-mSIA)].StorageGBMonth
		case m == mMonitored:
			add(meterInfo[m].usage, "Objects", u.hours[m]/month, p.MonitoringPer1000Objects/1000)
			continue
		}
		add(meterInfo[m].usage, "GB-Mo", u.hours[m]/gib/month, rate)
	}
	for c := range numClasses {
		cp := p.Classes[c]
		add("Requests-"+classCode[c]+"Tier1", "Requests", float64(u.requests[c][0]), cp.Tier1Per1000/1000)
		add("Requests-"+classCode[c]+"Tier2", "Requests", float64(u.requests[c][1]), cp.Tier2Per1000/1000)
		if u.retrieved[c] > 0 && cp.RetrievalPerGB > 0 {
			add("Retrieval-"+classCode[c][:len(classCode[c])-1], "GB", float64(u.retrieved[c])/gib, cp.RetrievalPerGB)
		}
		if earlyUsage[c] != "" {
			add(earlyUsage[c], "GB-Mo", u.early[c], p.Classes[c].StorageGBMonth)
		}
	}
	for i, cls := range [2]string{"GLACIER", "GDA"} {
		prices := &p.GlacierRestore
		if i == 1 {
			prices = &p.DeepArchiveRestore
		}
		for t := range numRestoreTiers {
			r := u.restores[i][t]
			add("Restore-"+cls+"-"+t.String()+"-Requests", "Requests", float64(r.n), prices[t].Per1000/1000)
			add("Restore-"+cls+"-"+t.String()+"-Bytes", "GB", float64(r.bytes)/gib, prices[t].PerGB)
		}
	}
	b.resetUsage()
	if len(items) == 0 {
		return
	}
	var tags map[string]string
	if len(b.cfg.Tags) > 0 {
		tags = maps.Clone(b.cfg.Tags)
	}
	for _, li := range items {
		li.Tags = tags
		biller.Add(li)
	}
}

func (b *Bucket) resetUsage() {
	u := &b.use
	u.hours = [numMeters]float64{}
	u.requests = [numClasses][2]int64{}
	u.retrieved = [numClasses]int64{}
	u.restores = [2][numRestoreTiers]struct{ n, bytes int64 }{}
	u.early = [numClasses]float64{}
}
